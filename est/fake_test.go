package est

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
)

// testCA is a root and an issuing CA made in memory.
type testCA struct {
	root, issuing       *x509.Certificate
	rootKey, issuingKey crypto.Signer
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func randSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n.Add(n, big.NewInt(1))
}

func signCert(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{SerialNumber: randSerial(), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
}

func newTestCA(t testing.TB, name string) *testCA {
	t.Helper()
	rk, ik := newKey(t), newKey(t)
	root := signCert(t, caTemplate(name+" Root"), nil, rk.Public(), rk)
	issuing := signCert(t, caTemplate(name+" Issuing"), root, ik.Public(), rk)
	return &testCA{root: root, issuing: issuing, rootKey: rk, issuingKey: ik}
}

// leaf issues an end-entity certificate for pub.
func (ca *testCA) leaf(t testing.TB, subject pkix.Name, dns []string, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	c, err := ca.sign(subject, dns, pub)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (ca *testCA) sign(subject pkix.Name, dns []string, pub crypto.PublicKey) (*x509.Certificate, error) {
	tmpl := &x509.Certificate{SerialNumber: randSerial(), Subject: subject, DNSNames: dns,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.issuing, pub, ca.issuingKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// fakeService is a pki.Service that signs with a testCA and records what
// it issued (also as the CertificateStore).
type fakeService struct {
	pki.Service // unimplemented methods panic
	ca          *testCA
	enroll      *fakeEnroll // spends IssueRequest.SpendToken, as the store does
	mu          sync.Mutex
	issued      []pki.IssueRequest
	certs       map[string]*pki.Certificate
}

func (f *fakeService) Chain(ctx context.Context, caID int64) ([]*x509.Certificate, error) {
	return []*x509.Certificate{f.ca.issuing, f.ca.root}, nil
}

func (f *fakeService) Issue(ctx context.Context, req pki.IssueRequest) (*pki.Certificate, error) {
	a := airtight.ActorFrom(ctx)
	if a == nil || a.OrgID == 0 {
		return nil, errors.New("no actor")
	}
	if err := pki.CheckCSR(req.CSR); err != nil { // as the Authority does, signature included
		return nil, err
	}
	c, err := f.ca.sign(pkix.Name{CommonName: req.CSR.Subject.CommonName, SerialNumber: req.DeviceSerial},
		req.CSR.DNSNames, req.CSR.PublicKey)
	if err != nil {
		return nil, err
	}
	if req.SpendToken != "" {
		if _, err := f.enroll.UseEnrollmentToken(ctx, req.SpendToken); err != nil {
			return nil, err
		}
	}
	rec := &pki.Certificate{Serial: pki.FormatSerial(c.SerialNumber), OrgID: a.OrgID, CAID: 2, DeviceID: req.DeviceID,
		Profile: req.Profile, DER: c.Raw, Status: pki.StatusGood}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issued = append(f.issued, req)
	f.certs[rec.Serial] = rec
	return rec, nil
}

func (f *fakeService) issuedCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.issued)
}

func (f *fakeService) ListCAs(ctx context.Context) ([]*pki.CA, error) {
	return []*pki.CA{{ID: 1, Kind: pki.RootCA, CertDER: f.ca.root.Raw}, {ID: 2, Kind: pki.IssuingCA, ParentID: 1, CertDER: f.ca.issuing.Raw}}, nil
}

func (f *fakeService) FindCertificate(ctx context.Context, serial string) (*pki.Certificate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.certs[serial]
	if !ok || c.OrgID != airtight.ActorFrom(ctx).OrgID {
		return nil, airtight.Errorf(airtight.ENotFound, "certificate not found")
	}
	return c, nil
}

// fakeEnroll holds enrollment tokens and trust anchors in memory.
type fakeEnroll struct {
	pki.EnrollmentStore
	mu      sync.Mutex
	now     func() time.Time
	tokens  map[string]*pki.EnrollmentToken
	anchors map[int64][]*pki.TrustAnchor
}

func (f *fakeEnroll) UseEnrollmentToken(ctx context.Context, hash string) (*pki.EnrollmentToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[hash]
	if !ok || t.UsedAt != nil || !f.now().Before(t.ExpiresAt) {
		return nil, airtight.Errorf(airtight.EUnauthorized, "invalid enrollment token")
	}
	now := f.now()
	t.UsedAt = &now
	c := *t
	return &c, nil
}

func (f *fakeEnroll) FindEnrollmentToken(ctx context.Context, hash string) (*pki.EnrollmentToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[hash]
	if !ok || t.UsedAt != nil || !f.now().Before(t.ExpiresAt) {
		return nil, airtight.Errorf(airtight.EUnauthorized, "invalid enrollment token")
	}
	c := *t
	return &c, nil
}

func (f *fakeEnroll) ListTrustAnchors(ctx context.Context, orgID int64) ([]*pki.TrustAnchor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.anchors[orgID], nil
}

type fakeOrgs struct {
	airtight.OrganizationService
	orgs map[string]*airtight.Organization
}

func (f *fakeOrgs) FindOrganizationBySlug(ctx context.Context, slug string) (*airtight.Organization, error) {
	if o, ok := f.orgs[slug]; ok {
		return o, nil
	}
	return nil, airtight.Errorf(airtight.ENotFound, "organization not found")
}

type fakeDevices struct {
	inventory.DeviceService
	devices []*inventory.Device
}

func (f *fakeDevices) FindDevice(ctx context.Context, id int64) (*inventory.Device, error) {
	for _, d := range f.devices {
		if d.ID == id && d.OrgID == airtight.ActorFrom(ctx).OrgID {
			return d, nil
		}
	}
	return nil, airtight.Errorf(airtight.ENotFound, "device not found")
}

func (f *fakeDevices) ListDevices(ctx context.Context, flt inventory.DeviceFilter) (*inventory.DevicePage, error) {
	page := &inventory.DevicePage{}
	for _, d := range f.devices {
		if d.OrgID == airtight.ActorFrom(ctx).OrgID && strings.Contains(strings.ToLower(d.SerialNumber), strings.ToLower(flt.Query)) {
			page.Devices = append(page.Devices, d)
		}
	}
	return page, nil
}

// env is an EST server over fakes: organizations "riverside" (1) and
// "lakeside" (2); device 10 of riverside has serial SN-1001.
type env struct {
	srv     *Server
	h       http.Handler
	svc     *fakeService
	enroll  *fakeEnroll
	devices *fakeDevices
	ca      *testCA
	logs    *syncBuffer
	now     time.Time
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{ca: newTestCA(t, "Riverside"), logs: &syncBuffer{}, now: time.Now()}
	e.enroll = &fakeEnroll{now: time.Now, tokens: map[string]*pki.EnrollmentToken{}, anchors: map[int64][]*pki.TrustAnchor{}}
	e.svc = &fakeService{ca: e.ca, certs: map[string]*pki.Certificate{}, enroll: e.enroll}
	e.devices = &fakeDevices{devices: []*inventory.Device{
		{ID: 10, OrgID: 1, AssetTag: "INF-1001", SerialNumber: "SN-1001", Hostname: "pump-1001.riverside.example", IP: "10.1.2.3"},
		{ID: 11, OrgID: 1, AssetTag: "INF-1002", SerialNumber: "SN-10012"},
		{ID: 20, OrgID: 2, AssetTag: "MON-2001", SerialNumber: "SN-2001"},
	}}
	orgs := &fakeOrgs{orgs: map[string]*airtight.Organization{
		"riverside": {ID: 1, Slug: "riverside", Name: "Riverside"},
		"lakeside":  {ID: 2, Slug: "lakeside", Name: "Lakeside"},
	}}
	srv, err := New(Config{Service: e.svc, Certs: e.svc, Enroll: e.enroll, Orgs: orgs, Devices: e.devices,
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	e.srv, e.h = srv, srv.Handler()
	return e
}

// token creates a token for device in org and returns its secret.
func (e *env) token(orgID, deviceID int64, expires time.Duration) string {
	secret, hash := auth.NewSecret("aet_")
	e.enroll.mu.Lock()
	defer e.enroll.mu.Unlock()
	e.enroll.tokens[hash] = &pki.EnrollmentToken{ID: int64(len(e.enroll.tokens) + 1), OrgID: orgID, DeviceID: deviceID,
		Profile: pki.ProfileDeviceLDevID, Hash: hash, ExpiresAt: time.Now().Add(expires)}
	return secret
}

// csr makes a base64 PKCS#10 request for key with the template's names.
func csrBase64(t testing.TB, tmpl *x509.CertificateRequest, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(base64.StdEncoding.EncodeToString(der))
}

func pumpCSR(t testing.TB) []byte {
	return csrBase64(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "pump-1001.riverside.example"},
		DNSNames: []string{"pump-1001.riverside.example"}}, newKey(t))
}

type reqOpt func(*http.Request)

func basic(secret string) reqOpt {
	return func(r *http.Request) { r.SetBasicAuth("device", secret) }
}

func clientCerts(certs ...*x509.Certificate) reqOpt {
	return func(r *http.Request) { r.TLS = &tls.ConnectionState{PeerCertificates: certs} }
}

func contentType(ct string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Content-Type", ct) }
}

// do sends one request to the handler.
func (e *env) do(method, path string, body []byte, opts ...reqOpt) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	r.TLS = &tls.ConnectionState{}
	if body != nil {
		r.Header.Set("Content-Type", "application/pkcs10")
	}
	for _, o := range opts {
		o(r)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// certFrom decodes a certs-only response.
func certsFrom(t testing.TB, w *httptest.ResponseRecorder) []*x509.Certificate {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != mediaCertsOnly {
		t.Fatalf("Content-Type = %q", ct)
	}
	if cte := w.Header().Get("Content-Transfer-Encoding"); cte != "base64" {
		t.Fatalf("Content-Transfer-Encoding = %q", cte)
	}
	der, err := decodeBase64(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	certs, err := parseCertsOnly(der)
	if err != nil {
		t.Fatal(err)
	}
	return certs
}
