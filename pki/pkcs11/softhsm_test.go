//go:build pkcs11 && cgo

package pkcs11

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/airtight/airtight/internal/testtool"
)

// Token settings of the throwaway SoftHSM2 token.
const (
	testToken = "airtight-test"
	testPIN   = "1234"
	testSOPIN = "5678"
)

// softHSMModules are where Debian, Fedora and source builds put SoftHSM2.
var softHSMModules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
}

func softHSMModule(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("AIRTIGHT_SOFTHSM2_MODULE"); p != "" {
		return p
	}
	for _, p := range softHSMModules {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	testtool.Missing(tb, "libsofthsm2.so not found (install the Debian package softhsm2, or set AIRTIGHT_SOFTHSM2_MODULE)")
	return ""
}

// newToken creates an empty SoftHSM2 token in a temporary directory, points
// SOFTHSM2_CONF at it, and returns the Config to open it. SoftHSM2 reads
// SOFTHSM2_CONF when the module is initialized, so every store of the
// previous test must be closed first (openStore's cleanup does it); the
// tests of this package therefore do not run in parallel.
func newToken(tb testing.TB) Config {
	tb.Helper()
	module := softHSMModule(tb)
	util := testtool.Path(tb, "softhsm2-util")
	dir := tb.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		tb.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	body := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		tb.Fatal(err)
	}
	tb.Setenv("SOFTHSM2_CONF", conf)
	cmd := exec.Command(util, "--init-token", "--free", "--label", testToken, "--pin", testPIN, "--so-pin", testSOPIN)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	return Config{ModulePath: module, TokenLabel: testToken, PIN: testPIN}
}

// openStore opens cfg and closes the store when the test ends.
func openStore(tb testing.TB, cfg Config) *KeyStore {
	tb.Helper()
	s, err := Open(cfg)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func generate(tb testing.TB, s *KeyStore, label, algorithm string) (*signer, string) {
	tb.Helper()
	k, ref, err := s.Generate(context.Background(), label, algorithm)
	if err != nil {
		tb.Fatalf("Generate(%q, %q): %v", label, algorithm, err)
	}
	return k.(*signer), ref
}
