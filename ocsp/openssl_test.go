package ocsp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/internal/testtool"
	"github.com/airtight/airtight/ocsp"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/pki/keyfile"
	"github.com/airtight/airtight/sqlstore"
)

// realPKI is the real Authority over a SQLite store and key files, with
// the responder served on a loopback HTTP server whose URL the
// certificates name.
type realPKI struct {
	ctx      context.Context
	auth     *pki.Authority
	resp     *ocsp.Responder
	srv      *httptest.Server
	issuing  *pki.CA
	chain    []*x509.Certificate // issuing, root
	dir      string
	deviceCA int64
}

func newRealPKI(t *testing.T) *realPKI {
	t.Helper()
	dir := t.TempDir()
	bg := context.Background()
	db, err := sqlstore.Open(bg, filepath.Join(dir, "airtight.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	org := &airtight.Organization{Slug: "riverside", Name: "Riverside General", Kind: airtight.OrgHospital}
	if err := db.CreateOrganization(bg, org); err != nil {
		t.Fatal(err)
	}
	keys, err := keyfile.New(filepath.Join(dir, "keys"), []byte("correct horse battery"),
		keyfile.WithParams(keyfile.Params{Time: 1, Memory: 64, Threads: 1}))
	if err != nil {
		t.Fatal(err)
	}
	p := &realPKI{ctx: airtight.NewContext(bg, airtight.SystemActor(org.ID, "test")), dir: dir}
	var h http.Handler = http.NotFoundHandler()
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(p.srv.Close)
	p.auth = pki.NewAuthority(db, keys, pki.WithPublicURL(p.srv.URL))
	if _, p.issuing, err = p.auth.Init(p.ctx, pki.InitOptions{Name: "Riverside General Device CA"}); err != nil {
		t.Fatal(err)
	}
	if p.chain, err = p.auth.Chain(p.ctx, p.issuing.ID); err != nil {
		t.Fatal(err)
	}
	if p.resp, err = ocsp.New(ocsp.Config{Signers: p.auth, Store: db, CRLs: p.auth}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, rt := range p.resp.Routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, rt.Handler)
	}
	h = mux
	return p
}

// issueDevice issues a device identity from a fresh key's CSR.
func (p *realPKI) issueDevice(t *testing.T) (*pki.Certificate, *x509.Certificate) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "pump"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.ParseCSR(csrDER)
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.auth.Issue(p.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "SN-4711"})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(c.DER)
	if err != nil {
		t.Fatal(err)
	}
	return c, cert
}

func writePEM(t *testing.T, path, typ string, ders ...[]byte) string {
	t.Helper()
	var b []byte
	for _, d := range ders {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: d})...)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

// TestOpenSSL: openssl ocsp sees good, then revoked with the reason after
// Service.Revoke; openssl verify -crl_check with the served CRL refuses
// the revoked certificate.
func TestOpenSSL(t *testing.T) {
	openssl := testtool.Path(t, "openssl")
	p := newRealPKI(t)
	rec, dev := p.issueDevice(t)
	id := strconv.FormatInt(p.issuing.ID, 10)
	wantOCSP, wantCRL := p.srv.URL+"/pki/ocsp/"+id, p.srv.URL+"/pki/crl/"+id+".crl"
	if len(dev.OCSPServer) != 1 || dev.OCSPServer[0] != wantOCSP || len(dev.CRLDistributionPoints) != 1 || dev.CRLDistributionPoints[0] != wantCRL {
		t.Fatalf("AIA %v, CDP %v; want %s, %s", dev.OCSPServer, dev.CRLDistributionPoints, wantOCSP, wantCRL)
	}
	issuer := writePEM(t, filepath.Join(p.dir, "issuing.pem"), "CERTIFICATE", p.chain[0].Raw)
	chain := writePEM(t, filepath.Join(p.dir, "chain.pem"), "CERTIFICATE", p.chain[0].Raw, p.chain[1].Raw)
	devPEM := writePEM(t, filepath.Join(p.dir, "dev.pem"), "CERTIFICATE", dev.Raw)
	query := func() string {
		out, err := run(t, openssl, "ocsp", "-issuer", issuer, "-cert", devPEM, "-url", dev.OCSPServer[0], "-CAfile", chain, "-resp_text")
		if err != nil || !strings.Contains(out, "Response verify OK") {
			t.Fatalf("openssl ocsp: %v\n%s", err, out)
		}
		return out
	}
	if out := query(); !strings.Contains(out, devPEM+": good") {
		t.Fatalf("before revoke:\n%s", out)
	}
	verify := func() (string, error) {
		crl := writePEM(t, filepath.Join(p.dir, "crl.pem"), "X509 CRL", p.fetchCRL(t, dev.CRLDistributionPoints[0]))
		return run(t, openssl, "verify", "-crl_check", "-CAfile", chain, "-CRLfile", crl, devPEM)
	}
	if out, err := verify(); err != nil {
		t.Fatalf("openssl verify before revoke: %v\n%s", err, out)
	}

	revoked, err := p.auth.Revoke(p.ctx, rec.Serial, pki.ReasonKeyCompromise)
	if err != nil {
		t.Fatal(err)
	}
	p.resp.Invalidate(revoked.CAID, revoked.Serial) // what the server wiring does after Revoke
	out := query()
	if !strings.Contains(out, devPEM+": revoked") || !strings.Contains(out, "Reason: keyCompromise") {
		t.Fatalf("after revoke:\n%s", out)
	}
	if out, err := verify(); err == nil || !strings.Contains(out, "certificate revoked") {
		t.Fatalf("openssl verify after revoke: %v\n%s", err, out)
	}
}

// fetchCRL gets the CRL from the CRL endpoint. Known cross-package issue:
// Authority.CRL is documented unscoped but calls Store.WalkRevoked, which
// sqlstore scopes to an actor, so public CRL requests fail; until that is
// fixed the CRL comes from Authority.CRL with the organization's actor and
// the endpoint check is logged, not failed.
func (p *realPKI) fetchCRL(t *testing.T, url string) []byte {
	t.Helper()
	b, err := fetch(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return b
}

func fetch(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pkix-crl" {
		return nil, fmt.Errorf("HTTP %d %q: %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	return b, nil
}

// TestOpenSSLDeltaCRL: over HTTP from the real Authority and SQLite store,
// the full CRL names the delta CRL (FreshestCRL), and openssl with
// -use_deltas finds a certificate revoked after the full CRL revoked
// through the delta, which the full CRL alone passes.
func TestOpenSSLDeltaCRL(t *testing.T) {
	openssl := testtool.Path(t, "openssl")
	p := newRealPKI(t)
	recA, devA := p.issueDevice(t)
	recB, devB := p.issueDevice(t)
	if _, err := p.auth.Revoke(p.ctx, recA.Serial, pki.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	full := writePEM(t, filepath.Join(p.dir, "full.pem"), "X509 CRL", p.fetchCRL(t, devA.CRLDistributionPoints[0]))
	if _, err := p.auth.Revoke(p.ctx, recB.Serial, pki.ReasonSuperseded); err != nil {
		t.Fatal(err)
	}
	deltaURL := fmt.Sprintf("%s/pki/crl/%d-delta.crl", p.srv.URL, p.issuing.ID)
	delta := writePEM(t, filepath.Join(p.dir, "delta.pem"), "X509 CRL", p.fetchCRL(t, deltaURL))
	if text, err := run(t, openssl, "crl", "-in", full, "-noout", "-text"); err != nil ||
		!strings.Contains(text, "Freshest CRL") || !strings.Contains(text, deltaURL) {
		t.Errorf("full CRL does not name %s: %v\n%s", deltaURL, err, text)
	}
	chain := writePEM(t, filepath.Join(p.dir, "chain.pem"), "CERTIFICATE", p.chain[0].Raw, p.chain[1].Raw)
	pemA := writePEM(t, filepath.Join(p.dir, "a.pem"), "CERTIFICATE", devA.Raw)
	pemB := writePEM(t, filepath.Join(p.dir, "b.pem"), "CERTIFICATE", devB.Raw)
	// -extended_crl: see pki's TestOpenSSLDeltaCRL.
	verify := func(cert string, crls ...string) (string, error) {
		args := []string{"verify", "-crl_check", "-use_deltas", "-extended_crl", "-CAfile", chain}
		for _, c := range crls {
			args = append(args, "-CRLfile", c)
		}
		return run(t, openssl, append(args, cert)...)
	}
	if out, err := verify(pemB, full); err != nil {
		t.Errorf("B with the full CRL alone: %v\n%s", err, out)
	}
	for _, cert := range []string{pemA, pemB} {
		if out, err := verify(cert, full, delta); err == nil || !strings.Contains(out, "certificate revoked") {
			t.Errorf("%s with full and delta CRLs: %v\n%s", filepath.Base(cert), err, out)
		}
	}
}
