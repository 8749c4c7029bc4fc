package updates

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/airtight/airtight"
)

func TestUpdatePublishThenVerify(t *testing.T) {
	fx := newFixture(t)
	file := fx.publish(t, "pump-4.2.0.bin", "4.2.0", "4.0.0")
	got, err := Verify(fx.request("pump-4.2.0.bin", file))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := TargetMeta{ProductLine: pumps, Model: "Plum 360", Version: "4.2.0", MinVersion: "4.0.0", Released: "2026-03-01T12:00:00Z"}
	if got.Meta != want || got.Target != pumps+"/pump-4.2.0.bin" || got.Length != int64(len("image pump-4.2.0.bin 4.2.0")) {
		t.Errorf("Verify = %+v, want meta %+v", got, want)
	}
}

func TestUpdateVerifyOverHTTP(t *testing.T) {
	fx := newFixture(t)
	fx.publish(t, "pump-4.2.0.bin", "4.2.0", "4.0.0")
	srv := httptest.NewServer(http.FileServer(http.Dir(fx.repo)))
	defer srv.Close()
	req := fx.request(pumps+"/pump-4.2.0.bin", filepath.Join(t.TempDir(), "download", "pump.bin"))
	req.Repo, req.Download = srv.URL, true
	if _, err := Verify(req); err != nil {
		t.Fatalf("Verify over HTTP: %v", err)
	}
	if got := string(readFile(t, req.File)); got != "image pump-4.2.0.bin 4.2.0" {
		t.Errorf("downloaded %q", got)
	}
}

// Each way an update can be bad is refused, with its reason in the message.
func TestUpdateVerifyRefusals(t *testing.T) {
	const name = "pump-4.2.0.bin"
	tests := []struct {
		name    string
		setup   func(t *testing.T, fx *fixture, file string)
		request func(req *VerifyRequest)
		reason  error
		message string
	}{{
		name:    "tampered file",
		setup:   func(t *testing.T, fx *fixture, file string) { flipByte(t, file) },
		reason:  ErrTampered,
		message: "sha256 hash does not match",
	}, {
		name: "truncated file",
		setup: func(t *testing.T, fx *fixture, file string) {
			writeFile(t, file, []byte("short"))
		},
		reason:  ErrTampered,
		message: "the signed length is",
	}, {
		name: "file substituted in the repository after publish",
		setup: func(t *testing.T, fx *fixture, _ string) {
			files, _ := filepath.Glob(filepath.Join(fx.repo, "targets", pumps, "*."+name))
			for _, f := range files {
				flipByte(t, f)
			}
		},
		request: func(req *VerifyRequest) { req.Download, req.File = true, req.File+".download" },
		reason:  ErrTampered,
		message: "length or hash mismatch",
	}, {
		name: "tampered timestamp (bad signature)",
		setup: func(t *testing.T, fx *fixture, _ string) {
			edit(t, filepath.Join(fx.repo, "metadata", "timestamp.json"), `"expires": "2026-03-02`, `"expires": "2027-03-02`)
		},
		reason:  ErrBadSignature,
		message: "signature check failed: Verifying timestamp failed",
	}, {
		name: "tampered product line metadata",
		setup: func(t *testing.T, fx *fixture, _ string) {
			edit(t, filepath.Join(fx.repo, "metadata", "2."+pumps+".json"), `"min_version": "4.0.0"`, `"min_version": "0.0.1"`)
		},
		reason:  ErrTampered,
		message: "metadata length or hash mismatch",
	}, {
		name:    "expired timestamp",
		setup:   func(t *testing.T, fx *fixture, _ string) { fx.now = fx.now.Add(25 * time.Hour) },
		reason:  ErrExpired,
		message: "metadata expired: timestamp.json is expired",
	}, {
		name:    "downgrade below installed version",
		request: func(req *VerifyRequest) { req.InstalledVersion = "5.0" },
		reason:  ErrDowngrade,
		message: "target version 4.2.0 is lower than the installed version 5.0",
	}, {
		name:    "installed version below the rollback floor",
		request: func(req *VerifyRequest) { req.InstalledVersion = "3.9.9" },
		reason:  ErrDowngrade,
		message: "installed version 3.9.9 is below 4.0.0",
	}, {
		name:    "other model",
		request: func(req *VerifyRequest) { req.Model = "Sapphire" },
		reason:  ErrWrongModel,
		message: `is for model "Plum 360", not "Sapphire"`,
	}, {
		name:    "target of another product line",
		request: func(req *VerifyRequest) { req.ProductLine, req.Target = vents, pumps+"/"+name },
		reason:  ErrNotDelegated,
		message: `is not in product line "acme-ventilators"`,
	}, {
		name:    "unknown target",
		request: func(req *VerifyRequest) { req.Target = "pump-9.9.9.bin" },
		reason:  ErrNotDelegated,
		message: "is not listed in metadata signed by product line",
	}, {
		name: "target signed by another product line's key",
		setup: func(t *testing.T, fx *fixture, file string) {
			sneakTarget(t, fx, vents, pumps+"/evil.bin", file)
		},
		request: func(req *VerifyRequest) { req.Target = "evil.bin" },
		reason:  ErrNotDelegated,
		message: `not listed in metadata signed by product line "acme-infusion-pumps"`,
	}, {
		name: "target signed by the top-level targets key, not the line's",
		setup: func(t *testing.T, fx *fixture, file string) {
			sneakTarget(t, fx, metadata.TARGETS, pumps+"/evil.bin", file)
		},
		request: func(req *VerifyRequest) { req.Target = "evil.bin" },
		reason:  ErrNotDelegated,
		message: "was not signed by product line \"acme-infusion-pumps\"'s delegated key",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			file := fx.publish(t, name, "4.2.0", "4.0.0")
			if tt.setup != nil {
				tt.setup(t, fx, file)
			}
			req := fx.request(name, file)
			if tt.request != nil {
				tt.request(&req)
			}
			_, err := Verify(req)
			assertRefused(t, err, tt.reason, tt.message)
		})
	}
}

// A device that saw a newer repository state refuses an older one served
// again (a replayed timestamp, or an old snapshot under the new name).
func TestUpdateRollbackRefused(t *testing.T) {
	tests := []struct {
		name    string
		replay  func(t *testing.T, fx *fixture, old map[string][]byte)
		reason  error
		message string
	}{{
		name: "old timestamp replayed",
		replay: func(t *testing.T, fx *fixture, old map[string][]byte) {
			writeFile(t, filepath.Join(fx.repo, "metadata", "timestamp.json"), old["timestamp.json"])
		},
		reason:  ErrRollback,
		message: "new timestamp version 2 must be >= 3",
	}, {
		name: "whole repository metadata rolled back",
		replay: func(t *testing.T, fx *fixture, old map[string][]byte) {
			dir := filepath.Join(fx.repo, "metadata")
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, data := range old {
				writeFile(t, filepath.Join(dir, name), data)
			}
		},
		reason:  ErrRollback,
		message: "new timestamp version 2 must be >= 3",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			v1 := fx.publish(t, "pump-4.1.0.bin", "4.1.0", "4.0.0")
			if _, err := Verify(fx.request("pump-4.1.0.bin", v1)); err != nil {
				t.Fatalf("Verify 4.1.0: %v", err)
			}
			old := map[string][]byte{}
			files, _ := filepath.Glob(filepath.Join(fx.repo, "metadata", "*.json"))
			for _, f := range files {
				old[filepath.Base(f)] = readFile(t, f)
			}
			v2 := fx.publish(t, "pump-4.2.0.bin", "4.2.0", "4.0.0")
			if _, err := Verify(fx.request("pump-4.2.0.bin", v2)); err != nil {
				t.Fatalf("Verify 4.2.0: %v", err)
			}
			tt.replay(t, fx, old)
			_, err := Verify(fx.request("pump-4.1.0.bin", v1))
			assertRefused(t, err, tt.reason, tt.message)
		})
	}
}

// The timestamp expires after a day; Refresh re-signs it.
func TestUpdateExpiryAndRefresh(t *testing.T) {
	fx := newFixture(t)
	file := fx.publish(t, "pump-4.2.0.bin", "4.2.0", "4.0.0")
	if _, err := Verify(fx.request("pump-4.2.0.bin", file)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	fx.now = fx.now.Add(25 * time.Hour)
	_, err := Verify(fx.request("pump-4.2.0.bin", file))
	assertRefused(t, err, ErrExpired, "timestamp.json is expired")

	res, err := Refresh(fx.repo, fx.keys, fx.opts())
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if res.Timestamp != 3 || len(res.Renewed) != 0 {
		t.Errorf("Refresh = %+v, want timestamp 3 and nothing renewed", res)
	}
	if _, err := Verify(fx.request("pump-4.2.0.bin", file)); err != nil {
		t.Fatalf("Verify after Refresh: %v", err)
	}
	// 89 days on, the targets roles would expire before the next snapshot.
	fx.now = fx.now.Add(88 * 24 * time.Hour)
	if res, err = Refresh(fx.repo, fx.keys, fx.opts()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if len(res.Renewed) != 3 {
		t.Errorf("renewed %v, want targets and both product lines", res.Renewed)
	}
	if _, err := Verify(fx.request("pump-4.2.0.bin", file)); err != nil {
		t.Fatalf("Verify after renewal: %v", err)
	}
}

func assertRefused(t *testing.T, err, reason error, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Verify succeeded, want refusal %q", reason)
	}
	if !errors.Is(err, reason) {
		t.Errorf("error %v is not %q", err, reason)
	}
	if airtight.ErrorCode(err) != airtight.EForbidden {
		t.Errorf("code = %s, want %s (%v)", airtight.ErrorCode(err), airtight.EForbidden, err)
	}
	if msg := airtight.ErrorMessage(err); !strings.HasPrefix(msg, "update refused: ") || !strings.Contains(msg, message) {
		t.Errorf("message = %q, want it to contain %q", msg, message)
	}
}

func flipByte(t *testing.T, path string) {
	t.Helper()
	b := readFile(t, path)
	b[len(b)-1] ^= 1
	writeFile(t, path, b)
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	b := readFile(t, path)
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %s:\n%s", path, old, b)
	}
	writeFile(t, path, bytes.Replace(b, []byte(old), []byte(new), 1))
}

// sneakTarget signs a target into role with the online keys, bypassing
// Publish's checks: what an attacker holding role's key could do.
func sneakTarget(t *testing.T, fx *fixture, role, path, file string) {
	t.Helper()
	r, err := loadRepo(fx.repo)
	if err != nil {
		t.Fatal(err)
	}
	tf, _, err := newTarget(pumps, file, Release{Model: "Plum 360", Version: "9.0", MinVersion: "0"}, fx.now)
	if err != nil {
		t.Fatal(err)
	}
	tf.Path = path
	r.targetsRole(role).Signed.Targets[path] = tf
	if err := r.storeTarget(file, tf); err != nil {
		t.Fatal(err)
	}
	if _, err := r.update(keyDir(fx.keys), []string{role}, fx.now, DefaultExpiry()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(fx.repo, "metadata", "3.snapshot.json")); err != nil {
		t.Fatal(err)
	}
}

// An unreachable repository is an error, not a verdict on the update.
func TestUpdateVerifyUnreachableRepository(t *testing.T) {
	fx := newFixture(t)
	file := fx.publish(t, "pump-4.2.0.bin", "4.2.0", "4.0.0")
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	req := fx.request("pump-4.2.0.bin", file)
	req.Repo = srv.URL
	_, err := Verify(req)
	if err == nil || airtight.ErrorCode(err) == airtight.EForbidden {
		t.Errorf("Verify against a closed server: %v, want a non-refusal error", err)
	}
}
