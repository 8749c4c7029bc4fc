//go:build !pkcs11 || !cgo

package pkcs11

import (
	"context"
	"crypto"

	"github.com/airtight/airtight/pki"
)

var _ pki.KeyStore = (*KeyStore)(nil)

// KeyStore is unavailable in this build: Open always fails with ErrNotBuilt.
// The type exists so that callers compile with and without the pkcs11 tag.
type KeyStore struct{}

// Open returns ErrNotBuilt: this binary has no PKCS#11 support.
func Open(Config) (*KeyStore, error) { return nil, ErrNotBuilt }

// Generate returns ErrNotBuilt.
func (*KeyStore) Generate(context.Context, string, string) (crypto.Signer, string, error) {
	return nil, "", ErrNotBuilt
}

// Load returns ErrNotBuilt.
func (*KeyStore) Load(context.Context, string) (crypto.Signer, error) { return nil, ErrNotBuilt }

// Close does nothing.
func (*KeyStore) Close() error { return nil }
