package ocsp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/pki"
)

// fakeStore is a hand-written Store: function fields, set per test.
type fakeStore struct {
	findCA   func(ctx context.Context, id int64) (*pki.CA, error)
	findCert func(ctx context.Context, caID int64, serial string) (*pki.Certificate, error)
}

func (f *fakeStore) FindCAUnscoped(ctx context.Context, id int64) (*pki.CA, error) {
	return f.findCA(ctx, id)
}

func (f *fakeStore) FindCertificateUnscoped(ctx context.Context, caID int64, serial string) (*pki.Certificate, error) {
	return f.findCert(ctx, caID, serial)
}

// fakeService is a hand-written Signers and CRLService; without delta, it
// has no delta CRLs.
type fakeService struct {
	signer func(ctx context.Context, caID int64) (crypto.Signer, *x509.Certificate, error)
	crl    func(ctx context.Context, caID int64) ([]byte, error)
	delta  func(ctx context.Context, caID int64) ([]byte, error)
}

func (f *fakeService) OCSPSigner(ctx context.Context, caID int64) (crypto.Signer, *x509.Certificate, error) {
	return f.signer(ctx, caID)
}

func (f *fakeService) CRL(ctx context.Context, caID int64) ([]byte, error) { return f.crl(ctx, caID) }

func (f *fakeService) DeltaCRL(ctx context.Context, caID int64) ([]byte, error) {
	if f.delta == nil {
		return nil, pki.ErrNoDeltaCRL
	}
	return f.delta(ctx, caID)
}

// testCA is an in-memory CA with its certificates: the world the fakes see.
type testCA struct {
	id   int64
	key  *ecdsa.PrivateKey
	cert *x509.Certificate

	mu      sync.Mutex
	certs   map[string]*pki.Certificate
	lookups atomic.Int64 // FindCertificateUnscoped calls
	signs   atomic.Int64 // OCSPSigner calls
	crlNum  int64
	crlDER  []byte // cached until crlNum changes, as the Authority does
	crlAt   int64
	// The delta CRL lists certificates revoked after deltaSince, cached
	// like the full one.
	deltaSince time.Time
	deltaDER   []byte
	deltaAt    int64
}

func newTestCA(t testing.TB, id int64, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(id), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{id: id, key: key, cert: cert, certs: make(map[string]*pki.Certificate)}
}

// issue creates a device certificate with the serial.
func (ca *testCA) issue(t testing.TB, serial int64) *x509.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "infusion pump", SerialNumber: "SN-1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(12 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	s := pki.FormatSerial(cert.SerialNumber)
	ca.mu.Lock()
	ca.certs[s] = &pki.Certificate{Serial: s, CAID: ca.id, DER: der, Status: pki.StatusGood}
	ca.mu.Unlock()
	return cert
}

// revoke marks a certificate revoked in the store only (as another process would).
func (ca *testCA) revoke(serial *big.Int, at time.Time, reason pki.Reason) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	c := *ca.certs[pki.FormatSerial(serial)]
	c.Status, c.RevokedAt, c.Reason = pki.StatusRevoked, &at, reason
	ca.certs[c.Serial] = &c
	ca.crlNum++
}

// fakes returns a store and service backed by the CAs.
func fakes(cas ...*testCA) (*fakeStore, *fakeService) {
	byID := func(id int64) *testCA {
		for _, ca := range cas {
			if ca.id == id {
				return ca
			}
		}
		return nil
	}
	st := &fakeStore{
		findCA: func(_ context.Context, id int64) (*pki.CA, error) {
			if ca := byID(id); ca != nil {
				return &pki.CA{ID: id, Kind: pki.IssuingCA, CertDER: ca.cert.Raw}, nil
			}
			return nil, airtight.Errorf(airtight.ENotFound, "CA not found")
		},
		findCert: func(_ context.Context, caID int64, serial string) (*pki.Certificate, error) {
			if ca := byID(caID); ca != nil {
				ca.lookups.Add(1)
				ca.mu.Lock()
				defer ca.mu.Unlock()
				if c, ok := ca.certs[serial]; ok {
					return c, nil
				}
			}
			return nil, airtight.Errorf(airtight.ENotFound, "certificate not found")
		},
	}
	svc := &fakeService{
		signer: func(_ context.Context, caID int64) (crypto.Signer, *x509.Certificate, error) {
			if ca := byID(caID); ca != nil {
				ca.signs.Add(1)
				return ca.key, ca.cert, nil
			}
			return nil, nil, airtight.Errorf(airtight.ENotFound, "CA not found")
		},
		crl: func(_ context.Context, caID int64) ([]byte, error) {
			if ca := byID(caID); ca != nil {
				return ca.crl()
			}
			return nil, airtight.Errorf(airtight.ENotFound, "CA not found")
		},
		delta: func(_ context.Context, caID int64) ([]byte, error) {
			if ca := byID(caID); ca != nil {
				return ca.deltaCRL()
			}
			return nil, airtight.Errorf(airtight.ENotFound, "CA not found")
		},
	}
	return st, svc
}

// crl builds the CA's CRL from its revoked certificates.
func (ca *testCA) crl() ([]byte, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.crlDER != nil && ca.crlAt == ca.crlNum {
		return ca.crlDER, nil
	}
	tmpl := &x509.RevocationList{Number: big.NewInt(ca.crlNum + 1),
		ThisUpdate: time.Now().Add(-time.Minute).Truncate(time.Second), NextUpdate: time.Now().Add(time.Hour)}
	for _, c := range ca.certs {
		if c.Status == pki.StatusRevoked {
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
				SerialNumber: c.SerialNumber(), RevocationTime: *c.RevokedAt, ReasonCode: int(c.Reason)})
		}
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.cert, ca.key)
	ca.crlDER, ca.crlAt = der, ca.crlNum
	return der, err
}

// deltaCRL builds the CA's delta CRL: the certificates revoked after
// deltaSince, against a base numbered 1.
func (ca *testCA) deltaCRL() ([]byte, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.deltaDER != nil && ca.deltaAt == ca.crlNum {
		return ca.deltaDER, nil
	}
	tmpl := &x509.RevocationList{Number: big.NewInt(ca.crlNum + 2),
		ThisUpdate: time.Now().Add(-time.Minute).Truncate(time.Second), NextUpdate: time.Now().Add(time.Hour),
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 27}, Critical: true, Value: []byte{0x02, 0x01, 0x01}}}}
	for _, c := range ca.certs {
		if c.Status == pki.StatusRevoked && c.RevokedAt.After(ca.deltaSince) {
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
				SerialNumber: c.SerialNumber(), RevocationTime: *c.RevokedAt, ReasonCode: int(c.Reason)})
		}
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.cert, ca.key)
	ca.deltaDER, ca.deltaAt = der, ca.crlNum
	return der, err
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a responder over fakes, served by a ServeMux like the main server's.
type env struct {
	ca, other *testCA
	r         *Responder
	h         http.Handler
	clock     *clock
}

func newEnv(t testing.TB, mod func(*Config)) *env {
	t.Helper()
	e := &env{ca: newTestCA(t, 1, "Riverside Device CA"), other: newTestCA(t, 2, "Other Org CA"),
		clock: &clock{t: time.Now()}}
	st, svc := fakes(e.ca, e.other)
	cfg := Config{Signers: svc, Store: st, CRLs: svc, Now: e.clock.now}
	if mod != nil {
		mod(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.r, e.h = r, mux(t, r.Routes())
	return e
}

func mux(t testing.TB, routes []httpapi.Route) http.Handler {
	t.Helper()
	m := http.NewServeMux()
	for _, rt := range routes {
		h := http.Handler(rt.Handler)
		if rt.MaxBodyBytes > 0 {
			h = http.MaxBytesHandler(h, rt.MaxBodyBytes)
		}
		m.Handle(rt.Method+" "+rt.Pattern, h)
	}
	return m
}

// request builds a DER OCSP request for cert from issuer.
func request(t testing.TB, cert, issuer *x509.Certificate, h crypto.Hash) []byte {
	t.Helper()
	der, err := xocsp.CreateRequest(cert, issuer, &xocsp.RequestOptions{Hash: h})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func post(h http.Handler, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/ocsp-request")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func get(h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// parse checks a signed response and returns it.
func parse(t testing.TB, w *httptest.ResponseRecorder, issuer *x509.Certificate) *xocsp.Response {
	t.Helper()
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/ocsp-response" {
		t.Fatalf("status %d, content type %q", w.Code, w.Header().Get("Content-Type"))
	}
	resp, err := xocsp.ParseResponse(w.Body.Bytes(), issuer)
	if err != nil {
		t.Fatalf("parse response: %v", err)
	}
	return resp
}
