package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// updateRepo is a repository made through the CLI, with one published image.
type updateRepo struct {
	dir, keys, rootKey, image, trusted string
	output                             string // everything init and publish printed
}

func newUpdateRepo(t *testing.T, publishFlags ...string) *updateRepo {
	t.Helper()
	base := t.TempDir()
	r := &updateRepo{dir: filepath.Join(base, "repo"), keys: filepath.Join(base, "keys"),
		rootKey: filepath.Join(base, "offline.key"), trusted: filepath.Join(base, "device")}
	r.output = mustRun(t, base, "", "update", "init", "--repo", r.dir, "--keys", r.keys, "--root-key", r.rootKey,
		"--product-line", "acme-infusion-pumps", "--product-line", "acme-ventilators")
	r.image = r.publish(t, base, "pump-4.2.0.bin", "4.2.0", publishFlags...)
	return r
}

func (r *updateRepo) publish(t *testing.T, data, name, version string, flags ...string) string {
	t.Helper()
	image := writeFile(t, name, "image "+version)
	args := append([]string{"update", "publish", "--repo", r.dir, "--keys", r.keys, "--product-line", "acme-infusion-pumps",
		"--version", version, "--min-version", "4.0", "--model", "Plum 360", image}, flags...)
	r.output += mustRun(t, data, "", args...)
	return image
}

func (r *updateRepo) verify(t *testing.T, name, file string) (string, string, error) {
	t.Helper()
	return run(t, t.TempDir(), "", "update", "verify", "--repo", r.dir, "--root", filepath.Join(r.dir, "metadata", "root.json"),
		"--metadata-dir", r.trusted, "--product-line", "acme-infusion-pumps", "--installed-version", "4.1",
		"--target", name, file)
}

func TestUpdateCLIPublishVerify(t *testing.T) {
	r := newUpdateRepo(t)
	out, errOut, err := r.verify(t, "pump-4.2.0.bin", r.image)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, errOut)
	}
	if !strings.HasPrefix(out, "verified acme-infusion-pumps/pump-4.2.0.bin version 4.2.0") {
		t.Errorf("verify printed %q", out)
	}
	if !strings.Contains(r.output, "move it offline") || !strings.Contains(r.output, "published acme-infusion-pumps/pump-4.2.0.bin version 4.2.0") {
		t.Errorf("init and publish printed %q", r.output)
	}
	keys, _ := filepath.Glob(filepath.Join(r.keys, "*.key"))
	for _, k := range append(keys, r.rootKey) {
		b, err := os.ReadFile(k)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.output+out, "PRIVATE KEY") || strings.Contains(r.output+out, string(b[40:80])) {
			t.Errorf("key material of %s printed", k)
		}
	}
}

// The must-show: tampered, rolled-back and expired updates are refused by
// 'airtight update verify', each with a clear reason.
func TestUpdateCLIVerifyRefusals(t *testing.T) {
	tests := []struct {
		name    string
		flags   []string // for publish
		attack  func(t *testing.T, r *updateRepo) (target, file string)
		message string
	}{{
		name: "tampered image",
		attack: func(t *testing.T, r *updateRepo) (string, string) {
			return "pump-4.2.0.bin", writeFile(t, "pump-4.2.0.bin", "IMAGE 4.2.0")
		},
		message: "update refused: file sha256 hash does not match the signed one",
	}, {
		name: "tampered metadata",
		attack: func(t *testing.T, r *updateRepo) (string, string) {
			p := filepath.Join(r.dir, "metadata", "timestamp.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), `"version": 2`, `"version": 9`, 1)), 0o644)
			return "pump-4.2.0.bin", r.image
		},
		message: "update refused: metadata signature check failed",
	}, {
		name: "rolled back",
		attack: func(t *testing.T, r *updateRepo) (string, string) {
			if _, errOut, err := r.verify(t, "pump-4.2.0.bin", r.image); err != nil {
				t.Fatalf("verify: %v\n%s", err, errOut)
			}
			ts := filepath.Join(r.dir, "metadata", "timestamp.json")
			old, _ := os.ReadFile(ts)
			image := r.publish(t, t.TempDir(), "pump-4.3.0.bin", "4.3.0")
			if _, errOut, err := r.verify(t, "pump-4.3.0.bin", image); err != nil {
				t.Fatalf("verify: %v\n%s", err, errOut)
			}
			os.WriteFile(ts, old, 0o644)
			return "pump-4.2.0.bin", r.image
		},
		message: "update refused: metadata version is older than the one this device trusts or does not match: new timestamp version 2 must be >= 3",
	}, {
		name:  "expired",
		flags: []string{"--timestamp-expiry", "1s"},
		attack: func(t *testing.T, r *updateRepo) (string, string) {
			time.Sleep(2 * time.Second)
			return "pump-4.2.0.bin", r.image
		},
		message: "update refused: metadata expired: timestamp.json is expired",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newUpdateRepo(t, tt.flags...)
			target, file := tt.attack(t, r)
			out, errOut, err := r.verify(t, target, file)
			if err == nil {
				t.Fatalf("verify succeeded: %s", out)
			}
			if !strings.Contains(errOut, "airtight: "+tt.message) || strings.Contains(out, "verified") {
				t.Errorf("stderr %q, stdout %q; want %q", errOut, out, tt.message)
			}
		})
	}
}

func TestUpdateCLIUsageErrors(t *testing.T) {
	base := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		message string
	}{
		{"init without repo", []string{"update", "init", "--keys", base}, "--repo is required"},
		{"bad expiry order", []string{"update", "refresh", "--repo", base, "--keys", base, "--timestamp-expiry", "720h"},
			"timestamp <= snapshot <= targets"},
		{"publish to no repository", []string{"update", "publish", "--repo", base, "--keys", base, "--product-line", "x",
			"--version", "1", "--min-version", "1", "--model", "M", "f.bin"}, "no update repository"},
		{"verify without root", []string{"update", "verify", "--repo", base, "f.bin"}, "--root is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, err := run(t, base, "", tt.args...)
			if err == nil || !strings.Contains(errOut, tt.message) {
				t.Errorf("err %v, stderr %q; want %q", err, errOut, tt.message)
			}
		})
	}
}

// A publication with --org is recorded in that organization's audit log,
// and the chain stays verifiable.
func TestUpdateCLIPublishAudited(t *testing.T) {
	base := t.TempDir()
	mustRun(t, base, "", "org", "create", "--slug", "acme", "--name", "Acme Medical", "--kind", "manufacturer")
	r := newUpdateRepo(t)
	r.publish(t, base, "pump-4.3.0.bin", "4.3.0", "--org", "acme")
	out := mustRun(t, base, "", "audit", "export", "--org", "acme")
	if !strings.Contains(out, `"action":"update.publish"`) || !strings.Contains(out, `"version":"4.3.0"`) ||
		!strings.Contains(out, `"target_id":"acme-infusion-pumps/pump-4.3.0.bin"`) {
		t.Errorf("no publication entry in the audit log:\n%s", out)
	}
	if v := mustRun(t, base, "", "audit", "verify"); !strings.Contains(v, "audit log OK") {
		t.Errorf("verify: %s", v)
	}
}
