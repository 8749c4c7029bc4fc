package vuln

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxDevices bounds the rows of an inventory file.
const MaxDevices = 1000000

// ReadDevices reads an inventory CSV from r (read from file): a header row
// with at least id (or asset_tag), manufacturer and model, and usually
// version, in any order and any case. Optional risk columns: criticality
// (life-sustaining, critical, standard, low), zone (or network_zone),
// internet (or internet_reachable: yes/no, true/false) and end_of_support
// (YYYY-MM-DD). Other columns are ignored. A device without a version is
// kept: its matches need review.
func ReadDevices(file string, r io.Reader) ([]Device, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, &ParseError{File: file, Line: 1, Err: fmt.Errorf("read header: %w", err)}
	}
	col, err := columns(header)
	if err != nil {
		return nil, &ParseError{File: file, Line: 1, Err: err}
	}
	var out []Device
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil { // csv.ParseError carries the line
			return nil, &ParseError{File: file, Err: err}
		}
		line, _ := cr.FieldPos(0)
		if len(out) >= MaxDevices {
			return nil, &ParseError{File: file, Line: line, Err: fmt.Errorf("more than %d devices", MaxDevices)}
		}
		d, ferr := device(rec, col, line)
		if ferr != nil {
			return nil, &ParseError{File: file, Line: line, Place: ferr.place, Err: ferr.err}
		}
		out = append(out, d)
	}
}

type fieldError struct {
	place string
	err   error
}

// device builds the device of one row.
func device(rec []string, col map[string]int, line int) (Device, *fieldError) {
	d := Device{ID: field(rec, col["id"]), Manufacturer: field(rec, col["manufacturer"]),
		Model: field(rec, col["model"]), Version: field(rec, col["version"]), Row: line,
		Zone: field(rec, col["zone"]), EndOfSupport: field(rec, col["end_of_support"])}
	if d.ID == "" {
		return d, &fieldError{"id", errors.New("empty device id")}
	}
	crit, ok := ParseCriticality(field(rec, col["criticality"]))
	if !ok {
		return d, &fieldError{"criticality", fmt.Errorf("unknown criticality (want life-sustaining, critical, standard or low)")}
	}
	d.Criticality = crit
	switch strings.ToLower(field(rec, col["internet"])) {
	case "yes", "y", "true", "1":
		d.InternetReachable = true
	case "", "no", "n", "false", "0":
	default:
		return d, &fieldError{"internet", errors.New("want yes or no")}
	}
	return d, nil
}

// columns maps the wanted column names to their index (-1 when absent).
func columns(header []string) (map[string]int, error) {
	col := map[string]int{"id": -1, "manufacturer": -1, "model": -1, "version": -1,
		"criticality": -1, "zone": -1, "internet": -1, "end_of_support": -1}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "criticality", "clinical_criticality":
			col["criticality"] = i
		case "zone", "network_zone":
			col["zone"] = i
		case "internet", "internet_reachable", "internet_facing":
			col["internet"] = i
		case "end_of_support", "end_of_support_date", "eos":
			col["end_of_support"] = i
		case "id", "asset_tag", "device_id":
			if col["id"] < 0 {
				col["id"] = i
			}
		case "manufacturer", "vendor":
			col["manufacturer"] = i
		case "model", "product":
			col["model"] = i
		case "version", "software_version", "firmware_version":
			if col["version"] < 0 {
				col["version"] = i
			}
		}
	}
	for _, need := range []string{"id", "manufacturer", "model"} {
		if col[need] < 0 {
			return nil, fmt.Errorf("no %q column (need id or asset_tag, manufacturer, model, version)", need)
		}
	}
	return col, nil
}

func field(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}
