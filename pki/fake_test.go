package pki_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

// memStore is an in-memory pki.Store, scoped by the actor like the real one.
type memStore struct {
	mu     sync.Mutex
	nextID int64
	cas    []*pki.CA
	certs  map[string]*pki.Certificate
	bulk   map[int64][]pki.Revoked // extra revoked entries, in serial order (benchmarks)
	now    func() time.Time
}

func newMemStore() *memStore {
	return &memStore{certs: map[string]*pki.Certificate{}, bulk: map[int64][]pki.Revoked{}, now: time.Now}
}

var (
	_ pki.Store      = (*memStore)(nil)
	_ pki.DeltaStore = (*memStore)(nil)
)

func org(ctx context.Context) (int64, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return 0, err
	}
	return a.OrgID, nil
}

func (s *memStore) CreateCA(ctx context.Context, ca *pki.CA) error {
	o, err := org(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	ca.ID, ca.OrgID, ca.CreatedAt = s.nextID, o, s.now()
	c := *ca
	s.cas = append(s.cas, &c)
	return nil
}

func (s *memStore) ListCAs(ctx context.Context) ([]*pki.CA, error) {
	o, err := org(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*pki.CA
	for _, ca := range s.cas {
		if ca.OrgID == o {
			c := *ca
			out = append(out, &c)
		}
	}
	return out, nil
}

func (s *memStore) FindCA(ctx context.Context, id int64) (*pki.CA, error) {
	o, err := org(ctx)
	if err != nil {
		return nil, err
	}
	ca, err := s.FindCAUnscoped(ctx, id)
	if err != nil || ca.OrgID != o {
		return nil, airtight.Errorf(airtight.ENotFound, "CA not found")
	}
	return ca, nil
}

func (s *memStore) FindCAUnscoped(_ context.Context, id int64) (*pki.CA, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ca := range s.cas {
		if ca.ID == id {
			c := *ca
			return &c, nil
		}
	}
	return nil, airtight.Errorf(airtight.ENotFound, "CA not found")
}

func (s *memStore) CreateCertificate(ctx context.Context, c *pki.Certificate) error {
	o, err := org(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.certs[c.Serial]; dup {
		return airtight.Errorf(airtight.EConflict, "duplicate serial")
	}
	c.OrgID, c.CreatedAt = o, s.now()
	cc := *c
	s.certs[c.Serial] = &cc
	return nil
}

func (s *memStore) FindCertificate(ctx context.Context, serial string) (*pki.Certificate, error) {
	o, err := org(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.certs[serial]
	if !ok || c.OrgID != o {
		return nil, airtight.Errorf(airtight.ENotFound, "certificate not found")
	}
	cc := *c
	return &cc, nil
}

func (s *memStore) FindCertificateUnscoped(_ context.Context, caID int64, serial string) (*pki.Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.certs[serial]
	if !ok || c.CAID != caID {
		return nil, airtight.Errorf(airtight.ENotFound, "certificate not found")
	}
	cc := *c
	return &cc, nil
}

func (s *memStore) ListCertificates(ctx context.Context, f pki.CertificateFilter) ([]*pki.Certificate, string, error) {
	o, err := org(ctx)
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*pki.Certificate
	for _, c := range s.certs {
		switch {
		case c.OrgID != o, f.CAID != 0 && c.CAID != f.CAID, f.DeviceID != 0 && c.DeviceID != f.DeviceID,
			f.Status != "" && c.Status != f.Status,
			f.ExpiringWithin > 0 && (c.Status != pki.StatusGood || !c.NotAfter.Before(s.now().Add(f.ExpiringWithin))):
			continue
		}
		cc := *c
		out = append(out, &cc)
	}
	slices.SortFunc(out, func(a, b *pki.Certificate) int { return a.NotAfter.Compare(b.NotAfter) })
	return out, "", nil
}

func (s *memStore) RevokeCertificate(ctx context.Context, serial string, reason pki.Reason) (*pki.Certificate, error) {
	o, err := org(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.certs[serial]
	if !ok || c.OrgID != o {
		return nil, airtight.Errorf(airtight.ENotFound, "certificate not found")
	}
	if c.Status == pki.StatusRevoked {
		return nil, airtight.Errorf(airtight.EConflict, "already revoked")
	}
	now := s.now().UTC().Truncate(time.Second)
	c.Status, c.RevokedAt, c.Reason = pki.StatusRevoked, &now, reason
	cc := *c
	return &cc, nil
}

func (s *memStore) WalkRevoked(_ context.Context, caID int64, fn func(pki.Revoked) error) error {
	s.mu.Lock()
	var rs []pki.Revoked
	for _, c := range s.certs {
		if c.CAID == caID && c.Status == pki.StatusRevoked {
			rs = append(rs, pki.Revoked{Serial: c.Serial, RevokedAt: *c.RevokedAt, Reason: c.Reason})
		}
	}
	bulk := s.bulk[caID]
	s.mu.Unlock()
	slices.SortFunc(rs, func(a, b pki.Revoked) int { return strings.Compare(a.Serial, b.Serial) })
	for _, r := range append(rs, bulk...) {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// WalkRevokedSince walks the revoked certificates (bulk entries included)
// revoked strictly after since.
func (s *memStore) WalkRevokedSince(ctx context.Context, caID int64, since time.Time, fn func(pki.Revoked) error) error {
	return s.WalkRevoked(ctx, caID, func(r pki.Revoked) error {
		if !r.RevokedAt.After(since) {
			return nil
		}
		return fn(r)
	})
}

// memKeys is an in-memory pki.KeyStore that can export and delete.
type memKeys struct {
	mu   sync.Mutex
	keys map[string]crypto.Signer
	n    int
}

func newMemKeys() *memKeys { return &memKeys{keys: map[string]crypto.Signer{}} }

var _ pki.KeyExporter = (*memKeys)(nil)

func (m *memKeys) Generate(_ context.Context, label, alg string) (crypto.Signer, string, error) {
	k, err := genKey(alg)
	if err != nil {
		return nil, "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	ref := fmt.Sprintf("mem:%s-%d", label, m.n)
	m.keys[ref] = k
	return k, ref, nil
}

func (m *memKeys) Load(_ context.Context, ref string) (crypto.Signer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[ref]
	if !ok {
		return nil, airtight.Errorf(airtight.ENotFound, "no key %s", ref)
	}
	return k, nil
}

func (m *memKeys) Export(ctx context.Context, ref string, pass []byte) ([]byte, error) {
	if _, err := m.Load(ctx, ref); err != nil {
		return nil, err
	}
	return []byte("sealed:" + ref), nil
}

func (m *memKeys) Delete(_ context.Context, ref string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, ref)
	return nil
}

func genKey(alg string) (crypto.Signer, error) {
	switch alg {
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
	return nil, fmt.Errorf("unknown algorithm %q", alg)
}

// fixture is an Authority with initialised CAs for organization 1.
type fixture struct {
	store           *memStore
	keys            *memKeys
	auth            *pki.Authority
	ctx             context.Context
	root, issuing   *pki.CA
	rootC, issuingC *x509.Certificate
}

const testURL = "https://ca.riverside.example:8443"

func newFixture(t testing.TB, alg string, opts ...pki.Option) *fixture {
	t.Helper()
	f := &fixture{store: newMemStore(), keys: newMemKeys()}
	f.auth = pki.NewAuthority(f.store, f.keys, append([]pki.Option{pki.WithPublicURL(testURL)}, opts...)...)
	f.ctx = airtight.NewContext(context.Background(), airtight.SystemActor(1, "test"))
	var err error
	f.root, f.issuing, err = f.auth.Init(f.ctx, pki.InitOptions{Name: "Riverside Device CA", Algorithm: alg})
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	f.rootC, _ = f.root.Certificate()
	f.issuingC, _ = f.issuing.Certificate()
	return f
}

// csrFor returns a parsed CSR for a fresh key of alg with the template.
func csrFor(t testing.TB, alg string, tmpl *x509.CertificateRequest) (*x509.CertificateRequest, crypto.Signer) {
	t.Helper()
	key, err := genKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl == nil {
		tmpl = &x509.CertificateRequest{Subject: pkix.Name{CommonName: "device"}}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.ParseCSR(der)
	if err != nil {
		t.Fatalf("ParseCSR: %v", err)
	}
	return csr, key
}

// verify checks cert chains to the fixture's root through its issuing CA.
func (f *fixture) verify(t testing.TB, cert *x509.Certificate, usage x509.ExtKeyUsage) {
	t.Helper()
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(f.rootC)
	inter.AddCert(f.issuingC)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		t.Fatalf("verify: %v", err)
	}
}
