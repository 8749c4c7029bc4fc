//go:build !pkcs11 || !cgo

package pkcs11

import (
	"context"
	"errors"
	"testing"
)

// Without the pkcs11 tag the package compiles and refuses clearly.
func TestOpenWithoutPKCS11Support(t *testing.T) {
	s, err := Open(Config{ModulePath: "/usr/lib/softhsm/libsofthsm2.so", TokenLabel: "t", PIN: "1234"})
	if s != nil || !errors.Is(err, ErrNotBuilt) {
		t.Fatalf("Open = %v, %v; want ErrNotBuilt", s, err)
	}
	const want = "this binary was built without PKCS#11 support; rebuild with -tags pkcs11"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	var ks *KeyStore
	if _, _, err := ks.Generate(context.Background(), "k", "ecdsa-p256"); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Generate = %v", err)
	}
	if _, err := ks.Load(context.Background(), "pkcs11:token=t;id=%01"); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Load = %v", err)
	}
}
