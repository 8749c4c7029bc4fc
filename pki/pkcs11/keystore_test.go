//go:build pkcs11 && cgo

package pkcs11

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ThalesGroup/crypto11"
	p11 "github.com/miekg/pkcs11"
)

var algorithms = []string{"ecdsa-p256", "ecdsa-p384", "rsa-3072"}

// verify signs a digest with k and checks the signature with k's public key.
func verify(t *testing.T, k crypto.Signer, msg string) {
	t.Helper()
	hash, digest := crypto.SHA256, sha256.Sum256([]byte(msg))
	d := digest[:]
	if pub, ok := k.Public().(*ecdsa.PublicKey); ok && pub.Curve.Params().BitSize == 384 {
		h := sha512.Sum384([]byte(msg))
		hash, d = crypto.SHA384, h[:]
	}
	sig, err := k.Sign(nil, d, hash)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	switch pub := k.Public().(type) {
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, d, sig) {
			t.Fatal("ECDSA signature does not verify")
		}
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(pub, hash, d, sig); err != nil {
			t.Fatalf("RSA signature does not verify: %v", err)
		}
	default:
		t.Fatalf("unexpected public key %T", pub)
	}
}

func TestGenerateSignLoad(t *testing.T) {
	cfg := newToken(t)
	s := openStore(t, cfg)
	refs := map[string]string{}
	pubs := map[string]crypto.PublicKey{}
	for _, alg := range algorithms {
		t.Run("generate/"+alg, func(t *testing.T) {
			k, ref := generate(t, s, "CA key "+alg, alg)
			verify(t, k, "generated "+alg)
			if _, err := ParseRef(ref); err != nil {
				t.Fatalf("ParseRef(%q): %v", ref, err)
			}
			refs[alg], pubs[alg] = ref, k.Public()
		})
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s2 := openStore(t, cfg)
	for _, alg := range algorithms {
		t.Run("load/"+alg, func(t *testing.T) {
			k, err := s2.Load(context.Background(), refs[alg])
			if err != nil {
				t.Fatalf("Load(%q): %v", refs[alg], err)
			}
			if !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pubs[alg]) {
				t.Fatal("loaded key has another public key")
			}
			verify(t, k, "loaded "+alg)
		})
	}
}

func TestGenerateRefFormat(t *testing.T) {
	s := openStore(t, newToken(t))
	_, ref := generate(t, s, "Riverside issuing CA; 2026", "ecdsa-p256")
	r, err := ParseRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	if r.Token != testToken || r.Object != "Riverside issuing CA; 2026" || len(r.ID) != idLen {
		t.Errorf("ref %q parsed as %+v", ref, r)
	}
	if !strings.HasPrefix(ref, "pkcs11:token=airtight-test;id=%") || !strings.HasSuffix(ref, ";object=Riverside%20issuing%20CA%3B%202026") {
		t.Errorf("ref = %q", ref)
	}
	_, ref2 := generate(t, s, "Riverside issuing CA; 2026", "ecdsa-p256")
	if ref2 == ref {
		t.Error("two keys got the same reference")
	}
}

func TestGenerateRejects(t *testing.T) {
	s := openStore(t, newToken(t))
	tests := []struct {
		name, label, alg string
		want             error
	}{
		{"ed25519", "k", "ed25519", ErrUnsupportedAlgorithm},
		{"unknown algorithm", "k", "rsa-1024", ErrUnsupportedAlgorithm},
		{"empty label", "", "ecdsa-p256", ErrInvalidRef},
		{"control character", "a\nb", "ecdsa-p256", ErrInvalidRef},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.Generate(context.Background(), tt.label, tt.alg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Generate(%q, %q) = %v, want %v", tt.label, tt.alg, err, tt.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Generate(ctx, "k", "ecdsa-p256"); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate with a canceled context = %v", err)
	}
}

// The private key never leaves the token: it is sensitive, never
// extractable, and reading its value fails.
func TestKeyNotExtractable(t *testing.T) {
	s := openStore(t, newToken(t))
	secret := map[string]crypto11.AttributeType{
		"ecdsa-p256": crypto11.CkaValue,
		"rsa-3072":   crypto11.CkaPrivateExponent,
	}
	for alg, valueAttr := range secret {
		t.Run(alg, func(t *testing.T) {
			k, _ := generate(t, s, "secret "+alg, alg)
			flags, err := s.ctx.GetAttributes(k.k, []crypto11.AttributeType{
				crypto11.CkaToken, crypto11.CkaPrivate, crypto11.CkaSensitive, crypto11.CkaExtractable,
				crypto11.CkaAlwaysSensitive, crypto11.CkaNeverExtractable,
			})
			if err != nil {
				t.Fatalf("GetAttributes: %v", err)
			}
			want := map[crypto11.AttributeType]byte{
				crypto11.CkaToken: 1, crypto11.CkaPrivate: 1, crypto11.CkaSensitive: 1, crypto11.CkaExtractable: 0,
				crypto11.CkaAlwaysSensitive: 1, crypto11.CkaNeverExtractable: 1,
			}
			for typ, v := range want {
				if got := flags[typ].Value; !bytes.Equal(got, []byte{v}) {
					t.Errorf("attribute %#x = %v, want %d", typ, got, v)
				}
			}
			_, err = s.ctx.GetAttribute(k.k, valueAttr)
			if !errors.Is(err, p11.Error(p11.CKR_ATTRIBUTE_SENSITIVE)) {
				t.Errorf("reading the private value: err = %v, want CKR_ATTRIBUTE_SENSITIVE", err)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	s := openStore(t, newToken(t))
	_, ref := generate(t, s, "issuing", "ecdsa-p256")
	r, _ := ParseRef(ref)
	tests := []struct {
		name, ref string
		want      error
	}{
		{"not a pkcs11 ref", "file:issuing", ErrInvalidRef},
		{"unknown attribute", ref + ";slot-id=1", ErrInvalidRef},
		{"pin in query", ref + "?pin-value=1234", ErrInvalidRef},
		{"other token", Ref{Token: "other", ID: r.ID, Object: r.Object}.String(), ErrKeyNotFound},
		{"unknown id", Ref{Token: testToken, ID: []byte{1, 2, 3}}.String(), ErrKeyNotFound},
		{"wrong label", Ref{Token: testToken, ID: r.ID, Object: "root"}.String(), ErrKeyNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Load(context.Background(), tt.ref); !errors.Is(err, tt.want) {
				t.Fatalf("Load(%q) = %v, want %v", tt.ref, err, tt.want)
			}
		})
	}
	t.Run("id without label", func(t *testing.T) {
		k, err := s.Load(context.Background(), Ref{Token: testToken, ID: r.ID}.String())
		if err != nil {
			t.Fatal(err)
		}
		verify(t, k, "id only")
	})
}

func TestOpenErrors(t *testing.T) {
	cfg := newToken(t)
	tests := []struct {
		name   string
		modify func(*Config)
		want   error // nil: any error
	}{
		{"wrong PIN", func(c *Config) { c.PIN = "9876" }, ErrLogin},
		{"empty PIN", func(c *Config) { c.PIN = "" }, ErrInvalidConfig},
		{"no module", func(c *Config) { c.ModulePath = "" }, ErrInvalidConfig},
		{"no token", func(c *Config) { c.TokenLabel = "" }, ErrInvalidConfig},
		{"one session", func(c *Config) { c.MaxSessions = 1 }, ErrInvalidConfig},
		{"unknown token", func(c *Config) { c.TokenLabel = "nope" }, nil},
		{"missing module", func(c *Config) { c.ModulePath = "/nonexistent/libsofthsm2.so" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cfg
			tt.modify(&c)
			s, err := Open(c)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			t.Logf("Open: %v", err)
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Open = %v, want %v", err, tt.want)
			}
			for _, pin := range []string{c.PIN, testPIN} {
				if pin != "" && strings.Contains(err.Error(), pin) {
					t.Errorf("error %q contains the PIN", err)
				}
			}
		})
	}
	// The right PIN still works after a wrong one (SoftHSM2 does not lock).
	openStore(t, cfg)
}

// Config never shows its PIN when printed or logged.
func TestConfigHidesPIN(t *testing.T) {
	cfg := Config{ModulePath: "/m.so", TokenLabel: "t", PIN: "s3cret-pin"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("open", "hsm", cfg)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("open", "hsm", cfg)
	fmt.Fprintf(&buf, "%v %+v %#v %s", cfg, cfg, cfg, cfg)
	if strings.Contains(buf.String(), "s3cret") {
		t.Fatalf("PIN leaked: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "REDACTED") {
		t.Fatalf("output does not say the PIN is redacted: %s", buf.String())
	}
}

// crypto11 contexts are safe for concurrent use: many goroutines sign with
// one key, and with several keys, at once.
func TestConcurrentSign(t *testing.T) {
	s := openStore(t, newToken(t))
	k1, _ := generate(t, s, "a", "ecdsa-p256")
	k2, ref2 := generate(t, s, "b", "ecdsa-p384")
	loaded, err := s.Load(context.Background(), ref2)
	if err != nil {
		t.Fatal(err)
	}
	keys := []crypto.Signer{k1, k2, loaded}
	const goroutines, each = 12, 40
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			k := keys[g%len(keys)]
			for i := range each {
				if err := signAndCheck(k, fmt.Sprintf("%d/%d", g, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func signAndCheck(k crypto.Signer, msg string) error {
	d := sha256.Sum256([]byte(msg))
	sig, err := k.Sign(nil, d[:], crypto.SHA256)
	if err != nil {
		return err
	}
	if !ecdsa.VerifyASN1(k.Public().(*ecdsa.PublicKey), d[:], sig) {
		return fmt.Errorf("signature of %q does not verify", msg)
	}
	return nil
}

// After Close, signers fail cleanly instead of crashing.
func TestSignAfterClose(t *testing.T) {
	cfg := newToken(t)
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := generate(t, s, "k", "ecdsa-p256")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	d := sha256.Sum256([]byte("x"))
	if _, err := k.Sign(nil, d[:], crypto.SHA256); err == nil {
		t.Fatal("Sign after Close succeeded")
	}
}
