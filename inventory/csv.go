package inventory

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/airtight/airtight"
)

// The device CSV format.
//
// A file starts with a header line naming its columns. The documented header,
// which CSVWriter writes, is:
//
//	asset_tag,manufacturer,model,kind,fda_product_code,criticality,version,serial_number,udi,site,department,room,network_zone,ip,mac,hostname,ae_title,hl7_application,owner,status,first_seen,last_seen
//
// ReadCSV accepts the columns in any order, and any subset that includes the
// required ones (asset_tag, manufacturer, model, kind, criticality). Column
// names are matched case-insensitively. A UTF-8 byte order mark is skipped.
// Each following line is one device:
//
//   - kind is free text normalised with NormalizeKind ("CT Scanner" becomes
//     "ct-scanner");
//   - criticality is one of life-sustaining, life-supporting, diagnostic,
//     administrative; status one of active (the default), maintenance,
//     quarantined, decommissioned;
//   - first_seen and last_seen are RFC 3339 times or YYYY-MM-DD dates (UTC);
//   - an empty version means "unknown".
//
// Cells are trimmed of surrounding white space; rows of empty cells are
// skipped. To keep spreadsheets from
// running exported cells as formulas (CSV injection, see OWASP), CSVWriter
// prefixes a cell that starts with =, +, -, @, tab or carriage return with a
// single quote; ReadCSV removes that quote again.
//
// Limits: MaxCSVRows rows, MaxCSVField bytes a cell, MaxCSVLine bytes a line
// (record). The file must be UTF-8 text without NUL or other control bytes
// (tab, CR and LF excepted). Callers that read from the network also cap the
// total size.

// CSVHeader lists the documented columns, in the order CSVWriter writes them.
var CSVHeader = []string{
	"asset_tag", "manufacturer", "model", "kind", "fda_product_code", "criticality", "version",
	"serial_number", "udi", "site", "department", "room", "network_zone", "ip", "mac", "hostname",
	"ae_title", "hl7_application", "owner", "status", "first_seen", "last_seen",
}

// CSV limits.
const (
	MaxCSVRows    = 200_000   // data rows in one file
	MaxCSVField   = 1024      // bytes in one cell
	MaxCSVLine    = 64 * 1024 // bytes in one record, quotes and line breaks included
	maxCSVDetails = 100       // row errors reported in one error
)

// requiredColumns must appear in every header.
var requiredColumns = []string{"asset_tag", "manufacturer", "model", "kind", "criticality"}

// csvColumn reads and writes one column of a Record.
type csvColumn struct {
	get func(r *Record) string
	set func(r *Record, v string) error // the error text is shown to users: no cell values
}

var csvColumns = map[string]csvColumn{
	"asset_tag":        text(func(r *Record) *string { return &r.Device.AssetTag }),
	"manufacturer":     text(func(r *Record) *string { return &r.Manufacturer }),
	"model":            text(func(r *Record) *string { return &r.Model }),
	"fda_product_code": text(func(r *Record) *string { return &r.FDAProductCode }),
	"version":          text(func(r *Record) *string { return &r.Version }),
	"serial_number":    text(func(r *Record) *string { return &r.Device.SerialNumber }),
	"udi":              text(func(r *Record) *string { return &r.Device.UDI }),
	"site":             text(func(r *Record) *string { return &r.Device.Site }),
	"department":       text(func(r *Record) *string { return &r.Device.Department }),
	"room":             text(func(r *Record) *string { return &r.Device.Room }),
	"network_zone":     text(func(r *Record) *string { return &r.Device.NetworkZone }),
	"ip":               text(func(r *Record) *string { return &r.Device.IP }),
	"mac":              text(func(r *Record) *string { return &r.Device.MAC }),
	"hostname":         text(func(r *Record) *string { return &r.Device.Hostname }),
	"ae_title":         text(func(r *Record) *string { return &r.Device.AETitle }),
	"hl7_application":  text(func(r *Record) *string { return &r.Device.HL7Application }),
	"owner":            text(func(r *Record) *string { return &r.Device.Owner }),
	"kind": {
		get: func(r *Record) string { return string(r.Kind) },
		set: func(r *Record, v string) error { r.Kind = NormalizeKind(v); return nil },
	},
	"criticality": {
		get: func(r *Record) string { return string(r.Criticality) },
		set: func(r *Record, v string) error { r.Criticality = Criticality(strings.ToLower(v)); return nil },
	},
	"status": {
		get: func(r *Record) string { return string(r.Device.Status) },
		set: func(r *Record, v string) error { r.Device.Status = Status(strings.ToLower(v)); return nil },
	},
	"first_seen": timeColumn(func(r *Record) *time.Time { return &r.Device.FirstSeen }),
	"last_seen":  timeColumn(func(r *Record) *time.Time { return &r.Device.LastSeen }),
}

// text is a column holding a string field as is.
func text(field func(*Record) *string) csvColumn {
	return csvColumn{
		get: func(r *Record) string { return *field(r) },
		set: func(r *Record, v string) error { *field(r) = v; return nil },
	}
}

// timeColumn is a column holding a time.
func timeColumn(field func(*Record) *time.Time) csvColumn {
	return csvColumn{
		get: func(r *Record) string { return formatCSVTime(*field(r)) },
		set: func(r *Record, v string) error { return parseCSVTime(v, field(r)) },
	}
}

func formatCSVTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

var errCSVTime = errors.New("must be an RFC 3339 time or a YYYY-MM-DD date")

func parseCSVTime(v string, dst *time.Time) error {
	if v == "" {
		*dst = time.Time{}
		return nil
	}
	layout := time.RFC3339
	if len(v) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		return errCSVTime
	}
	*dst = t.UTC()
	return nil
}

// ReadCSV reads devices in the CSV format described above. Every row is
// validated; all invalid rows (the first 100 in Details) are reported in one
// *airtight.Error with code EInvalid, naming lines and columns but never cell
// values, which may hold PHI. Every error ReadCSV returns is an
// *airtight.Error.
func ReadCSV(r io.Reader) ([]Record, error) {
	g := &textGuard{r: r, line: 1}
	cr := csv.NewReader(g)
	cr.ReuseRecord = true
	g.limit = MaxCSVLine + 4096 // csv reads through a 4 KiB buffer
	header, err := cr.Read()
	if err == io.EOF {
		return nil, airtight.Errorf(airtight.EInvalid, "the CSV file is empty: a header line is required")
	}
	if err != nil {
		return nil, csvReadError(g, err)
	}
	cols, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	return readRows(cr, g, cols)
}

// parseHeader maps header cells to columns, in file order.
func parseHeader(header []string) ([]string, error) {
	cols := make([]string, len(header))
	seen := make(map[string]bool, len(header))
	var unknown, dup []string
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		if !utf8.ValidString(h) {
			return nil, notText(1)
		}
		name := strings.ToLower(strings.TrimSpace(h))
		switch _, ok := csvColumns[name]; {
		case !ok:
			unknown = append(unknown, columnLabel(i, name))
		case seen[name]:
			dup = append(dup, name)
		}
		seen[name] = true
		cols[i] = name
	}
	if len(unknown) > 0 {
		return nil, headerError("unknown column", unknown)
	}
	if len(dup) > 0 {
		return nil, headerError("duplicate column", dup)
	}
	var missing []string
	for _, c := range requiredColumns {
		if !seen[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, headerError("missing required column", missing)
	}
	return cols, nil
}

// columnLabel names an unknown header cell. Only names that look like column
// names are repeated: a file without a header has data (maybe PHI) there.
func columnLabel(i int, name string) string {
	if len(name) == 0 || len(name) > 40 {
		return "column " + strconv.Itoa(i+1)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == ' ') {
			return "column " + strconv.Itoa(i+1)
		}
	}
	return strconv.Quote(name)
}

func headerError(what string, names []string) error {
	if len(names) > 1 {
		what += "s"
	}
	names = names[:min(len(names), maxCSVDetails)]
	details := make([]airtight.Detail, len(names))
	for i, n := range names {
		details[i] = airtight.Detail{Line: 1, Field: strings.Trim(n, `"`), Message: what}
	}
	listed := strings.Join(names[:min(len(names), 10)], ", ")
	if len(names) > 10 {
		listed += " and more"
	}
	msg := fmt.Sprintf("line 1 (header): %s %s; the columns are: %s", what, listed, strings.Join(CSVHeader, ","))
	return &airtight.Error{Code: airtight.EInvalid, Message: msg, Details: details}
}

// readRows reads and validates the data rows.
func readRows(cr *csv.Reader, g *textGuard, cols []string) ([]Record, error) {
	var (
		recs    []Record
		bad     rowErrors
		records int
	)
	for {
		g.limit = cr.InputOffset() + MaxCSVLine + 4096
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if records++; records > MaxCSVRows {
			return nil, airtight.Errorf(airtight.ETooLarge, "the CSV file has more than %d rows; split it", MaxCSVRows)
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) && g.err == nil {
			bad.add(pe.StartLine, "", fmt.Sprintf("has %d fields, the header has %d", len(row), len(cols)))
			continue
		} else if err != nil {
			return nil, csvReadError(g, err)
		}
		if blankRow(row) {
			records--
			continue
		}
		line, _ := cr.FieldPos(0)
		rec, field, msg := parseRow(row, cols, line)
		if msg != "" {
			bad.add(line, field, msg)
			continue
		}
		recs = append(recs, rec)
	}
	if err := bad.err(); err != nil {
		return nil, err
	}
	return recs, nil
}

// parseRow turns one row into a validated record. On failure it returns the
// column and a message; a row that is not UTF-8 is reported as such.
func parseRow(row, cols []string, line int) (rec Record, field, msg string) {
	rec.Line = line
	for i, v := range row {
		c := cols[i]
		if !utf8.ValidString(v) {
			return rec, c, "is not valid UTF-8 (save the file as CSV UTF-8)"
		}
		if len(v) > MaxCSVField {
			return rec, c, fmt.Sprintf("is longer than %d bytes", MaxCSVField)
		}
		if err := csvColumns[c].set(&rec, unescapeCell(strings.TrimSpace(v))); err != nil {
			return rec, c, err.Error()
		}
	}
	if err := rec.Validate(); err != nil {
		field, msg = validationDetail(err)
		return rec, field, msg
	}
	return rec, "", ""
}

// blankRow reports whether every cell of row is empty or white space, as in
// the ",,,," lines spreadsheets leave at the end of a sheet.
func blankRow(row []string) bool {
	for _, v := range row {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// validationDetail extracts the column and message of a validation error.
func validationDetail(err error) (field, msg string) {
	if d := airtight.ErrorDetails(err); len(d) > 0 {
		return d[0].Field, d[0].Message
	}
	return "", airtight.ErrorMessage(err)
}

// rowErrors collects invalid rows.
type rowErrors struct {
	n       int
	details []airtight.Detail
}

func (b *rowErrors) add(line int, field, msg string) {
	b.n++
	if len(b.details) < maxCSVDetails {
		b.details = append(b.details, airtight.Detail{Line: line, Field: field, Message: msg})
	}
}

func (b *rowErrors) err() error {
	if b.n == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d rows are invalid: ", b.n)
	if b.n == 1 {
		msg = "1 row is invalid: "
	}
	parts := make([]string, 0, 5)
	for _, d := range b.details[:min(5, len(b.details))] {
		p := "line " + strconv.Itoa(d.Line)
		if d.Field != "" {
			p += " " + d.Field
		}
		parts = append(parts, p+" "+d.Message)
	}
	msg += strings.Join(parts, "; ")
	if b.n > len(parts) {
		msg += "; and more"
	}
	return &airtight.Error{Code: airtight.EInvalid, Message: msg, Details: b.details}
}

// csvReadError turns an error of the csv reader into an application error.
func csvReadError(g *textGuard, err error) error {
	if g.err != nil {
		return g.err
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		// pe.Err is one of csv's fixed messages; the error never quotes cells.
		return &airtight.Error{Code: airtight.EInvalid,
			Message: fmt.Sprintf("line %d: %v", pe.Line, pe.Err),
			Details: []airtight.Detail{{Line: pe.Line, Message: pe.Err.Error()}}}
	}
	return &airtight.Error{Code: airtight.EInvalid, Message: "cannot read the CSV file", Err: err}
}

func notText(line int) *airtight.Error {
	return &airtight.Error{Code: airtight.EInvalid,
		Message: fmt.Sprintf("line %d: the file is not a UTF-8 text CSV file", line),
		Details: []airtight.Detail{{Line: line, Message: "contains binary data"}}}
}

// textGuard passes bytes through to the csv reader, rejecting binary data
// (NUL and other control bytes) and records longer than the limit. Its
// errors take precedence over whatever the csv reader makes of them.
type textGuard struct {
	r     io.Reader
	n     int64 // bytes read
	limit int64 // n may not pass it
	line  int   // line of the next byte
	err   *airtight.Error
}

func (g *textGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		switch {
		case c == '\n':
			g.line++
		case c < 0x20 && c != '\t' && c != '\r', c == 0x7f:
			g.err = notText(g.line)
			return 0, g.err
		}
	}
	if g.n += int64(n); g.n > g.limit {
		g.err = &airtight.Error{Code: airtight.ETooLarge,
			Message: fmt.Sprintf("line %d or one before it is longer than %d bytes", g.line, MaxCSVLine),
			Details: []airtight.Detail{{Line: g.line, Message: "line is too long"}}}
		return 0, g.err
	}
	return n, err
}

// Formula injection guard (OWASP "CSV Injection").

func isFormulaStart(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

// escapeCell prefixes a cell that a spreadsheet would run as a formula with a
// single quote. Cells that already start with quotes before such a character
// get one more, so that unescapeCell restores every cell exactly.
func escapeCell(v string) string {
	rest := strings.TrimLeft(v, "'")
	if rest != "" && isFormulaStart(rest[0]) {
		return "'" + v
	}
	return v
}

// unescapeCell undoes escapeCell.
func unescapeCell(v string) string {
	rest := strings.TrimLeft(v, "'")
	if len(rest) < len(v) && rest != "" && isFormulaStart(rest[0]) {
		return v[1:]
	}
	return v
}

// CSVWriter writes devices in the CSV format, header first. Cells that a
// spreadsheet would run as formulas are escaped.
type CSVWriter struct {
	w      *csv.Writer
	header bool
	row    []string
}

// NewCSVWriter returns a writer to w. Call Flush when done.
func NewCSVWriter(w io.Writer) *CSVWriter {
	return &CSVWriter{w: csv.NewWriter(w), row: make([]string, len(CSVHeader))}
}

// Write writes one device with its product fields (filled by the store's
// finders).
func (cw *CSVWriter) Write(d *Device) error {
	return cw.WriteRecord(&Record{
		Manufacturer: d.Manufacturer, Model: d.Model, Kind: d.Kind, FDAProductCode: d.FDAProductCode,
		Criticality: d.Criticality, Version: d.Version, Device: *d,
	})
}

// WriteRecord writes one record.
func (cw *CSVWriter) WriteRecord(r *Record) error {
	if err := cw.writeHeader(); err != nil {
		return err
	}
	for i, c := range CSVHeader {
		cw.row[i] = escapeCell(csvColumns[c].get(r))
	}
	if err := cw.w.Write(cw.row); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func (cw *CSVWriter) writeHeader() error {
	if cw.header {
		return nil
	}
	cw.header = true
	if err := cw.w.Write(CSVHeader); err != nil {
		return fmt.Errorf("write csv header: %w", err)
	}
	return nil
}

// Flush writes buffered data (and the header, when no device was written)
// and reports any write error.
func (cw *CSVWriter) Flush() error {
	if err := cw.writeHeader(); err != nil {
		return err
	}
	cw.w.Flush()
	if err := cw.w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
