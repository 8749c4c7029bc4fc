package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/fhir"
	"github.com/airtight/airtight/dlp/hl7"
)

// maxScanSize is the largest file dlp scan reads; larger ones are reported
// unscannable.
const maxScanSize = 64 << 20

// unscannable is the type of the record for a file that was not scanned.
const unscannable dlp.Type = "UNSCANNABLE"

// Exit statuses of dlp scan, after gitleaks and osv-scanner.
const (
	exitFindings = 1 // PHI found, or a file could not be scanned
	exitError    = 2 // bad usage or an I/O error
)

// exitStatusError carries the process exit status for an error Run returns.
type exitStatusError struct {
	status int
	err    error
}

func (e *exitStatusError) Error() string { return e.err.Error() }
func (e *exitStatusError) Unwrap() error { return e.err }

// ExitCode is the process exit status for the error Run returned: 0 for
// nil, the command's own status where it sets one (dlp scan: 1 for
// findings, 2 for errors), 1 otherwise.
func ExitCode(err error) int {
	var ee *exitStatusError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.status
	}
	return 1
}

// withStatus gives err the exit status of an error, unless it has one.
func withStatus(err error) error {
	var ee *exitStatusError
	if err == nil || errors.As(err, &ee) {
		return err
	}
	return &exitStatusError{status: exitError, err: err}
}

func (e *env) dlpCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "dlp", Short: "Find protected health information (PHI) in content"}
	cmd.AddCommand(e.dlpScanCommand(), e.dlpRedactCommand(), e.dlpDeidDICOMCommand())
	return cmd
}

const dlpScanHelp = `Scan files, directories (recursively) and standard input ("-") for PHI: the
HIPAA Safe Harbor identifiers (names, dates, ages over 89, locations, phone
numbers, record numbers...).

Directories are walked in lexical order; only regular files are read and
symbolic links inside them are skipped. Files are read as plain text; a file
with NUL bytes in its first 8 KiB is binary and gets an "UNSCANNABLE" record
("not text"), as does a file larger than 64 MiB ("too large"). HL7 v2
messages (MSH first, MLLP framing optional) and FHIR R4 JSON (an object with
"resourceType") are recognised by content and scanned by field meaning, with
free-text fields (OBX-5, NTE-3, narratives, notes) through the text engine;
one that does not parse gets an "UNSCANNABLE" record and is scanned as plain
text. Other formats (DICOM, MIME mail, office documents, archives) are
scanned as plain text for now.

Output (-o): "table" (default) shows file, type, byte offsets (end exclusive),
confidence and detector; "json" writes one JSON object per line per finding
with file, type, start, end, confidence and detector, and for HL7 v2 and
FHIR the field path ("PID-5.1", "Bundle.entry[1].resource(Patient).birthDate"). The matched text is
shown only with --reveal (a "text" column or field); it never goes to logs.

Exit status: 0 when nothing was found, 1 when PHI was found or a file could
not be scanned, 2 on errors (bad flags, unreadable paths), even when PHI was
found too. Unreadable paths are named on standard error; scanning goes on.`

func (e *env) dlpScanCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scan [flags] PATH...|-",
		Short: "Scan files, directories or standard input for PHI (exit 1 when found)",
		Long:  dlpScanHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			return withStatus(cobra.MinimumNArgs(1)(cmd, args))
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStatus(e.dlpScan(cmd, args))
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withStatus(err) })
	addOutputFlag(cmd)
	cmd.Flags().Bool("reveal", false, "show the matched text (PHI) in the output")
	cmd.Flags().Float64("min-confidence", 0, "report findings with at least this confidence, 0 to 1 (0: the engine's default, 0.5)")
	return cmd
}

// scanRecord is one line of dlp scan's output: a finding or an unscannable
// file.
type scanRecord struct {
	File       string   `json:"file"`
	Type       dlp.Type `json:"type"`
	Start      int      `json:"start"`
	End        int      `json:"end"`
	Confidence float64  `json:"confidence"`
	Detector   string   `json:"detector,omitempty"`
	Path       string   `json:"path,omitempty"`   // field path in HL7 v2 and FHIR
	Reason     string   `json:"reason,omitempty"` // why a file is unscannable
	Text       *string  `json:"text,omitempty"`   // only with --reveal
}

// dlpScan runs dlp scan. A nil error with records written still fails with
// exitFindings.
func (e *env) dlpScan(cmd *cobra.Command, args []string) error {
	s, err := e.newDLPScan(cmd)
	if err != nil {
		return err
	}
	for _, arg := range args {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		s.scanArg(arg)
	}
	if err := s.out.flush(); err != nil {
		return err
	}
	return s.result()
}

// dlpScanRun is the state of one dlp scan.
type dlpScanRun struct {
	env     *env
	engine  *dlp.Engine
	limit   int64 // largest input scanned, maxScanSize
	reveal  bool
	out     recordWriter
	records int
	files   map[string]bool
	errs    int
}

func (e *env) newDLPScan(cmd *cobra.Command) (*dlpScanRun, error) {
	format, _ := cmd.Flags().GetString("output")
	reveal, _ := cmd.Flags().GetBool("reveal")
	minConf, _ := cmd.Flags().GetFloat64("min-confidence")
	if minConf < 0 || minConf > 1 {
		return nil, airtight.Errorf(airtight.EInvalid, "--min-confidence must be between 0 and 1")
	}
	out, err := newRecordWriter(format, e.stdout, reveal)
	if err != nil {
		return nil, err
	}
	eng, err := dlp.New(dlp.Options{MinConfidence: minConf})
	if err != nil {
		return nil, fmt.Errorf("start the detection engine: %w", err)
	}
	return &dlpScanRun{env: e, engine: eng, limit: maxScanSize, reveal: reveal, out: out, files: map[string]bool{}}, nil
}

// result is the error dlp scan ends with: I/O errors first, then findings.
func (s *dlpScanRun) result() error {
	if s.errs > 0 {
		return airtight.Errorf(airtight.EInvalid, "%d path(s) could not be read", s.errs)
	}
	if s.records > 0 {
		return &exitStatusError{status: exitFindings,
			err: airtight.Errorf(airtight.EConflict, "%d finding(s) in %d file(s)", s.records, len(s.files))}
	}
	return nil
}

// scanArg scans one command-line argument: "-", a file or a directory.
func (s *dlpScanRun) scanArg(arg string) {
	if arg == "-" {
		s.scanReader("-", s.env.stdin)
		return
	}
	fi, err := os.Stat(arg)
	switch {
	case err != nil:
		s.fail(arg, err)
	case fi.IsDir():
		s.walk(arg)
	case fi.Mode().IsRegular():
		s.scanFile(arg)
	default:
		s.fail(arg, errors.New("not a regular file or directory"))
	}
}

// walk scans the regular files under dir, skipping symbolic links.
func (s *dlpScanRun) walk(dir string) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			s.fail(path, err)
			return nil
		}
		if cerr := s.env.ctx.Err(); cerr != nil {
			return cerr
		}
		if d.Type().IsRegular() {
			s.scanFile(path)
		}
		return nil
	})
	if err != nil {
		s.fail(dir, err)
	}
}

func (s *dlpScanRun) scanFile(path string) {
	f, err := os.Open(path)
	if err != nil {
		s.fail(path, err)
		return
	}
	defer f.Close()
	s.scanReader(path, f)
}

// scanReader reads r whole (up to s.limit) and scans it as text.
func (s *dlpScanRun) scanReader(name string, r io.Reader) {
	data, err := io.ReadAll(io.LimitReader(r, s.limit+1))
	switch {
	case err != nil:
		s.fail(name, err)
	case int64(len(data)) > s.limit:
		s.emit(scanRecord{File: name, Type: unscannable, Reason: "too large"}, nil)
	case isBinary(data):
		s.emit(scanRecord{File: name, Type: unscannable, Reason: "not text"}, nil)
	default:
		s.scanContent(name, data)
	}
}

// scanContent scans data by its format: HL7 v2 and FHIR JSON by field
// meaning, anything else as plain text. A structured file that does not
// parse gets an "UNSCANNABLE" record and is scanned as plain text too.
func (s *dlpScanRun) scanContent(name string, data []byte) {
	var (
		recs []scanRecord
		err  error
		kind string
	)
	switch {
	case hl7.Detect(data):
		kind = "malformed HL7 v2"
		recs, err = hl7Records(name, data, s.engine)
	case fhir.Detect(data):
		kind = "malformed FHIR JSON"
		recs, err = fhirRecords(name, data, s.engine)
	default:
		recs = textRecords(name, s.engine.Scan(data))
	}
	if err != nil {
		s.emit(scanRecord{File: name, Type: unscannable, Reason: kind}, nil)
		recs = textRecords(name, s.engine.Scan(data))
	}
	for _, r := range recs {
		s.emit(r, data)
	}
}

func record(name string, f dlp.Finding, path string) scanRecord {
	return scanRecord{File: name, Type: f.Type, Start: f.Start, End: f.End, Confidence: f.Confidence,
		Detector: f.Detector, Path: path}
}

func textRecords(name string, fs []dlp.Finding) []scanRecord {
	out := make([]scanRecord, len(fs))
	for i, f := range fs {
		out[i] = record(name, f, "")
	}
	return out
}

func hl7Records(name string, data []byte, eng *dlp.Engine) ([]scanRecord, error) {
	fs, err := hl7.Scan(data, eng)
	out := make([]scanRecord, len(fs))
	for i, f := range fs {
		out[i] = record(name, f.Finding, f.Path)
	}
	return out, err
}

func fhirRecords(name string, data []byte, eng *dlp.Engine) ([]scanRecord, error) {
	fs, err := fhir.Scan(data, eng)
	out := make([]scanRecord, len(fs))
	for i, f := range fs {
		out[i] = record(name, f.Finding, f.Path)
	}
	return out, err
}

// isBinary uses git's rule: a NUL byte in the first 8000 bytes.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0
}

// emit writes a record; the text is attached only with --reveal.
func (s *dlpScanRun) emit(rec scanRecord, data []byte) {
	if s.reveal && data != nil && rec.Start >= 0 && rec.End <= len(data) && rec.Start <= rec.End {
		t := string(data[rec.Start:rec.End])
		rec.Text = &t
	}
	s.records++
	s.files[rec.File] = true
	if err := s.out.write(rec); err != nil {
		s.fail(rec.File, err)
	}
}

// fail reports a path that could not be read. The message names the path
// and the operating system's reason, never content.
func (s *dlpScanRun) fail(path string, err error) {
	s.errs++
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	fmt.Fprintf(s.env.stderr, "airtight: dlp scan: %s: %v\n", path, err)
}

// recordWriter writes scan records as a table or JSON lines.
type recordWriter interface {
	write(scanRecord) error
	flush() error
}

func newRecordWriter(format string, w io.Writer, reveal bool) (recordWriter, error) {
	switch format {
	case "json":
		return jsonRecords{json.NewEncoder(w)}, nil
	case "table":
		t := &tableRecords{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0), reveal: reveal}
		return t, t.header()
	}
	return nil, airtight.Errorf(airtight.EInvalid, "--output must be table or json")
}

type jsonRecords struct{ enc *json.Encoder }

func (j jsonRecords) write(r scanRecord) error { return j.enc.Encode(r) }
func (j jsonRecords) flush() error             { return nil }

type tableRecords struct {
	tw     *tabwriter.Writer
	reveal bool
}

func (t *tableRecords) header() error {
	h := "FILE\tTYPE\tSTART\tEND\tCONFIDENCE\tDETECTOR"
	if t.reveal {
		h += "\tTEXT"
	}
	_, err := fmt.Fprintln(t.tw, h)
	return err
}

func (t *tableRecords) write(r scanRecord) error {
	var err error
	if r.Type == unscannable {
		_, err = fmt.Fprintf(t.tw, "%s\t%s\t-\t-\t-\t%s\n", r.File, r.Type, r.Reason)
		return err
	}
	line := fmt.Sprintf("%s\t%s\t%d\t%d\t%.2f\t%s", r.File, r.Type, r.Start, r.End, r.Confidence, r.Detector)
	if t.reveal && r.Text != nil {
		line += "\t" + strconv.Quote(*r.Text)
	}
	_, err = fmt.Fprintln(t.tw, line)
	return err
}

func (t *tableRecords) flush() error { return t.tw.Flush() }
