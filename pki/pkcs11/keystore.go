//go:build pkcs11 && cgo

package pkcs11

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ThalesGroup/crypto11"
	"github.com/airtight/airtight/pki"
	p11 "github.com/miekg/pkcs11"
)

var _ pki.KeyStore = (*KeyStore)(nil)

// idLen is the length of the random CKA_ID given to each key pair.
const idLen = 16

// KeyStore keeps keys on one PKCS#11 token. It is safe for concurrent use.
type KeyStore struct {
	ctx   *crypto11.Context
	token string
	once  sync.Once
}

// Open loads the module, finds the token by label and logs in with the PIN.
// Errors never contain the PIN; a rejected PIN wraps ErrLogin.
func Open(cfg Config) (*KeyStore, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("pkcs11: %w", err)
	}
	cfg = cfg.withDefaults()
	ctx, err := crypto11.Configure(&crypto11.Config{
		Path:            cfg.ModulePath,
		TokenLabel:      cfg.TokenLabel,
		Pin:             cfg.PIN,
		MaxSessions:     cfg.MaxSessions,
		PoolWaitTimeout: cfg.SessionWait,
	})
	if err != nil {
		return nil, openError(cfg, err)
	}
	return &KeyStore{ctx: ctx, token: cfg.TokenLabel}, nil
}

func openError(cfg Config, err error) error {
	if isLoginError(err) {
		return fmt.Errorf("pkcs11: open token %q: %w: %w", cfg.TokenLabel, ErrLogin, err)
	}
	return fmt.Errorf("pkcs11: open token %q with module %s: %w", cfg.TokenLabel, cfg.ModulePath, err)
}

func isLoginError(err error) bool {
	var code p11.Error
	if !errors.As(err, &code) {
		return false
	}
	switch code {
	case p11.CKR_PIN_INCORRECT, p11.CKR_PIN_INVALID, p11.CKR_PIN_LEN_RANGE, p11.CKR_PIN_LOCKED, p11.CKR_PIN_EXPIRED:
		return true
	}
	return false
}

// Close logs out and releases the module (unloading it when no other store
// uses it). It waits for operations in progress. Signers stop working.
func (s *KeyStore) Close() error {
	var err error
	s.once.Do(func() { err = s.ctx.Close() })
	if err != nil {
		return fmt.Errorf("pkcs11: close token %q: %w", s.token, err)
	}
	return nil
}

// Generate creates a key pair on the token: a token object, private,
// sensitive and non-extractable, usable only to sign, with CKA_LABEL label
// and a random CKA_ID. It returns the signer and the key's reference.
func (s *KeyStore) Generate(ctx context.Context, label, algorithm string) (crypto.Signer, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if err := checkLabel("label", label, new(string)); err != nil {
		return nil, "", fmt.Errorf("pkcs11: generate: %w", err)
	}
	id := make([]byte, idLen)
	if _, err := io.ReadFull(rand.Reader, id); err != nil {
		return nil, "", fmt.Errorf("pkcs11: generate: key id: %w", err)
	}
	k, err := s.generate(id, label, algorithm)
	if err != nil {
		return nil, "", fmt.Errorf("pkcs11: generate %s key %q: %w", algorithm, label, err)
	}
	ref := Ref{Token: s.token, ID: id, Object: label}
	return &signer{k: k}, ref.String(), nil
}

func (s *KeyStore) generate(id []byte, label, algorithm string) (crypto11.Signer, error) {
	pub, priv, err := keyAttributes(id, label)
	if err != nil {
		return nil, err
	}
	switch algorithm {
	case "ecdsa-p256":
		return s.ctx.GenerateECDSAKeyPairWithAttributes(pub, priv, elliptic.P256())
	case "ecdsa-p384":
		return s.ctx.GenerateECDSAKeyPairWithAttributes(pub, priv, elliptic.P384())
	case "rsa-3072":
		// A CA key signs; it never decrypts or encrypts.
		if err := setAll(priv, attrs{crypto11.CkaDecrypt: false}); err != nil {
			return nil, err
		}
		if err := setAll(pub, attrs{crypto11.CkaEncrypt: false}); err != nil {
			return nil, err
		}
		return s.ctx.GenerateRSAKeyPairWithAttributes(pub, priv, 3072)
	case "ed25519":
		return nil, fmt.Errorf("%w: ed25519 keys are not supported in PKCS#11 tokens yet", ErrUnsupportedAlgorithm)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, algorithm)
}

// keyAttributes returns the templates of a signing key pair.
func keyAttributes(id []byte, label string) (pub, priv crypto11.AttributeSet, err error) {
	pub, err = crypto11.NewAttributeSetWithIDAndLabel(id, []byte(label))
	if err != nil {
		return nil, nil, err
	}
	priv = pub.Copy()
	err = setAll(priv, attrs{
		crypto11.CkaToken:       true,
		crypto11.CkaPrivate:     true,
		crypto11.CkaSensitive:   true,
		crypto11.CkaExtractable: false,
		crypto11.CkaSign:        true,
	})
	if err != nil {
		return nil, nil, err
	}
	return pub, priv, setAll(pub, attrs{crypto11.CkaToken: true, crypto11.CkaVerify: true})
}

type attrs map[crypto11.AttributeType]any

// setAll sets the attributes of a template.
func setAll(a crypto11.AttributeSet, values attrs) error {
	for t, v := range values {
		if err := a.Set(t, v); err != nil {
			return fmt.Errorf("key template: %w", err)
		}
	}
	return nil
}

// Load finds the key pair ref names. The ref's token must be this store's.
func (s *KeyStore) Load(ctx context.Context, ref string) (crypto.Signer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, err := ParseRef(ref)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: load: %w", err)
	}
	if r.Token != s.token {
		return nil, fmt.Errorf("pkcs11: load: %w: key is on token %q, this store opened %q", ErrKeyNotFound, r.Token, s.token)
	}
	k, err := s.find(r)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: load key %x: %w", r.ID, err)
	}
	return &signer{k: k}, nil
}

func (s *KeyStore) find(r Ref) (crypto11.Signer, error) {
	var label []byte
	if r.Object != "" {
		label = []byte(r.Object)
	}
	keys, err := s.ctx.FindKeyPairs(r.ID, label)
	if err != nil {
		return nil, err
	}
	switch len(keys) {
	case 0:
		return nil, ErrKeyNotFound
	case 1:
		return keys[0], nil
	}
	return nil, fmt.Errorf("%w: reference matches %d key pairs", ErrInvalidRef, len(keys))
}

// signer hides the crypto11 key's Delete and Decrypt methods: callers of the
// store get a crypto.Signer and nothing more.
type signer struct{ k crypto11.Signer }

func (s *signer) Public() crypto.PublicKey { return s.k.Public() }

// Sign signs digest in the HSM. The token supplies any randomness; rand is
// ignored.
func (s *signer) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := s.k.Sign(rand, digest, opts)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: sign: %w", err)
	}
	return sig, nil
}
