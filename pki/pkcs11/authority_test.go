//go:build pkcs11 && cgo

package pkcs11

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/ThalesGroup/crypto11"
	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

// The must-show of issue 6: SoftHSM2 holds the root and issuing CA keys of
// a hierarchy made by pki.Authority.Init, the issuing key signs a device
// certificate that verifies against the chain, and after the store is
// reopened the Authority finds the issuing key again by its reference.
func TestAuthorityKeysInSoftHSM(t *testing.T) {
	for _, alg := range []string{"ecdsa-p256", "rsa-3072"} {
		t.Run(alg, func(t *testing.T) { testAuthority(t, alg) })
	}
}

func testAuthority(t *testing.T, alg string) {
	cfg := newToken(t)
	hsm := openStore(t, cfg)
	store := &caStore{}
	ctx := airtight.NewContext(context.Background(), airtight.SystemActor(1, "test"))
	root, issuing, err := pki.NewAuthority(store, hsm).Init(ctx, pki.InitOptions{Name: "HSM Test CA", Algorithm: alg})
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	for _, ca := range []*pki.CA{root, issuing} {
		checkKeyInHSM(t, hsm, ca)
	}
	issueAndVerify(t, ctx, pki.NewAuthority(store, hsm), root, issuing)

	// A fresh store and Authority load the issuing key by its reference.
	if err := hsm.Close(); err != nil {
		t.Fatal(err)
	}
	issueAndVerify(t, ctx, pki.NewAuthority(store, openStore(t, cfg)), root, issuing)
}

// checkKeyInHSM checks that the CA's key reference names a non-extractable
// key on the test token whose public key is the CA certificate's.
func checkKeyInHSM(t *testing.T, hsm *KeyStore, ca *pki.CA) {
	t.Helper()
	if !strings.HasPrefix(ca.KeyRef, "pkcs11:token="+testToken+";") {
		t.Fatalf("%s CA key ref = %q, want one on the SoftHSM token", ca.Kind, ca.KeyRef)
	}
	k, err := hsm.Load(context.Background(), ca.KeyRef)
	if err != nil {
		t.Fatalf("Load %s CA key: %v", ca.Kind, err)
	}
	cert, err := ca.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	if !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(cert.PublicKey) {
		t.Fatalf("%s CA certificate does not hold the HSM key's public key", ca.Kind)
	}
	if !neverExtractable(t, hsm, k) {
		t.Fatalf("%s CA key is extractable", ca.Kind)
	}
}

func issueAndVerify(t *testing.T, ctx context.Context, a *pki.Authority, root, issuing *pki.CA) {
	t.Helper()
	csr := deviceCSR(t)
	c, err := a.Issue(ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "SN-0042"})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if c.CAID != issuing.ID {
		t.Fatalf("issued by CA %d, want the issuing CA %d", c.CAID, issuing.ID)
	}
	chain, err := a.Chain(ctx, issuing.ID)
	if err != nil || len(chain) != 2 {
		t.Fatalf("Chain: %d certificates, %v", len(chain), err)
	}
	cert, err := x509.ParseCertificate(c.DER)
	if err != nil {
		t.Fatal(err)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(chain[1])
	inter.AddCert(chain[0])
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if _, err := cert.Verify(opts); err != nil {
		t.Fatalf("issued certificate does not verify against the chain: %v", err)
	}
	if !chain[1].Equal(mustCert(t, root)) || !chain[0].Equal(mustCert(t, issuing)) {
		t.Fatal("Chain returned other certificates than Init made")
	}
}

// An offline root needs a key store that can export keys; an HSM keeps its
// keys, so Init refuses before generating anything.
func TestAuthorityOfflineRootRefused(t *testing.T) {
	hsm := openStore(t, newToken(t))
	store := &caStore{}
	ctx := airtight.NewContext(context.Background(), airtight.SystemActor(1, "test"))
	_, _, err := pki.NewAuthority(store, hsm).Init(ctx, pki.InitOptions{
		OfflineRoot: true, OfflineRootPassphrase: []byte("correct horse battery"),
		OfflineRootSink: func([]byte) error { return nil },
	})
	if err == nil || len(store.cas) != 0 {
		t.Fatalf("Init with an offline root on an HSM: err=%v, %d CAs", err, len(store.cas))
	}
}

func neverExtractable(t *testing.T, hsm *KeyStore, k crypto.Signer) bool {
	t.Helper()
	s, ok := k.(*signer)
	if !ok {
		t.Fatalf("key is a %T, not an HSM signer", k)
	}
	a, err := hsm.ctx.GetAttribute(s.k, crypto11.CkaNeverExtractable)
	if err != nil {
		t.Fatal(err)
	}
	return len(a.Value) == 1 && a.Value[0] == 1
}

func deviceCSR(t *testing.T) *x509.CertificateRequest {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "device"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.ParseCSR(der)
	if err != nil {
		t.Fatal(err)
	}
	return csr
}

func mustCert(t *testing.T, ca *pki.CA) *x509.Certificate {
	t.Helper()
	c, err := ca.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// caStore is the part of pki.Store that Init, Issue and Chain use, in
// memory, for one organization.
type caStore struct {
	mu    sync.Mutex
	cas   []*pki.CA
	certs []*pki.Certificate
}

var _ pki.Store = (*caStore)(nil)

var errNotNeeded = errors.New("not needed by these tests")

func (s *caStore) CreateCA(ctx context.Context, ca *pki.CA) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ca.ID, ca.OrgID = int64(len(s.cas)+1), airtight.ActorFrom(ctx).OrgID
	c := *ca
	s.cas = append(s.cas, &c)
	return nil
}

func (s *caStore) ListCAs(context.Context) ([]*pki.CA, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*pki.CA(nil), s.cas...), nil
}

func (s *caStore) FindCA(_ context.Context, id int64) (*pki.CA, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || int(id) > len(s.cas) {
		return nil, airtight.Errorf(airtight.ENotFound, "CA %d not found", id)
	}
	return s.cas[id-1], nil
}

func (s *caStore) FindCAUnscoped(ctx context.Context, id int64) (*pki.CA, error) {
	return s.FindCA(ctx, id)
}

func (s *caStore) CreateCertificate(_ context.Context, c *pki.Certificate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.certs = append(s.certs, c)
	return nil
}

func (s *caStore) FindCertificate(context.Context, string) (*pki.Certificate, error) {
	return nil, errNotNeeded
}

func (s *caStore) FindCertificateUnscoped(context.Context, int64, string) (*pki.Certificate, error) {
	return nil, errNotNeeded
}

func (s *caStore) ListCertificates(context.Context, pki.CertificateFilter) ([]*pki.Certificate, string, error) {
	return nil, "", errNotNeeded
}

func (s *caStore) RevokeCertificate(context.Context, string, pki.Reason) (*pki.Certificate, error) {
	return nil, errNotNeeded
}

func (s *caStore) WalkRevoked(context.Context, int64, func(pki.Revoked) error) error {
	return errNotNeeded
}
