package feed

import (
	"archive/zip"
	"bytes"
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
		var out []vuln.Advisory
		l.loadZip("fuzz.zip", bytes.NewReader(data), int64(len(data)), &out)
	})
}
