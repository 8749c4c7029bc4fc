package keyfile_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/pki/keyfile"
)

var cheap = keyfile.WithParams(keyfile.Params{Time: 1, Memory: 64, Threads: 1})

const pass = "correct horse battery staple"

func newStore(t *testing.T) (*keyfile.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ca-keys")
	s, err := keyfile.New(dir, []byte(pass), cheap)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func sameKey(t *testing.T, a, b crypto.Signer) {
	t.Helper()
	if !a.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(b.Public()) {
		t.Fatal("loaded key differs")
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	for _, alg := range pki.KeyAlgorithms {
		t.Run(alg, func(t *testing.T) {
			key, ref, err := s.Generate(ctx, "org3 Root!", alg)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(ref, "file:org3-root-") {
				t.Errorf("ref %q", ref)
			}
			got, err := s.Load(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			sameKey(t, key, got)
			st, err := os.Stat(filepath.Join(dir, strings.TrimPrefix(ref, "file:")+".key"))
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("key file mode %v, %v", st.Mode().Perm(), err)
			}
		})
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, %v", st.Mode().Perm(), err)
	}
	if _, _, err := s.Generate(ctx, "x", "dsa-1024"); airtight.ErrorCode(err) != airtight.EInvalid {
		t.Errorf("unknown algorithm: %v", err)
	}
}

func TestWrongPassphrase(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	_, ref, err := s.Generate(ctx, "root", "ecdsa-p256")
	if err != nil {
		t.Fatal(err)
	}
	other, err := keyfile.New(dir, []byte("a different passphrase"), cheap)
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Load(ctx, ref)
	if airtight.ErrorCode(err) != airtight.EUnauthorized || !strings.Contains(err.Error(), "wrong CA passphrase") {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if strings.Contains(err.Error(), pass) || strings.Contains(err.Error(), "different") {
		t.Error("error reveals a passphrase")
	}
}

func TestTamperedFile(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	_, ref, err := s.Generate(ctx, "root", "ecdsa-p256")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, strings.TrimPrefix(ref, "file:")+".key")
	orig, _ := os.ReadFile(path)
	block, _ := pem.Decode(orig)
	tests := map[string]func(b *pem.Block){
		"ciphertext": func(b *pem.Block) { b.Bytes[len(b.Bytes)/2] ^= 1 },
		"label":      func(b *pem.Block) { b.Headers["Label"] = "other-0000" },
		"nonce":      func(b *pem.Block) { b.Headers["Nonce"] = strings.Repeat("00", 12) },
		"huge cost":  func(b *pem.Block) { b.Headers["Argon2-Memory"] = "4294967295" },
		"version":    func(b *pem.Block) { b.Headers["Version"] = "2" },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			b := &pem.Block{Type: block.Type, Headers: map[string]string{}, Bytes: append([]byte(nil), block.Bytes...)}
			for k, v := range block.Headers {
				b.Headers[k] = v
			}
			mutate(b)
			os.WriteFile(path, pem.EncodeToMemory(b), 0o600)
			if _, err := s.Load(ctx, ref); err == nil {
				t.Fatal("tampered file loaded")
			}
		})
	}
	os.WriteFile(path, orig, 0o600)
	os.Chmod(path, 0o644)
	if _, err := s.Load(ctx, ref); airtight.ErrorCode(err) != airtight.EForbidden {
		t.Errorf("world-readable key file: %v", err)
	}
}

func TestExportImportDelete(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	key, ref, err := s.Generate(ctx, "org1-root", "ed25519")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Export(ctx, ref, []byte("offline root passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("PRIVATE KEY-----\nMC")) || !bytes.Contains(sealed, []byte(keyfile.PEMType)) {
		t.Errorf("export is not sealed:\n%s", sealed)
	}
	if err := s.Delete(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, ref); airtight.ErrorCode(err) != airtight.ENotFound {
		t.Errorf("deleted key: %v", err)
	}
	if _, err := s.Import(ctx, sealed, []byte(pass)); airtight.ErrorCode(err) != airtight.EUnauthorized {
		t.Errorf("import with the wrong passphrase: %v", err)
	}
	ref2, err := s.Import(ctx, sealed, []byte("offline root passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, ref2)
	if err != nil {
		t.Fatal(err)
	}
	sameKey(t, key, got)
}

func TestRefsAndPassphrase(t *testing.T) {
	s, _ := newStore(t)
	for _, ref := range []string{"file:../etc/passwd", "pkcs11:x", "file:", "file:A/B"} {
		if _, err := s.Load(context.Background(), ref); airtight.ErrorCode(err) != airtight.EInvalid {
			t.Errorf("Load(%q): %v", ref, err)
		}
	}
	if _, err := keyfile.New(t.TempDir(), []byte("short")); airtight.ErrorCode(err) != airtight.EInvalid {
		t.Errorf("short passphrase: %v", err)
	}
}

func TestDefaultParamsOpen(t *testing.T) {
	if testing.Short() {
		t.Skip("argon2id at 64 MiB")
	}
	key, _, _ := mustGen(t)
	sealed, err := keyfile.Seal(key, "k-1", []byte(pass), keyfile.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	got, label, err := keyfile.Open(sealed, []byte(pass))
	if err != nil || label != "k-1" {
		t.Fatalf("Open: %q, %v", label, err)
	}
	sameKey(t, key, got)
}

func mustGen(t *testing.T) (crypto.Signer, string, error) {
	s, _ := newStore(t)
	return s.Generate(context.Background(), "k", "ecdsa-p256")
}
