package cli

import (
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
	"github.com/airtight/airtight/dlp/policy"
)

// maxScanSize is the largest input dlp redact reads.
const maxScanSize = 64 << 20

// Types of the records that are not findings.
const (
	unscannable dlp.Type = "UNSCANNABLE" // content that could not be scanned
	policyRec   dlp.Type = "POLICY"      // the --policy decision for a file
)

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

Every format is recognised from its name and first bytes and scanned by its
structure: plain text in any common charset, CSV/TSV (per cell), JSON,
FHIR R4 (by element meaning), HL7 v2 (by field meaning), DICOM (by tag
meaning, private tags, burned-in annotation), MIME mail (headers, bodies,
attachments, nested messages), DOCX/XLSX/PPTX, PDF text, ZIP, tar and gzip
archives (recursively). Files are read as streams. Content that cannot be
scanned (broken, encrypted, too large, a zip bomb, nested too deep) gets an
"UNSCANNABLE" record with its reason.

Directories are walked in lexical order; only regular files are read and
symbolic links inside them are skipped.

Output (-o): "table" (default) shows file, part, type, byte offsets (end
exclusive), confidence and detector; "json" writes one JSON object per line
per finding with file, part (inside a mail or archive), path (the field:
"PID-5.1", "Patient.name[0].family", "(0010,0010) PatientName", "Subject",
"row 3, column name"), type, start, end, confidence and detector. Offsets
are into the part's decoded text. The matched text is shown only with
--reveal (a "text" column or field), and only for top-level parts of files
read from disk; it never goes to logs.

--policy FILE applies a DLP policy (the YAML format of dlp_policy) to each
file as the "cli" channel and adds a record of type POLICY per file with the
action, the rule and its reason (types and counts, never values).

Exit status: 0 when nothing was found, 1 when PHI was found or a file could
not be scanned (with --policy: 1 only when the policy would block,
quarantine, redact or send securely a file), 2 on errors (bad flags, unreadable paths), even when PHI was
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
	cmd.Flags().String("policy", "", "DLP policy file: add a POLICY record per file with the action it decides (exit 1 only when it stops a file)")
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
	Part       string   `json:"part,omitempty"`   // part inside a mail, archive or document
	Path       string   `json:"path,omitempty"`   // field path in structured formats
	Reason     string   `json:"reason,omitempty"` // why a file is unscannable, or the policy's reason
	Action     string   `json:"action,omitempty"` // POLICY records: what the policy decided
	Rule       string   `json:"rule,omitempty"`   // POLICY records: the rule that decided
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
	scanner dlp.ContentScanner
	policy  *policy.Policy // nil without --policy
	stopped int            // files the policy would stop (block, quarantine, secure, redact)
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
	sc, err := newContentScanner(eng, "")
	if err != nil {
		return nil, fmt.Errorf("start the content scanner: %w", err)
	}
	run := &dlpScanRun{env: e, scanner: sc, reveal: reveal, out: out, files: map[string]bool{}}
	if path, _ := cmd.Flags().GetString("policy"); path != "" {
		if run.policy, err = policy.Load(path); err != nil {
			return nil, err
		}
	}
	return run, nil
}

// result is the error dlp scan ends with: I/O errors first, then findings.
func (s *dlpScanRun) result() error {
	if s.errs > 0 {
		return airtight.Errorf(airtight.EInvalid, "%d path(s) could not be read", s.errs)
	}
	if s.policy != nil {
		if s.stopped > 0 {
			return &exitStatusError{status: exitFindings,
				err: airtight.Errorf(airtight.EConflict, "the policy stops %d file(s)", s.stopped)}
		}
		return nil
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

// scanReader scans one input as a stream and writes its records.
func (s *dlpScanRun) scanReader(name string, r io.Reader) {
	rep, err := s.scanner.ScanContent(s.env.ctx, name, r)
	if err != nil && rep == nil {
		s.fail(name, err)
		return
	}
	if err != nil {
		s.fail(name, err)
	}
	for _, u := range rep.Unscannable {
		s.emit(scanRecord{File: name, Part: u.Part, Type: unscannable, Reason: u.Reason}, name)
	}
	for _, f := range rep.Findings {
		s.emit(scanRecord{File: name, Part: f.Part, Path: f.Field, Type: f.Type, Start: f.Start, End: f.End,
			Confidence: f.Confidence, Detector: f.Detector}, name)
	}
	s.decide(name, rep)
}

// decide writes the --policy decision for a file: the CLI channel, no
// destination (the policy's rules for "any destination" apply).
func (s *dlpScanRun) decide(name string, rep *dlp.Report) {
	if s.policy == nil {
		return
	}
	d := s.policy.Decide(rep, dlp.Destination{Channel: dlp.ChannelCLI})
	if policy.Strength(d.Action) >= policy.Strength(dlp.ActionRedact) {
		s.stopped++
	}
	s.emit(scanRecord{File: name, Type: policyRec, Action: string(d.Action), Rule: d.Rule, Reason: d.Reason}, name)
}

// emit writes a record. With --reveal the matched text of a top-level
// finding is read back from the file (offsets of plain formats are file
// offsets); nested parts' text is not revealed.
func (s *dlpScanRun) emit(rec scanRecord, name string) {
	if s.reveal && rec.Type != unscannable && rec.Type != policyRec && rec.Part == "" && name != "-" {
		if t, ok := s.textAt(name, rec.Start, rec.End); ok {
			rec.Text = &t
		}
	}
	s.records++
	s.files[rec.File] = true
	if err := s.out.write(rec); err != nil {
		s.fail(rec.File, err)
	}
}

// textAt reads bytes [start, end) of a file, for --reveal.
func (s *dlpScanRun) textAt(name string, start, end int) (string, bool) {
	if start < 0 || end <= start || end-start > 4096 {
		return "", false
	}
	f, err := os.Open(name)
	if err != nil {
		return "", false
	}
	defer f.Close()
	buf := make([]byte, end-start)
	if _, err := f.ReadAt(buf, int64(start)); err != nil {
		return "", false
	}
	return string(buf), true
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
	h := "FILE\tPART\tTYPE\tSTART\tEND\tCONFIDENCE\tDETECTOR"
	if t.reveal {
		h += "\tTEXT"
	}
	_, err := fmt.Fprintln(t.tw, h)
	return err
}

func (t *tableRecords) write(r scanRecord) error {
	var err error
	switch r.Type {
	case unscannable:
		_, err = fmt.Fprintf(t.tw, "%s\t%s\t%s\t-\t-\t-\t%s\n", r.File, dash(r.Part), r.Type, r.Reason)
		return err
	case policyRec:
		_, err = fmt.Fprintf(t.tw, "%s\t-\t%s\t-\t-\t-\t%s (%s): %s\n", r.File, r.Type, r.Action, r.Rule, r.Reason)
		return err
	}
	line := fmt.Sprintf("%s\t%s\t%s\t%d\t%d\t%.2f\t%s", r.File, dash(partField(r)), r.Type, r.Start, r.End, r.Confidence, r.Detector)
	if t.reveal && r.Text != nil {
		line += "\t" + strconv.Quote(*r.Text)
	}
	_, err = fmt.Fprintln(t.tw, line)
	return err
}

func (t *tableRecords) flush() error { return t.tw.Flush() }

// partField joins a record's part and field for the table.
func partField(r scanRecord) string {
	switch {
	case r.Part == "":
		return r.Path
	case r.Path == "":
		return r.Part
	}
	return r.Part + " " + r.Path
}
