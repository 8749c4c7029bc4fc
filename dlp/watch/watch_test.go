package watch

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/policy"
	"github.com/airtight/airtight/dlp/vault"
)

type textScanner struct{ eng *dlp.Engine }

func (s textScanner) ScanContent(_ context.Context, _ string, r io.Reader) (*dlp.Report, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	rep := &dlp.Report{Bytes: int64(len(b)), Parts: 1}
	for _, f := range s.eng.Scan(b) {
		rep.Findings = append(rep.Findings, dlp.Located{Finding: f})
	}
	return rep, nil
}

const phi = "Discharge summary for John Smith, SSN 123-45-6789, DOB 07/22/1948.\n"

func setup(t *testing.T, external bool) (*Watcher, string, *vault.Vault, *[]*dlp.Event) {
	t.Helper()
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	key := make([]byte, 32)
	v, err := vault.New(filepath.Join(t.TempDir(), "vault"), key)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse("test.yaml", []byte(`version: 1
rules:
  - name: phi-shared-outside
    channels: [folder]
    destination: external
    min_total: 1
    action: quarantine
  - name: phi-at-rest
    channels: [folder]
    min_total: 1
    action: log
`))
	if err != nil {
		t.Fatal(err)
	}
	var events []*dlp.Event
	w, err := New(Config{Dirs: []string{dir}, External: external, Scanner: textScanner{eng}, Policy: pol, Vault: v,
		OnEvent: func(_ context.Context, e *dlp.Event, q *dlp.Quarantined) error {
			if q != nil && q.VaultID != e.Ref {
				t.Errorf("quarantine record %q, event ref %q", q.VaultID, e.Ref)
			}
			events = append(events, e)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return w, dir, v, &events
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A file with PHI in an internal share is logged and left in place; a
// clean file makes no event; an unchanged file is not scanned again; a
// changed one is.
func TestWatchLogsAtRest(t *testing.T) {
	w, dir, _, events := setup(t, false)
	write(t, filepath.Join(dir, "ward", "note.txt"), phi)
	write(t, filepath.Join(dir, "menu.txt"), "Lunch: soup and bread.\n")
	st := w.ScanOnce(context.Background())
	if st.Scanned != 2 || st.WithFindings != 1 || len(*events) != 1 || (*events)[0].Action != dlp.ActionLog {
		t.Fatalf("stats %+v events %+v", st, *events)
	}
	if st := w.ScanOnce(context.Background()); st.Scanned != 0 {
		t.Errorf("unchanged files scanned again: %+v", st)
	}
	later := time.Now().Add(time.Minute)
	write(t, filepath.Join(dir, "menu.txt"), "Lunch for Mary Jones (MRN 8812345): soup.\n")
	os.Chtimes(filepath.Join(dir, "menu.txt"), later, later)
	if st := w.ScanOnce(context.Background()); st.Scanned != 1 || st.WithFindings != 1 {
		t.Errorf("changed file: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(dir, "ward", "note.txt")); err != nil {
		t.Errorf("a logged file was moved: %v", err)
	}
	for _, e := range *events {
		if strings.Contains(e.Reason, "Smith") || strings.Contains(e.Reason, "123-45") {
			t.Errorf("event holds PHI: %+v", e)
		}
	}
}

// In a share that leaves the hospital, the policy quarantines: the file is
// moved into the encrypted vault and can be read back from it.
func TestWatchQuarantinesExternal(t *testing.T) {
	w, dir, v, events := setup(t, true)
	path := filepath.Join(dir, "to-partner", "export.txt")
	write(t, path, phi)
	st := w.ScanOnce(context.Background())
	if st.Quarantined != 1 || len(*events) != 1 || (*events)[0].Action != dlp.ActionQuarantine {
		t.Fatalf("stats %+v events %+v", st, *events)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("original still there: %v", err)
	}
	rc, _, err := v.Open((*events)[0].Ref)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != phi {
		t.Errorf("vault holds %q", b)
	}
}
