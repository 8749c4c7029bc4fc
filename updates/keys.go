package updates

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/airtight/airtight"
)

// A signing key: the private key and its TUF form. Private keys live only
// in files of mode 0600; nothing here prints or logs them.
type signingKey struct {
	priv ed25519.PrivateKey
	pub  *metadata.Key
	id   string
}

func newSigningKey(priv ed25519.PrivateKey) (*signingKey, error) {
	pub, err := metadata.KeyFromPublicKey(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("tuf key: %w", err)
	}
	id, err := pub.ID()
	if err != nil {
		return nil, fmt.Errorf("tuf key id: %w", err)
	}
	return &signingKey{priv: priv, pub: pub, id: id}, nil
}

// generateKeyFile creates a fresh ed25519 key in path (mode 0600). It never
// overwrites an existing file: losing a key means re-keying every device.
func generateKeyFile(path string) (*signingKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if os.IsExist(err) {
		return nil, airtight.Errorf(airtight.EConflict, "key file %s already exists; not overwriting it", path)
	}
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write key file: %w", err)
	}
	return newSigningKey(priv)
}

// readKeyFile loads the ed25519 key in path. A key file that others can
// read is refused: its key must be considered exposed.
func readKeyFile(path string) (*signingKey, error) {
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return nil, airtight.Errorf(airtight.ENotFound, "key file %s not found", path)
	}
	if err != nil {
		return nil, fmt.Errorf("stat key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, airtight.Errorf(airtight.EForbidden,
			"key file %s has mode %v: it must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, airtight.Errorf(airtight.EInvalid, "key file %s holds no PKCS #8 private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	priv, ok := k.(ed25519.PrivateKey)
	if err != nil || !ok {
		return nil, airtight.Errorf(airtight.EInvalid, "key file %s holds no ed25519 private key", path)
	}
	return newSigningKey(priv)
}

func (k *signingKey) signer() (signature.Signer, error) {
	s, err := signature.LoadSigner(k.priv, crypto.Hash(0))
	if err != nil {
		return nil, fmt.Errorf("load signer: %w", err)
	}
	return s, nil
}

// keyDir is the directory of online keys: one file per role, named
// <role>.key (targets, snapshot, timestamp and one per product line).
type keyDir string

func (d keyDir) path(role string) string { return filepath.Join(string(d), role+".key") }

func (d keyDir) load(role string) (*signingKey, error) { return readKeyFile(d.path(role)) }

func (d keyDir) generate(role string) (*signingKey, error) { return generateKeyFile(d.path(role)) }

func (d keyDir) create() error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return fmt.Errorf("create key directory: %w", err)
	}
	return nil
}

// sign replaces the signatures of m with one by k.
func sign[T metadata.Roles](m *metadata.Metadata[T], k *signingKey) error {
	s, err := k.signer()
	if err != nil {
		return err
	}
	m.ClearSignatures()
	if _, err := m.Sign(s); err != nil {
		return fmt.Errorf("sign metadata: %w", err)
	}
	return nil
}
