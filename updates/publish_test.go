package updates

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight"
)

// Every private key is a file of mode 0600; the root key is outside the
// online key directory, and Publish works without it.
func TestUpdateKeyFiles(t *testing.T) {
	fx := newFixture(t)
	if err := os.Rename(fx.rootKey, fx.rootKey+".offline"); err != nil { // taken away
		t.Fatal(err)
	}
	fx.publish(t, "pump-4.2.0.bin", "4.2.0", "4.0.0")

	fi, err := os.Stat(fx.keys)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("key directory: %v %v, want mode 0700", fi.Mode().Perm(), err)
	}
	want := []string{pumps + ".key", vents + ".key", "snapshot.key", "targets.key", "timestamp.key"}
	entries, _ := os.ReadDir(fx.keys)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("key files = %v, want %v", got, want)
	}
	for _, p := range append(prefix(fx.keys, want), fx.rootKey+".offline") {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v %v, want 0600", p, fi.Mode().Perm(), err)
		}
	}
	// No key material in the published repository.
	filepath.Walk(fx.repo, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.Contains(string(readFile(t, path)), "PRIVATE KEY") {
			t.Errorf("%s holds a private key", path)
		}
		return nil
	})
}

func TestUpdateKeyFileReadableByOthersRefused(t *testing.T) {
	fx := newFixture(t)
	if err := os.Chmod(filepath.Join(fx.keys, pumps+".key"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := fx.image(t, "pump-4.2.0.bin", "x")
	_, err := Publish(fx.repo, fx.keys, pumps, file, Release{Model: "M", Version: "4.2", MinVersion: "4"}, fx.opts())
	if airtight.ErrorCode(err) != airtight.EForbidden || !strings.Contains(airtight.ErrorMessage(err), "chmod 600") {
		t.Errorf("Publish with a 0644 key: %v, want forbidden", err)
	}
}

func TestUpdateInitRefusals(t *testing.T) {
	base := t.TempDir()
	keys := filepath.Join(base, "keys")
	tests := []struct {
		name    string
		opts    InitOptions
		code    airtight.Code
		message string
	}{
		{"root key among online keys", InitOptions{KeysDir: keys, RootKeyFile: filepath.Join(keys, "root.key"), ProductLines: []string{pumps}},
			airtight.EInvalid, "must not be in the online key directory"},
		{"no product line", InitOptions{KeysDir: keys, RootKeyFile: filepath.Join(base, "root.key")},
			airtight.EInvalid, "at least one product line"},
		{"role name as product line", InitOptions{KeysDir: keys, RootKeyFile: filepath.Join(base, "root.key"), ProductLines: []string{"snapshot"}},
			airtight.EInvalid, "not a TUF role name"},
		{"bad product line", InitOptions{KeysDir: keys, RootKeyFile: filepath.Join(base, "root.key"), ProductLines: []string{"../x"}},
			airtight.EInvalid, "lowercase letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Init(filepath.Join(base, "repo"), tt.opts)
			if airtight.ErrorCode(err) != tt.code || !strings.Contains(airtight.ErrorMessage(err), tt.message) {
				t.Errorf("Init: %v, want %s %q", err, tt.code, tt.message)
			}
		})
	}
	t.Run("existing repository", func(t *testing.T) {
		fx := newFixture(t)
		_, err := Init(fx.repo, InitOptions{KeysDir: t.TempDir(), RootKeyFile: filepath.Join(t.TempDir(), "r.key"), ProductLines: []string{pumps}})
		if airtight.ErrorCode(err) != airtight.EConflict {
			t.Errorf("Init over a repository: %v, want conflict", err)
		}
	})
}

func TestUpdatePublishRefusals(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		file    string
		rel     Release
		code    airtight.Code
		message string
	}{
		{"same file name again", pumps, "pump-4.2.0.bin", Release{Model: "Plum 360", Version: "4.3", MinVersion: "4"},
			airtight.EConflict, "already published"},
		{"same version again", pumps, "pump-4.2.0-b.bin", Release{Model: "Plum 360", Version: "4.2.0", MinVersion: "4"},
			airtight.EConflict, "version 4.2.0 of Plum 360 is already published"},
		{"unknown product line", "acme-monitors", "m.bin", Release{Model: "M", Version: "1", MinVersion: "1"},
			airtight.ENotFound, "not delegated"},
		{"floor above version", pumps, "p.bin", Release{Model: "M", Version: "1.0", MinVersion: "1.1"},
			airtight.EInvalid, "minimum version 1.1 is above version 1.0"},
		{"bad version", pumps, "p.bin", Release{Model: "M", Version: "1.0-rc1", MinVersion: "1"},
			airtight.EInvalid, "dot-separated numbers"},
		{"bad file name", pumps, "-p.bin", Release{Model: "M", Version: "1", MinVersion: "1"},
			airtight.EInvalid, "file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			fx.publish(t, "pump-4.2.0.bin", "4.2.0", "4.0.0")
			file := fx.image(t, tt.file, "other content")
			_, err := Publish(fx.repo, fx.keys, tt.line, file, tt.rel, fx.opts())
			if airtight.ErrorCode(err) != tt.code || !strings.Contains(airtight.ErrorMessage(err), tt.message) {
				t.Errorf("Publish: %v, want %s %q", err, tt.code, tt.message)
			}
		})
	}
}

// The server does not re-sign metadata changed on its disk behind its back.
func TestUpdatePublishRefusesTamperedRepository(t *testing.T) {
	fx := newFixture(t)
	fx.publish(t, "pump-4.2.0.bin", "4.2.0", "4.0.0")
	edit(t, filepath.Join(fx.repo, "metadata", "2."+pumps+".json"), `"min_version": "4.0.0"`, `"min_version": "0.0.1"`)
	file := fx.image(t, "pump-4.3.0.bin", "x")
	_, err := Publish(fx.repo, fx.keys, pumps, file, Release{Model: "Plum 360", Version: "4.3", MinVersion: "4"}, fx.opts())
	if airtight.ErrorCode(err) != airtight.EInvalid || !strings.Contains(airtight.ErrorMessage(err), "refusing to re-sign") {
		t.Errorf("Publish over tampered metadata: %v", err)
	}
}

func TestUpdateVersionCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"4.2.0", "4.2", 0}, {"4.2.1", "4.2", 1}, {"4.10", "4.9", 1}, {"1", "1.0.0.0.1", -1}, {"0", "0.0", 0},
	}
	for _, tt := range tests {
		a, err1 := ParseVersion(tt.a)
		b, err2 := ParseVersion(tt.b)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		if got := a.Compare(b); got != tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	for _, bad := range []string{"", "1.", ".1", "v1", "1.2.3.4.5.6", "-1", "+1", "1..2", "9999999999", "1.2-rc1", " 1"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) succeeded", bad)
		}
	}
}

func prefix(dir string, names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, filepath.Join(dir, n))
	}
	return out
}
