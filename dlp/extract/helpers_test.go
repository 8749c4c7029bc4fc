package extract

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/airtight/airtight/dlp"
)

func newScanner(t testing.TB, lim Limits) *Scanner {
	t.Helper()
	s, err := New(Options{Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func scan(t testing.TB, s *Scanner, name string, data []byte) *dlp.Report {
	t.Helper()
	rep, err := s.ScanContent(context.Background(), name, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ScanContent(%s): %v", name, err)
	}
	return rep
}

// want is an expected finding: in is the decoded text of the part (or
// field) that the finding's offsets index, text the identifier in it.
type want struct {
	part, field string
	typ         dlp.Type
	in, text    string
}

// checkFindings fails for every want without a matching finding.
func checkFindings(t *testing.T, rep *dlp.Report, wants []want) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(w.in, w.text) {
			t.Fatalf("bad test: %q not in %q", w.text, w.in)
		}
		if !hasFinding(rep, w) {
			t.Errorf("no %s %q in part %q field %q", w.typ, w.text, w.part, w.field)
		}
	}
	if t.Failed() {
		for _, f := range rep.Findings {
			t.Logf("found %s part=%q field=%q [%d,%d) %s", f.Type, f.Part, f.Field, f.Start, f.End, f.Detector)
		}
		t.Logf("unscannable: %v", rep.Unscannable)
	}
}

func hasFinding(rep *dlp.Report, w want) bool {
	for _, f := range rep.Findings {
		if f.Part == w.part && f.Field == w.field && f.Type == w.typ &&
			f.Start >= 0 && f.End <= len(w.in) && f.Start < f.End && w.in[f.Start:f.End] == w.text {
			return true
		}
	}
	return false
}

// hasReason reports whether rep has an Unscannable whose reason starts
// with prefix (in part, when part is not "*").
func hasReason(rep *dlp.Report, part, prefix string) bool {
	for _, u := range rep.Unscannable {
		if (part == "*" || u.Part == part) && strings.HasPrefix(u.Reason, prefix) {
			return true
		}
	}
	return false
}
