package feed

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight/vuln"
)

func writeZip(t *testing.T, path string, files map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMixed(t *testing.T) {
	dir := t.TempDir()
	osvDoc, _ := os.ReadFile("testdata/TEST-2099-1.json")
	writeZip(t, filepath.Join(dir, "all.zip"), map[string][]byte{"TEST-2099-1.json": osvDoc, "README": []byte("x")})
	advs, err := Load("testdata/pump.json", dir, "testdata")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range advs {
		ids = append(ids, a.ID)
	}
	if got := strings.Join(ids, " "); got != "TEST-CSAF-01 TEST-2099-1 TEST-2099-1 TEST-CSAF-01" {
		t.Errorf("ids %q", got)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.zip")
	writeZip(t, bomb, map[string][]byte{"big.json": bytes.Repeat([]byte(" "), 1<<20)})
	bad := filepath.Join(dir, "bad.zip")
	writeZip(t, bad, map[string][]byte{"x.json": []byte(`{"id":"X","affected":[{"ranges":[{"events":[{"bogus":"1"}]}]}]}`)})
	notAdv := filepath.Join(dir, "other.json")
	os.WriteFile(notAdv, []byte(`{"hello": 1}`), 0o600)
	small := &Loader{Limits: Limits{MaxFile: 1 << 10, MaxTotal: 1 << 20, MaxEntries: 10}}
	tests := []struct {
		name   string
		loader *Loader
		path   string
		want   string
	}{
		{"zip bomb", small, bomb, "bomb.zip!big.json: entry of 1048576 bytes exceeds"},
		{"bad entry", small, bad, `bad.zip!x.json: affected: [0].ranges[0].events[0]: unknown event "bogus"`},
		{"unknown format", small, notAdv, "other.json: not a CSAF 2.0, OSV or NVD CVE advisory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.loader.Load(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzZip(f *testing.F) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("a.json")
	w.Write([]byte(`{"id":"X","affected":[]}`))
	zw.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		l := &Loader{Limits: Limits{MaxFile: 1 << 16, MaxTotal: 1 << 18, MaxEntries: 100}}
		l.loadZip("fuzz.zip", bytes.NewReader(data), int64(len(data)), &Set{})
	})
}

// TestLoadSetMixed loads advisories, a KEV catalog, gzipped EPSS scores
// and openFDA recalls from one directory and enriches a finding.
func TestLoadSetMixed(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "testdata/TEST-2099-1.json", filepath.Join(dir, "TEST-2099-1.json"))
	copyFile(t, "../fda/testdata/recalls.json", filepath.Join(dir, "recalls.json"))
	os.WriteFile(filepath.Join(dir, "kev.json"), []byte(`{"catalogVersion":"2025.08.25","vulnerabilities":[{"cveID":"CVE-2099-0002"}]}`), 0o600)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("#model_version:v2025.03.14,score_date:2025-08-25T00:00:00Z\ncve,epss,percentile\nCVE-2099-0002,0.94,0.99\n"))
	zw.Close()
	os.WriteFile(filepath.Join(dir, "epss_scores-2025-08-25.csv.gz"), gz.Bytes(), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.csv"), []byte("a,b\n"), 0o600) // not EPSS: skipped in a directory

	s, err := LoadSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Advisories) != 1 || s.KEV == nil || s.EPSS == nil || len(s.Recalls) != 2 {
		t.Fatalf("set: %d advisories, kev %v, epss %v, %d recalls", len(s.Advisories), s.KEV != nil, s.EPSS != nil, len(s.Recalls))
	}
	fs := []vuln.Finding{{Advisory: "TEST-2099-1", Aliases: []string{"CVE-2099-0002"}}, {Advisory: "CVE-2099-0003"}}
	s.Enrich(fs)
	if !fs[0].KEV || fs[0].EPSS != 0.94 || fs[1].KEV || fs[1].EPSS != 0 {
		t.Errorf("enriched %+v", fs)
	}
}

func TestLoadSetErrors(t *testing.T) {
	dir := t.TempDir()
	badKEV := filepath.Join(dir, "kev.json")
	os.WriteFile(badKEV, []byte(`{"catalogVersion":"1","vulnerabilities":[{"cveID":"nope"}]}`), 0o600)
	badEPSS := filepath.Join(dir, "e.csv")
	os.WriteFile(badEPSS, []byte("cve,epss\nCVE-2020-1234,2\n"), 0o600)
	for path, want := range map[string]string{badKEV: "kev.json: vulnerabilities[0].cveID", badEPSS: "e.csv:2: epss"} {
		if _, err := LoadSet(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
