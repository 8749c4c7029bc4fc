// Package keyfile is a pki.KeyStore that keeps each CA private key in its own
// file, encrypted at rest under a passphrase.
//
// # File format (version 1)
//
// A key file is one PEM block of type "AIRTIGHT ENCRYPTED PRIVATE KEY":
//
//	-----BEGIN AIRTIGHT ENCRYPTED PRIVATE KEY-----
//	Argon2-Memory: 65536          (KiB)
//	Argon2-Threads: 4
//	Argon2-Time: 3
//	Check: <16 bytes, hex>
//	KDF: argon2id
//	Label: org3-root-5f1c09a2
//	Nonce: <12 bytes, hex>
//	Salt: <16 bytes, hex>
//	Version: 1
//
//	<base64: AES-256-GCM ciphertext and tag of the PKCS#8 DER private key>
//	-----END AIRTIGHT ENCRYPTED PRIVATE KEY-----
//
// K = argon2id(passphrase, salt, time, memory, threads, 32 bytes) (RFC 9106;
// the defaults are its second recommended option). The encryption key is
// HMAC-SHA256(K, "airtight keyfile v1 encrypt"); Check is the first 16 bytes
// of HMAC-SHA256(K, "airtight keyfile v1 check"), which tells a wrong
// passphrase from a damaged file. The GCM additional data binds every
// header (version, label, KDF parameters, salt), so a file edited or
// renamed to another key's label does not decrypt. Parameters read from a
// file are bounded (memory ≤ 1 GiB, time ≤ 16) so a forged file cannot
// exhaust the machine.
//
// Files are written 0600 in a directory kept 0700, created with O_EXCL and
// never rewritten. References are "file:<label>". Key material and
// passphrases never appear in errors.
package keyfile

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

// RefPrefix starts every reference this store hands out.
const RefPrefix = "file:"

const maxFileSize = 64 << 10

// Store keeps keys as encrypted files in one directory.
type Store struct {
	dir        string
	passphrase []byte
	params     Params
}

var (
	_ pki.KeyStore    = (*Store)(nil)
	_ pki.KeyExporter = (*Store)(nil)
)

// Option configures a Store.
type Option func(*Store)

// WithParams sets the argon2id cost of files this store writes (tests use
// cheap ones). Files record their own parameters, so old files still open.
func WithParams(p Params) Option { return func(s *Store) { s.params = p } }

// New opens (creating it 0700 if needed) the key directory. The passphrase
// encrypts every key the store writes; it must be at least 12 bytes.
func New(dir string, passphrase []byte, opts ...Option) (*Store, error) {
	if len(passphrase) < 12 {
		return nil, airtight.Errorf(airtight.EInvalid, "CA passphrase must be at least 12 characters")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key directory: %w", err)
	}
	s := &Store{dir: dir, passphrase: append([]byte(nil), passphrase...), params: DefaultParams}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Generate creates a key of the algorithm (see pki.KeyAlgorithms) and
// stores it under a new label derived from label.
func (s *Store) Generate(ctx context.Context, label, algorithm string) (crypto.Signer, string, error) {
	key, err := generate(algorithm)
	if err != nil {
		return nil, "", err
	}
	ref, err := s.store(key, label)
	if err != nil {
		return nil, "", err
	}
	return key, ref, nil
}

func generate(algorithm string) (crypto.Signer, error) {
	switch algorithm {
	case "ecdsa-p256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ecdsa-p384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "rsa-3072":
		return rsa.GenerateKey(rand.Reader, 3072)
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, airtight.Errorf(airtight.EInvalid, "algorithm: unknown key algorithm %q (%s)", algorithm, strings.Join(pki.KeyAlgorithms, ", "))
}

// store seals key under a fresh label and writes it.
func (s *Store) store(key crypto.Signer, label string) (string, error) {
	name, err := newLabel(label)
	if err != nil {
		return "", err
	}
	data, err := Seal(key, name, s.passphrase, s.params)
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(s.path(name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("write key %s: %w", name, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", fmt.Errorf("write key %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("write key %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write key %s: %w", name, err)
	}
	return RefPrefix + name, nil
}

// Load decrypts the key ref names.
func (s *Store) Load(ctx context.Context, ref string) (crypto.Signer, error) {
	name, data, err := s.read(ref)
	if err != nil {
		return nil, err
	}
	key, label, err := Open(data, s.passphrase)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", name, err)
	}
	if label != name {
		return nil, airtight.Errorf(airtight.EInvalid, "key file %s holds key %q: files must not be renamed", name, label)
	}
	return key, nil
}

// Export returns the key ref names, sealed under passphrase in this
// package's format (for an offline root).
func (s *Store) Export(ctx context.Context, ref string, passphrase []byte) ([]byte, error) {
	if len(passphrase) < 12 {
		return nil, airtight.Errorf(airtight.EInvalid, "export passphrase must be at least 12 characters")
	}
	key, err := s.Load(ctx, ref)
	if err != nil {
		return nil, err
	}
	name, _ := parseRef(ref)
	return Seal(key, name, passphrase, s.params)
}

// Import stores a key sealed by Export (the offline root brought back to
// sign a new issuing CA) and returns its new reference.
func (s *Store) Import(ctx context.Context, data, passphrase []byte) (string, error) {
	key, label, err := Open(data, passphrase)
	if err != nil {
		return "", err
	}
	base := label
	if i := strings.LastIndexByte(label, '-'); i > 0 {
		base = label[:i]
	}
	return s.store(key, base)
}

// Delete removes the key file ref names.
func (s *Store) Delete(ctx context.Context, ref string) error {
	name, err := parseRef(ref)
	if err != nil {
		return err
	}
	if err := os.Remove(s.path(name)); err != nil {
		return fmt.Errorf("delete key %s: %w", name, err)
	}
	return nil
}

func (s *Store) read(ref string) (string, []byte, error) {
	name, err := parseRef(ref)
	if err != nil {
		return "", nil, err
	}
	st, err := os.Stat(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, airtight.Errorf(airtight.ENotFound, "key %s not found in the key directory", name)
	}
	if err != nil {
		return "", nil, fmt.Errorf("read key %s: %w", name, err)
	}
	if st.Size() > maxFileSize {
		return "", nil, airtight.Errorf(airtight.EInvalid, "key file %s is too large", name)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", nil, airtight.Errorf(airtight.EForbidden, "key file %s is readable by others (mode %o): chmod 600", name, st.Mode().Perm())
	}
	data, err := os.ReadFile(s.path(name))
	if err != nil {
		return "", nil, fmt.Errorf("read key %s: %w", name, err)
	}
	return name, data, nil
}

func (s *Store) path(name string) string { return filepath.Join(s.dir, name+".key") }

// parseRef returns the label of a "file:" reference.
func parseRef(ref string) (string, error) {
	name, ok := strings.CutPrefix(ref, RefPrefix)
	if !ok || !validLabel(name) {
		return "", airtight.Errorf(airtight.EInvalid, "not a key file reference")
	}
	return name, nil
}

// newLabel turns a caller's label into a unique, file-safe one.
func newLabel(label string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToLower(label) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
		if b.Len() >= 48 {
			break
		}
	}
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	base := strings.Trim(b.String(), "-")
	if base == "" {
		base = "key"
	}
	return base + "-" + hex.EncodeToString(rnd[:]), nil
}

func validLabel(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// signer parses PKCS#8 into a crypto.Signer.
func signer(der []byte) (crypto.Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errors.New("decrypted key is not PKCS#8")
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("decrypted key cannot sign")
	}
	return s, nil
}
