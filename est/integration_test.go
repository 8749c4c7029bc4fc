package est

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	globalsign "github.com/globalsign/est"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/dlp/extract"
	"github.com/airtight/airtight/dlp/policy"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/internal/testtool"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/pki/keyfile"
	"github.com/airtight/airtight/sqlstore"
)

var _ CertificateStore = (*sqlstore.DB)(nil)

// realEnv is the EST server on the real store and Authority, mounted on
// httpapi's server (so its middleware runs too) over TLS on 127.0.0.1,
// requesting (not verifying) client certificates.
type realEnv struct {
	db      *sqlstore.DB
	ctx     context.Context // system actor of the organization
	devices []*inventory.Device
	srv     *httptest.Server
	caPEM   string // the TLS server's certificate, for clients
}

func newRealEnv(t testing.TB, devices int) *realEnv {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "airtight.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	org := &airtight.Organization{Slug: "riverside", Name: "Riverside General", Kind: airtight.OrgHospital}
	if err := db.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	e := &realEnv{db: db, ctx: airtight.NewContext(ctx, airtight.SystemActor(org.ID, "test"))}
	e.importDevices(t, devices)
	keys, err := keyfile.New(filepath.Join(t.TempDir(), "keys"), []byte("correct horse battery"),
		keyfile.WithParams(keyfile.Params{Time: 1, Memory: 64, Threads: 1}))
	if err != nil {
		t.Fatal(err)
	}
	authority := pki.NewAuthority(db, keys)
	if _, _, err := authority.Init(e.ctx, pki.InitOptions{Name: "Riverside Device CA"}); err != nil {
		t.Fatal(err)
	}
	e.start(t, authority)
	return e
}

func (e *realEnv) importDevices(t testing.TB, n int) {
	t.Helper()
	recs := make([]inventory.Record, n)
	for i := range recs {
		recs[i] = inventory.Record{Manufacturer: "Baxter", Model: "Sigma Spectrum", Kind: "infusion-pump",
			Criticality: inventory.LifeSustaining, Version: "8.01",
			Device: inventory.Device{AssetTag: fmt.Sprintf("INF-%05d", i), SerialNumber: fmt.Sprintf("SN%07d", i),
				Hostname: fmt.Sprintf("pump-%05d.riverside.example", i), Status: "active"}}
	}
	if _, err := e.db.ImportDevices(e.ctx, recs); err != nil {
		t.Fatal(err)
	}
	page, err := e.db.ListDevices(e.ctx, inventory.DeviceFilter{Limit: inventory.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	for f := (inventory.DeviceFilter{Limit: inventory.MaxPageSize}); ; {
		e.devices = append(e.devices, page.Devices...)
		if f.Cursor = page.NextCursor; f.Cursor == "" {
			break
		}
		if page, err = e.db.ListDevices(e.ctx, f); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *realEnv) start(t testing.TB, authority *pki.Authority) {
	t.Helper()
	srv, err := New(Config{Service: authority, Certs: e.db, Enroll: e.db, Orgs: e.db, Devices: e.db})
	if err != nil {
		t.Fatal(err)
	}
	scanner, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Secure: true, Pages: srv.Routes(),
		PasswordParams: argon2id.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}},
		httpapi.Services{Orgs: e.db, Manufacturers: e.db, Products: e.db, Versions: e.db, Devices: e.db,
			Grants: e.db, Users: e.db, Tokens: e.db, Sessions: e.db, Audit: e.db, Alerts: e.db, Incidents: e.db, Network: e.db,
			PKI: authority, PKIStore: e.db, DLPScanner: scanner, DLPPolicy: policy.Default(), DLPEvents: e.db,
			Vuln: sqlstore.NewVuln(e.db, e.db, nil)})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewUnstartedServer(api.Handler())
	e.srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	e.caPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.srv.Certificate().Raw}))
}

// token creates an enrollment token for the i-th device.
func (e *realEnv) token(t testing.TB, i int) string {
	t.Helper()
	secret, hash := auth.NewSecret("aet_")
	tok := &pki.EnrollmentToken{DeviceID: e.devices[i].ID, Profile: pki.ProfileDeviceLDevID, Hash: hash,
		ExpiresAt: time.Now().Add(time.Hour), CreatedBy: "test"}
	if err := e.db.CreateEnrollmentToken(e.ctx, tok); err != nil {
		t.Fatal(err)
	}
	return secret
}

func (e *realEnv) url(op string) string { return e.srv.URL + PathPrefix + "riverside/" + op }

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestCurlEnroll enrolls with curl and a CSR made by openssl, then checks
// the response with openssl pkcs7 and verifies the chain from cacerts.
func TestCurlEnroll(t *testing.T) {
	testtool.Path(t, "curl")
	testtool.Path(t, "openssl")
	e := newRealEnv(t, 3)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tls.pem"), []byte(e.caPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", "key.pem", "-subj", "/CN=pump-00001.riverside.example",
		"-addext", "subjectAltName=DNS:pump-00001.riverside.example", "-outform", "DER", "-out", "csr.der")
	run(t, dir, "openssl", "base64", "-in", "csr.der", "-out", "csr.b64") // 64-character lines

	curl := func(out string, args ...string) string {
		base := []string{"-sS", "--cacert", "tls.pem", "-o", out, "-w", "%{http_code} %{content_type}", "-D", "headers.txt"}
		return run(t, dir, "curl", append(base, args...)...)
	}
	if got := curl("none.txt", "--data-binary", "@csr.b64", "-H", "Content-Type: application/pkcs10", e.url("simpleenroll")); !strings.HasPrefix(got, "401") {
		t.Errorf("without credentials: %s", got)
	}
	if h, _ := os.ReadFile(filepath.Join(dir, "headers.txt")); !strings.Contains(strings.ToLower(string(h)), `www-authenticate: basic realm="airtight est"`) {
		t.Errorf("no Basic challenge in:\n%s", h)
	}
	got := curl("resp.b64", "--data-binary", "@csr.b64", "-H", "Content-Type: application/pkcs10",
		"-u", "device:"+e.token(t, 1), e.url("simpleenroll"))
	if got != "200 application/pkcs7-mime; smime-type=certs-only" {
		body, _ := os.ReadFile(filepath.Join(dir, "resp.b64"))
		t.Fatalf("simpleenroll: %s: %s", got, body)
	}
	run(t, dir, "openssl", "base64", "-d", "-in", "resp.b64", "-out", "resp.p7")
	leaf := run(t, dir, "openssl", "pkcs7", "-inform", "DER", "-in", "resp.p7", "-print_certs", "-out", "leaf.pem")
	text := run(t, dir, "openssl", "x509", "-in", "leaf.pem", "-noout", "-subject", "-ext", "subjectAltName")
	if !strings.Contains(text, "serialNumber = SN0000001") || !strings.Contains(text, "pump-00001.riverside.example") {
		t.Errorf("issued certificate:\n%s%s", leaf, text)
	}

	if got := curl("ca.b64", e.url("cacerts")); !strings.HasPrefix(got, "200") {
		t.Fatalf("cacerts: %s", got)
	}
	run(t, dir, "openssl", "base64", "-d", "-in", "ca.b64", "-out", "ca.p7")
	run(t, dir, "openssl", "pkcs7", "-inform", "DER", "-in", "ca.p7", "-print_certs", "-out", "chain.pem")
	if out := run(t, dir, "openssl", "verify", "-CAfile", "chain.pem", "leaf.pem"); !strings.Contains(out, "leaf.pem: OK") {
		t.Errorf("openssl verify: %s", out)
	}
}

// TestGlobalSignClient runs the Go EST client of github.com/globalsign/est
// through cacerts, csrattrs, enroll, re-enroll and serverkeygen.
func TestGlobalSignClient(t *testing.T) {
	e := newRealEnv(t, 3)
	ctx := context.Background()
	anchor := x509.NewCertPool()
	anchor.AddCert(e.srv.Certificate())
	client := globalsign.Client{Host: strings.TrimPrefix(e.srv.URL, "https://"), AdditionalPathSegment: "riverside",
		ExplicitAnchor: anchor, Username: "device", Password: e.token(t, 2)}

	cas, err := client.CACerts(ctx)
	if err != nil || len(cas) != 2 {
		t.Fatalf("CACerts: %d certificates, %v", len(cas), err)
	}
	attrs, err := client.CSRAttrs(ctx)
	if err != nil || len(attrs.OIDs) != 2 || len(attrs.Attributes) != 1 {
		t.Errorf("CSRAttrs: %+v, %v", attrs, err)
	}
	key := newKey(t)
	csr := parsedCSR(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "INF-00002"}}, key)
	cert, err := client.Enroll(ctx, csr)
	if err != nil {
		t.Fatalf("Enroll: %v", err)
	}
	if cert.Subject.SerialNumber != "SN0000002" {
		t.Errorf("enrolled %q", cert.Subject)
	}
	var estErr globalsign.Error
	if _, err := client.Enroll(ctx, csr); !errors.As(err, &estErr) || estErr.StatusCode() != 401 {
		t.Errorf("second Enroll with the same token: %v", err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool(cas[1]), Intermediates: pool(cas[0]),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("enrolled certificate does not verify against cacerts: %v", err)
	}

	renew := globalsign.Client{Host: client.Host, AdditionalPathSegment: "riverside", ExplicitAnchor: anchor,
		Certificates: []*x509.Certificate{cert}, PrivateKey: key}
	next, err := renew.Reenroll(ctx, parsedCSR(t, &x509.CertificateRequest{Subject: cert.Subject}, newKey(t)))
	if err != nil {
		t.Fatalf("Reenroll: %v", err)
	}
	if next.Subject.String() != cert.Subject.String() || next.SerialNumber.Cmp(cert.SerialNumber) == 0 {
		t.Errorf("re-enrolled %q serial %x", next.Subject, next.SerialNumber)
	}
	rec, err := e.db.FindCertificate(e.ctx, pki.FormatSerial(next.SerialNumber))
	if err != nil || rec.DeviceID != e.devices[2].ID || rec.Profile != pki.ProfileDeviceLDevID {
		t.Errorf("renewed certificate record: %+v, %v", rec, err)
	}

	client.Password = e.token(t, 0)
	kcert, pk8, err := client.ServerKeyGen(ctx, parsedCSR(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "INF-00000"}}, newKey(t)))
	if err != nil {
		t.Fatalf("ServerKeyGen: %v", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(pk8)
	if ek, ok := k.(*ecdsa.PrivateKey); err != nil || !ok || !ek.PublicKey.Equal(kcert.PublicKey) {
		t.Errorf("server-generated key does not match its certificate: %v", err)
	}
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func parsedCSR(t testing.TB, tmpl *x509.CertificateRequest, key *ecdsa.PrivateKey) *x509.CertificateRequest {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	return csr
}
