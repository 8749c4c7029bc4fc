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
// version, in any order and any case; other columns are ignored. A device
// without a version is kept: its matches need review.
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
		d := Device{ID: field(rec, col["id"]), Manufacturer: field(rec, col["manufacturer"]),
			Model: field(rec, col["model"]), Version: field(rec, col["version"])}
		if d.ID == "" {
			return nil, &ParseError{File: file, Line: line, Place: "id", Err: errors.New("empty device id")}
		}
		out = append(out, d)
	}
}

// columns maps the wanted column names to their index (-1 when absent).
func columns(header []string) (map[string]int, error) {
	col := map[string]int{"id": -1, "manufacturer": -1, "model": -1, "version": -1}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
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
