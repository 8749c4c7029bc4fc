package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// PHI in the test files; none of it may appear in output without --reveal.
const (
	phiEmail = "margaret.okafor61@example.com"
	phiSSN   = "531-74-2290"
)

var (
	noteWithPHI = "Pt seen today. Contact: " + phiEmail + ", SSN " + phiSSN + ". BP 128/76.\n"
	cleanNote   = "vitals stable, continue current plan\n"
)

// runDLP runs airtight with args and returns stdout, stderr and the exit
// status main would use.
func runDLP(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut,
		getenv: func(string) string { return "" }}
	err := e.run(args)
	return out.String(), errOut.String(), ExitCode(err)
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// tree makes a directory with PHI in two files, a clean file, a binary file
// and a symbolic link to a PHI file.
func tree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "a.txt"), noteWithPHI)
	writeTestFile(t, filepath.Join(dir, "sub", "deep", "b.txt"), cleanNote+noteWithPHI)
	writeTestFile(t, filepath.Join(dir, "sub", "clean.txt"), cleanNote)
	writeTestFile(t, filepath.Join(dir, "scan.dcm"), "DICM\x00\x00\x01"+noteWithPHI)
	if err := os.Symlink(filepath.Join(dir, "a.txt"), filepath.Join(dir, "sub", "link.txt")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// parseRecords parses dlp scan's JSON lines.
func parseRecords(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		recs = append(recs, m)
	}
	return recs
}

func assertNoPHI(t *testing.T, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		for _, phi := range []string{phiEmail, phiSSN, "okafor"} {
			if strings.Contains(strings.ToLower(o), phi) {
				t.Errorf("output shows PHI %q:\n%s", phi, o)
			}
		}
	}
}

func TestDLPScanTreeJSON(t *testing.T) {
	dir := tree(t)
	out, errOut, code := runDLP(t, "", "dlp", "scan", "-o", "json", dir)
	if code != 1 {
		t.Fatalf("exit status %d, want 1 (findings)\n%s", code, errOut)
	}
	assertNoPHI(t, out, errOut)
	files := map[string][]string{}
	for _, r := range parseRecords(t, out) {
		rel, _ := filepath.Rel(dir, r["file"].(string))
		files[rel] = append(files[rel], r["type"].(string))
		if r["type"] == "UNSCANNABLE" {
			continue
		}
		for _, k := range []string{"start", "end", "confidence", "detector"} {
			if _, ok := r[k]; !ok {
				t.Errorf("record lacks %q: %v", k, r)
			}
		}
		if _, ok := r["text"]; ok {
			t.Errorf("record has text without --reveal: %v", r)
		}
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	})
	if d := cmp.Diff([]string{"a.txt", "scan.dcm", "sub/deep/b.txt"}, names); d != "" {
		t.Errorf("files with records (-want +got):\n%s", d)
	}
	// Unknown binary content is scanned for its text strings.
	if d := cmp.Diff([]string{"EMAIL", "SSN"}, files["scan.dcm"]); d != "" {
		t.Errorf("binary file records (-want +got):\n%s", d)
	}
}

func TestDLPScanOffsets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "note.txt")
	writeTestFile(t, path, noteWithPHI)
	out, _, code := runDLP(t, "", "dlp", "scan", "-o", "json", "--reveal", path)
	if code != 1 {
		t.Fatalf("exit status %d, want 1", code)
	}
	found := false
	for _, r := range parseRecords(t, out) {
		start, end := int(r["start"].(float64)), int(r["end"].(float64))
		if got := noteWithPHI[start:end]; got != r["text"] {
			t.Errorf("offsets %d-%d give %q, text is %q", start, end, got, r["text"])
		}
		found = found || strings.Contains(r["text"].(string), phiEmail)
	}
	if !found {
		t.Errorf("e-mail address not found:\n%s", out)
	}
}

func TestDLPScanOutputs(t *testing.T) {
	dir := t.TempDir()
	phi, clean := filepath.Join(dir, "phi.txt"), filepath.Join(dir, "clean.txt")
	writeTestFile(t, phi, noteWithPHI)
	writeTestFile(t, clean, cleanNote)
	tests := []struct {
		name     string
		stdin    string
		args     []string
		code     int
		reveal   bool     // output may show PHI
		contains []string // in stdout
		stderr   string   // in stderr
	}{
		{name: "table hides text", args: []string{phi}, code: 1,
			contains: []string{"FILE", "TYPE", "START", "END", "CONFIDENCE", "phi.txt"}},
		{name: "table reveals text", args: []string{"--reveal", phi}, code: 1, reveal: true,
			contains: []string{"TEXT", phiEmail}},
		{name: "clean file", args: []string{clean}, code: 0, contains: []string{"FILE"}},
		{name: "stdin", stdin: noteWithPHI, args: []string{"-o", "json", "-"}, code: 1,
			contains: []string{`"file":"-"`}},
		{name: "stdin binary", stdin: "\x00\x01" + noteWithPHI, args: []string{"-o", "json", "-"}, code: 1,
			contains: []string{`"type":"SSN"`, `"type":"EMAIL"`}},
		{name: "missing path", args: []string{filepath.Join(dir, "nope"), phi}, code: 2,
			contains: []string{"phi.txt"}, stderr: "nope"},
		{name: "bad output", args: []string{"-o", "xml", phi}, code: 2, stderr: "--output"},
		{name: "bad confidence", args: []string{"--min-confidence", "2", phi}, code: 2, stderr: "--min-confidence"},
		{name: "bad flag", args: []string{"--nope", phi}, code: 2},
		{name: "no path", args: nil, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runDLP(t, tt.stdin, append([]string{"dlp", "scan"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\n%s", code, tt.code, errOut)
			}
			if !tt.reveal {
				assertNoPHI(t, out, errOut)
			}
			for _, want := range tt.contains {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, errOut)
			}
		})
	}
}

// TestDLPScanFormats: a mail's attachment is scanned by its own format
// and located by part; a broken archive is reported unscannable.
func TestDLPScanFormats(t *testing.T) {
	dir := t.TempDir()
	att := base64.StdEncoding.EncodeToString([]byte(noteWithPHI))
	mail := "From: a@h.example\r\nTo: b@x.example\r\nSubject: results\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--XX\r\nContent-Type: text/plain; name=note.txt\r\nContent-Disposition: attachment; filename=note.txt\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + att + "\r\n--XX--\r\n"
	writeTestFile(t, filepath.Join(dir, "mail.eml"), mail)
	writeTestFile(t, filepath.Join(dir, "broken.zip"), "PK\x03\x04 this is not a zip archive at all")
	out, _, code := runDLP(t, "", "dlp", "scan", "-o", "json", dir)
	if code != exitFindings {
		t.Fatalf("exit %d", code)
	}
	recs := parseRecords(t, out)
	var ssnInAttachment, brokenZip bool
	for _, r := range recs {
		part, _ := r["part"].(string)
		if r["type"] == "SSN" && strings.HasPrefix(part, "attachment[") {
			ssnInAttachment = true
		}
		if r["type"] == "UNSCANNABLE" && strings.HasSuffix(r["file"].(string), "broken.zip") {
			brokenZip = true
		}
	}
	if !ssnInAttachment || !brokenZip {
		t.Errorf("ssn in attachment %v, broken zip unscannable %v:\n%s", ssnInAttachment, brokenZip, out)
	}
	if strings.Contains(out, phiSSN) {
		t.Errorf("output holds PHI without --reveal")
	}
}

func TestDLPExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain", os.ErrNotExist, 1},
		{"with status", &exitStatusError{status: 2, err: os.ErrNotExist}, 2},
		{"wrapped once only", withStatus(&exitStatusError{status: 1, err: os.ErrNotExist}), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestDLPScanStructuredFormats(t *testing.T) {
	const (
		hl7Msg  = "\x0bMSH|^~\\&|LAB|FAC|||20220804||ORU^R01|1|P|2.5.1\rPID|1||914193^^^H^MR||Okafor^Margaret||19800214\r\x1c\r"
		fhirDoc = `{"resourceType":"Patient","name":[{"family":"Okafor","given":["Margaret"]}],"birthDate":"1980-02-14"}`
	)
	tests := []struct {
		name, file, content, path, text, typ string
	}{
		{"hl7", "m.hl7", hl7Msg, "PID-5.1", "Okafor", "NAME"},
		{"hl7 date", "m.hl7", hl7Msg, "PID-7.1", "19800214", "DATE"},
		{"fhir", "p.json", fhirDoc, "Patient.name[0].given[0]", "Margaret", "NAME"},
		{"malformed fhir", "bad.json", `{"resourceType":"Patient","x":[`, "", "", "UNSCANNABLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			writeTestFile(t, path, tt.content)
			out, _, code := runDLP(t, "", "dlp", "scan", "-o", "json", "--reveal", path)
			if code != 1 {
				t.Fatalf("exit status %d, want 1", code)
			}
			for _, r := range parseRecords(t, out) {
				p, _ := r["path"].(string)
				txt, _ := r["text"].(string)
				if p == tt.path && r["type"] == tt.typ && txt == tt.text {
					start, end := int(r["start"].(float64)), int(r["end"].(float64))
					if tt.text != "" && tt.content[start:end] != tt.text {
						t.Errorf("offsets %d-%d do not give the text", start, end)
					}
					return
				}
			}
			t.Errorf("no %s record at %q:\n%s", tt.typ, tt.path, out)
		})
	}
}

// TestDLPScanPolicy: --policy adds one POLICY record per file and the exit
// status follows the policy, not the mere presence of findings.
func TestDLPScanPolicy(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.yaml")
	writeTestFile(t, pol, "version: 1\nrules:\n  - name: ssn-anywhere\n    types: [SSN]\n    action: block\n  - name: any-phi\n    min_total: 1\n    action: log\n")
	writeTestFile(t, filepath.Join(dir, "in", "email-only.txt"), "Contact: "+phiEmail+"\n")
	out, errOut, code := runDLP(t, "", "dlp", "scan", "-o", "json", "--policy", pol, filepath.Join(dir, "in"))
	if code != 0 {
		t.Fatalf("logged findings only: exit %d %s\n%s", code, errOut, out)
	}
	if !strings.Contains(out, `"type":"POLICY"`) || !strings.Contains(out, `"action":"log"`) || !strings.Contains(out, `"rule":"any-phi"`) {
		t.Errorf("no POLICY record:\n%s", out)
	}
	writeTestFile(t, filepath.Join(dir, "in", "ssn.txt"), noteWithPHI)
	out, _, code = runDLP(t, "", "dlp", "scan", "-o", "json", "--policy", pol, filepath.Join(dir, "in"))
	if code != exitFindings || !strings.Contains(out, `"action":"block"`) {
		t.Errorf("blocked file: exit %d\n%s", code, out)
	}
	if strings.Contains(out, phiSSN) || strings.Contains(out, phiEmail) {
		t.Errorf("PHI in output")
	}
	if _, _, code := runDLP(t, "", "dlp", "scan", "--policy", filepath.Join(dir, "missing.yaml"), dir); code != exitError {
		t.Errorf("missing policy: exit %d", code)
	}
}
