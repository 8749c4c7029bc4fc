package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight/updates"
)

// sizeBudget is what the device checker may weigh, stripped and without
// cgo. It measured 8.7 MB with Go 1.26 and go-tuf v2.4.2: about 6.1 MB is
// the Go runtime with net/http, TLS and encoding/json (a bare HTTP+JSON
// program weighs that much), most of the rest is protobuf, which go-tuf's
// metadata package pulls in through sigstore's signature options.
const sizeBudget = 10 << 20

func TestUpdateVerifyBinarySize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "airtight-update-verify")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("airtight-update-verify: %d bytes (budget %d)", fi.Size(), sizeBudget)
	if fi.Size() > sizeBudget {
		t.Errorf("airtight-update-verify is %d bytes, over its budget of %d", fi.Size(), sizeBudget)
	}
	out, err := exec.Command("go", "version", "-m", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	for _, banned := range []string{"cobra", "sqlite", "pgx", "prometheus"} {
		if bytes.Contains(out, []byte(banned)) {
			t.Errorf("the device checker links %s", banned)
		}
	}
}

func TestUpdateVerifyCommand(t *testing.T) {
	repo, root, image := publishedRepo(t)
	args := func(installed, file string) []string {
		return []string{"-repo", repo, "-root", root, "-metadata-dir", filepath.Join(t.TempDir(), "trusted"),
			"-product-line", "acme-infusion-pumps", "-installed-version", installed, "-target", "pump-4.2.0.bin", file}
	}
	tampered := filepath.Join(t.TempDir(), "pump-4.2.0.bin")
	if err := os.WriteFile(tampered, []byte("evil 4.2.0 image"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"ok", args("4.1", image), 0, "verified acme-infusion-pumps/pump-4.2.0.bin version 4.2.0", ""},
		{"tampered", args("4.1", tampered), 1, "", "update refused: file is 16 bytes, the signed length is"},
		{"downgrade", args("5.0", image), 1, "", "update refused: target version 4.2.0 is lower than the installed version 5.0"},
		{"usage", []string{"-repo", repo}, 2, "", "usage: airtight-update-verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout.String(), stderr.String(), tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

func publishedRepo(t *testing.T) (repo, root, image string) {
	t.Helper()
	base := t.TempDir()
	repo = filepath.Join(base, "repo")
	_, err := updates.Init(repo, updates.InitOptions{KeysDir: filepath.Join(base, "keys"),
		RootKeyFile: filepath.Join(base, "root.key"), ProductLines: []string{"acme-infusion-pumps"}})
	if err != nil {
		t.Fatal(err)
	}
	image = filepath.Join(base, "pump-4.2.0.bin")
	if err := os.WriteFile(image, []byte("the 4.2.0 image"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = updates.Publish(repo, filepath.Join(base, "keys"), "acme-infusion-pumps", image,
		updates.Release{Model: "Plum 360", Version: "4.2.0", MinVersion: "4.0"}, updates.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return repo, filepath.Join(repo, "metadata", "root.json"), image
}
