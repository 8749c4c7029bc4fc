package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/pki"
	"github.com/google/go-cmp/cmp"
)

// certJSON is a certificate as the API returns it.
type certJSON struct {
	Serial         string     `json:"serial"`
	CAID           int64      `json:"ca_id"`
	DeviceID       int64      `json:"device_id"`
	Profile        string     `json:"profile"`
	Subject        string     `json:"subject"`
	Status         string     `json:"status"`
	RevokedAt      *time.Time `json:"revoked_at"`
	Reason         string     `json:"reason"`
	CertificatePEM string     `json:"certificate_pem"`
	ChainPEM       string     `json:"chain_pem"`
}

type certPageJSON struct {
	Certificates []certJSON `json:"certificates"`
	NextCursor   string     `json:"next_cursor"`
}

// jsonBody marshals v for a request body.
func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return string(b)
}

// issue issues a certificate in f's organization directly through the
// Authority and returns its serial.
func (e *env) issue(f *orgFixture, profile string, device int64, tmpl *x509.CertificateRequest) string {
	e.t.Helper()
	req := pki.IssueRequest{Profile: profile, CSR: parseCSR(e.t, newCSR(e.t, tmpl)), DeviceID: device}
	if device != 0 {
		req.DeviceSerial = "SN-device-" + itoa(device)
	}
	c, err := e.ca.Issue(sysCtx(f.org), req)
	must(e.t, err)
	return c.Serial
}

// countCerts counts f's organization's certificates in the store.
func (e *env) countCerts(f *orgFixture) int {
	e.t.Helper()
	n, err := e.db.CountCertificates(sysCtx(f.org), pki.CertificateFilter{})
	must(e.t, err)
	return n
}

func serials(cs []certJSON) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Serial)
	}
	slices.Sort(out)
	return out
}

func sorted(ss ...string) []string {
	out := append([]string{}, ss...)
	slices.Sort(out)
	return out
}

func TestListCertificates(t *testing.T) {
	e := newEnv(t)
	a := e.a
	other1 := e.issue(a, pki.ProfileDeviceLDevID, a.otherDevice, nil)
	other2 := e.issue(a, pki.ProfileDeviceLDevID, a.otherDevice, nil)
	short := e.issue(a, pki.ProfileDeviceShort, a.otherDevice, nil)
	server := e.issue(a, pki.ProfileServer, 0, &x509.CertificateRequest{DNSNames: []string{"pacs.st-mary.example"}})
	if _, err := e.ca.Revoke(sysCtx(a.org), other2, pki.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	all, _, err := e.db.ListCertificates(sysCtx(a.org), pki.CertificateFilter{Limit: 500})
	must(t, err)
	var allSerials []string
	for _, c := range all {
		allSerials = append(allSerials, c.Serial)
	}
	analyst := a.tokens["analyst"]

	t.Run("paging", func(t *testing.T) {
		var got []certJSON
		for cursor, pages := "", 0; ; pages++ {
			w := e.do(request{method: "GET", path: "/api/v1/pki/certificates?limit=2&cursor=" + url.QueryEscape(cursor), token: analyst})
			var p certPageJSON
			decode(t, w, &p)
			if w.Code != http.StatusOK || len(p.Certificates) > 2 || pages > 10 {
				t.Fatalf("page %d: %d %s", pages, w.Code, w.Body)
			}
			if strings.Contains(w.Body.String(), "BEGIN CERTIFICATE") {
				t.Errorf("a list shows PEM: %s", w.Body)
			}
			got = append(got, p.Certificates...)
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if diff := cmp.Diff(sorted(allSerials...), serials(got)); diff != "" {
			t.Errorf("paged serials (-want +got):\n%s", diff)
		}
	})

	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"device", "device_id=" + itoa(a.device), []string{a.cert}},
		{"other device", "device_id=" + itoa(a.otherDevice), []string{other1, other2, short}},
		{"issuing CA", "ca_id=" + itoa(a.issuingCA), []string{a.cert, other1, other2, short, server}},
		{"another organization's CA", "ca_id=" + itoa(e.b.issuingCA), nil},
		{"revoked", "status=revoked", []string{other2}},
		{"expiring in 2 days", "expiring_within_days=2", []string{short}},
		{"expiring in a year and a day", "expiring_within_days=366", []string{a.cert, other1, short}},
		{"good and expiring", "status=good&expiring_within_days=2", []string{short}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(request{method: "GET", path: "/api/v1/pki/certificates?" + tc.query, token: analyst})
			var p certPageJSON
			decode(t, w, &p)
			if w.Code != http.StatusOK {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if diff := cmp.Diff(sorted(tc.want...), serials(p.Certificates)); diff != "" {
				t.Errorf("serials (-want +got):\n%s", diff)
			}
		})
	}

	w := e.do(request{method: "GET", path: "/api/v1/pki/certificates?status=revoked", token: analyst})
	if !strings.Contains(w.Body.String(), `"reason":"keyCompromise"`) {
		t.Errorf("a revoked certificate's reason is not its RFC 5280 name: %s", w.Body)
	}

	for _, q := range []string{"status=gone", "expiring_within_days=0", "expiring_within_days=3651",
		"expiring_within_days=x", "status=revoked&expiring_within_days=5", "limit=501", "limit=0", "ca_id=-1",
		"device_id=abc", "cursor=%21%21%21", "colour=red", "status=good&status=revoked"} {
		w := e.do(request{method: "GET", path: "/api/v1/pki/certificates?" + q, token: analyst})
		if w.Code != http.StatusBadRequest {
			t.Errorf("?%s: %d %s, want 400", q, w.Code, w.Body)
		}
	}
}

func TestListCAs(t *testing.T) {
	e := newEnv(t)
	w := e.do(request{method: "GET", path: "/api/v1/pki/cas", token: e.a.tokens["auditor"]})
	var resp struct {
		CAs []map[string]any `json:"cas"`
	}
	decode(t, w, &resp)
	if w.Code != http.StatusOK || len(resp.CAs) != 2 {
		t.Fatalf("%d %s, want the root and the issuing CA", w.Code, w.Body)
	}
	for _, ca := range resp.CAs {
		if _, ok := ca["key_ref"]; ok || strings.Contains(w.Body.String(), "file:") {
			t.Errorf("the CA list shows where keys are: %s", w.Body)
		}
		block, _ := pem.Decode([]byte(ca["certificate_pem"].(string)))
		if block == nil {
			t.Fatalf("no certificate PEM: %v", ca)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil || !cert.IsCA || !strings.HasPrefix(ca["name"].(string), "CA st-mary") {
			t.Errorf("CA %v: %v", ca["name"], err)
		}
	}
	if resp.CAs[0]["kind"] != "root" || resp.CAs[1]["kind"] != "issuing" || resp.CAs[1]["parent_id"] != resp.CAs[0]["id"] {
		t.Errorf("hierarchy: %s", w.Body)
	}
}

func TestGetCertificate(t *testing.T) {
	e := newEnv(t)
	serial := e.a.cert
	for _, tc := range []struct {
		name, serial string
		status       int
	}{
		{"as stored", serial, 200},
		{"upper case", strings.ToUpper(serial), 200},
		{"leading zeros", "00" + serial, 200},
		{"not hexadecimal", "xyz", 404},
		{"zero", "0", 404},
		{"too long", strings.Repeat("a", 41), 404},
		{"escaped slash", "ab%2Fcd", 404},
		{"another organization's", e.b.cert, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(request{method: "GET", path: "/api/v1/pki/certificates/" + tc.serial, token: e.a.tokens["biomed"]})
			if w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			if tc.status != 200 {
				return
			}
			var c certJSON
			decode(t, w, &c)
			cert := parsePEMCert(t, c.CertificatePEM)
			if pki.FormatSerial(cert.SerialNumber) != serial || c.Serial != serial || c.DeviceID != e.a.device ||
				c.Status != "good" || c.Profile != pki.ProfileDeviceLDevID || !strings.Contains(c.Subject, "SN-st-mary-x") {
				t.Errorf("certificate: %+v", c)
			}
		})
	}
	w := e.do(request{method: "GET", path: "/api/v1/pki/certificates/" + serial + "?pem=1", token: e.a.tokens["biomed"]})
	if w.Code != http.StatusBadRequest {
		t.Errorf("unknown query parameter: %d", w.Code)
	}
}

func parsePEMCert(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	block, rest := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" || len(strings.TrimSpace(string(rest))) != 0 {
		t.Fatalf("not one PEM certificate: %q", s)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	must(t, err)
	return cert
}

func parsePEMCerts(t *testing.T, s string) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for rest := []byte(s); ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return out
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		must(t, err)
		out = append(out, cert)
	}
}

// badSignature returns a CSR whose signature does not verify.
func badSignature(t *testing.T) string {
	t.Helper()
	block, _ := pem.Decode([]byte(newCSR(t, nil)))
	block.Bytes[len(block.Bytes)-1] ^= 0xff
	return string(pem.EncodeToMemory(block))
}

// rsaCSR returns a CSR for an RSA key of bits.
func rsaCSR(t *testing.T, bits int) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, bits)
	must(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	must(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// caRequest asks for a CA certificate through basicConstraints.
func caRequest(t *testing.T) string {
	t.Helper()
	bc, err := asn1.Marshal(struct{ IsCA bool }{true})
	must(t, err)
	return newCSR(t, &x509.CertificateRequest{ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Value: bc}}})
}

func TestIssueCertificate(t *testing.T) {
	e := newEnv(t)
	a := e.a
	bare := newCSR(t, nil)
	noSerial := e.deviceWithoutSerial(a)
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"device identity", map[string]any{"csr_pem": bare, "profile": "device-ldevid", "device_id": a.device}, 201},
		{"server without a device", map[string]any{"csr_pem": newCSR(t, &x509.CertificateRequest{DNSNames: []string{"pacs.st-mary.example"}}), "profile": "server"}, 201},
		{"explicit issuing CA", map[string]any{"csr_pem": bare, "profile": "device-short", "device_id": a.device, "ca_id": a.issuingCA}, 201},
		{"wrong signature", map[string]any{"csr_pem": badSignature(t), "profile": "device-ldevid", "device_id": a.device}, 400},
		{"weak RSA key", map[string]any{"csr_pem": rsaCSR(t, 1024), "profile": "device-ldevid", "device_id": a.device}, 400},
		{"asks to be a CA", map[string]any{"csr_pem": caRequest(t), "profile": "device-ldevid", "device_id": a.device}, 400},
		{"a certificate, not a request", map[string]any{"csr_pem": caCertPEM(t, true, time.Hour), "profile": "device-ldevid", "device_id": a.device}, 400},
		{"garbage", map[string]any{"csr_pem": "-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----\n", "profile": "server"}, 400},
		{"too large", map[string]any{"csr_pem": strings.Repeat("A", 17<<10), "profile": "server"}, 400},
		{"no request", map[string]any{"profile": "device-ldevid", "device_id": a.device}, 400},
		{"unknown profile", map[string]any{"csr_pem": bare, "profile": "root-ca", "device_id": a.device}, 400},
		{"device profile without a device", map[string]any{"csr_pem": bare, "profile": "device-ldevid"}, 400},
		{"device without a serial number", map[string]any{"csr_pem": bare, "profile": "device-ldevid", "device_id": noSerial}, 400},
		{"another organization's device", map[string]any{"csr_pem": bare, "profile": "device-ldevid", "device_id": e.b.device}, 404},
		{"another organization's CA", map[string]any{"csr_pem": bare, "profile": "device-ldevid", "device_id": a.device, "ca_id": e.b.issuingCA}, 404},
		{"unknown field", map[string]any{"csr_pem": bare, "profile": "device-ldevid", "device_id": a.device, "lifetime": "99y"}, 400},
		{"device roles", map[string]any{"csr_pem": bare, "profile": "device-ldevid", "device_id": a.device, "role_oids": []string{"1.3.6.1.4.1.32473.11073.1"}}, 201},
		{"bad role OID", map[string]any{"csr_pem": bare, "profile": "device-ldevid", "device_id": a.device, "role_oids": []string{"1.3.x"}}, 400},
		{"roles on a server certificate", map[string]any{"csr_pem": newCSR(t, &x509.CertificateRequest{DNSNames: []string{"pacs.st-mary.example"}}), "profile": "server", "role_oids": []string{"1.3.6.1.4.1.32473.1"}}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.countCerts(a)
			w := e.do(request{method: "POST", path: "/api/v1/pki/certificates", token: a.tokens["biomed"], body: jsonBody(t, tc.body)})
			if w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			if tc.status != http.StatusCreated {
				if after := e.countCerts(a); after != before {
					t.Errorf("a refused request issued %d certificates", after-before)
				}
				return
			}
			checkIssued(t, w, tc.body)
		})
	}
}

// checkIssued checks a 201 answer: the certificate verifies up its chain
// and carries the device's serial number from the inventory.
func checkIssued(t *testing.T, w *httptest.ResponseRecorder, body map[string]any) {
	t.Helper()
	var c certJSON
	decode(t, w, &c)
	leaf := parsePEMCert(t, c.CertificatePEM)
	chain := parsePEMCerts(t, c.ChainPEM)
	if len(chain) != 2 || pki.FormatSerial(leaf.SerialNumber) != c.Serial || c.Profile != body["profile"] {
		t.Fatalf("issued %+v with a chain of %d", c, len(chain))
	}
	roots, mids := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(chain[1])
	mids.AddCert(chain[0])
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: mids, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("the certificate does not verify up its chain: %v", err)
	}
	if id, ok := body["device_id"]; ok {
		if c.DeviceID != id.(int64) || leaf.Subject.SerialNumber != "SN-st-mary-x" {
			t.Errorf("device certificate: device %d, subject serial %q", c.DeviceID, leaf.Subject.SerialNumber)
		}
	}
}

// deviceWithoutSerial adds a device with no serial number to f.
func (e *env) deviceWithoutSerial(f *orgFixture) int64 {
	e.t.Helper()
	w := e.do(request{method: "POST", path: "/api/v1/devices", token: f.tokens["biomed"],
		body: `{"product_version_id":` + itoa(f.version) + `,"asset_tag":"NO-SERIAL"}`})
	var d struct {
		ID int64 `json:"id"`
	}
	decode(e.t, w, &d)
	if w.Code != http.StatusCreated {
		e.t.Fatalf("create device: %d %s", w.Code, w.Body)
	}
	return d.ID
}

// revocations records OnRevoke calls.
type revocations struct {
	mu    sync.Mutex
	calls []string
}

func (r *revocations) add(caID int64, serial string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, itoa(caID)+"/"+serial)
}

func (r *revocations) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string{}, r.calls...)
}

func TestRevokeCertificate(t *testing.T) {
	rec := &revocations{}
	e := newEnv(t, func(_ *httpapi.Config, s *httpapi.Services) { s.OnRevoke = rec.add })
	a, serial := e.a, e.a.cert
	path := "/api/v1/pki/certificates/" + serial + "/revoke"

	first := revoke(t, e, path, a.tokens["analyst"], `{"reason":"keyCompromise"}`, 200)
	if first.Status != "revoked" || first.Reason != "keyCompromise" || first.RevokedAt == nil || first.CertificatePEM != "" {
		t.Fatalf("revoked: %+v", first)
	}
	again := revoke(t, e, "/api/v1/pki/certificates/"+strings.ToUpper(serial)+"/revoke", a.tokens["biomed"], `{"reason":"superseded"}`, 200)
	if again.Reason != "keyCompromise" || !again.RevokedAt.Equal(*first.RevokedAt) {
		t.Errorf("revoking again changed the record: %+v", again)
	}
	want := []string{itoa(a.issuingCA) + "/" + serial, itoa(a.issuingCA) + "/" + serial}
	if diff := cmp.Diff(want, rec.list()); diff != "" {
		t.Errorf("OnRevoke calls (-want +got):\n%s", diff)
	}
	checkInCRL(t, e, a, serial)

	other := e.issue(a, pki.ProfileDeviceLDevID, a.otherDevice, nil)
	issuingCert := issuingCASerial(t, e, a)
	for _, tc := range []struct {
		name, serial, body string
		role               airtight.Role
		status             int
	}{
		{"no reason", other, `{}`, "admin", 400},
		{"unknown reason", other, `{"reason":"lost"}`, "admin", 400},
		{"removeFromCRL", other, `{"reason":"removeFromCRL"}`, "admin", 400},
		{"unknown field", other, `{"reason":"superseded","when":"now"}`, "admin", 400},
		{"malformed serial", "not-hex", `{"reason":"superseded"}`, "admin", 404},
		{"another organization's", e.b.cert, `{"reason":"superseded"}`, "admin", 404},
		{"a CA certificate, by an analyst", issuingCert, `{"reason":"superseded"}`, "analyst", 403},
		{"a CA certificate, by biomed", issuingCert, `{"reason":"superseded"}`, "biomed", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			revoke(t, e, "/api/v1/pki/certificates/"+tc.serial+"/revoke", a.tokens[tc.role], tc.body, tc.status)
		})
	}
	if n := len(rec.list()); n != 2 {
		t.Errorf("refused revocations called OnRevoke: %d calls", n)
	}
	if c := revoke(t, e, "/api/v1/pki/certificates/"+other+"/revoke", a.tokens["admin"], `{"reason":"CessationOfOperation"}`, 200); c.Reason != "cessationOfOperation" {
		t.Errorf("case-insensitive reason: %+v", c)
	}
}

func revoke(t *testing.T, e *env, path, token, body string, status int) certJSON {
	t.Helper()
	w := e.do(request{method: "POST", path: path, token: token, body: body})
	if w.Code != status {
		t.Fatalf("POST %s %s: %d %s, want %d", path, body, w.Code, w.Body, status)
	}
	var c certJSON
	if status == http.StatusOK {
		decode(t, w, &c)
	}
	return c
}

// issuingCASerial is the serial of f's issuing CA's own certificate, which
// the root issued.
func issuingCASerial(t *testing.T, e *env, f *orgFixture) string {
	t.Helper()
	cs, _, err := e.db.ListCertificates(sysCtx(f.org), pki.CertificateFilter{Limit: 500})
	must(t, err)
	for _, c := range cs {
		if c.Profile == pki.ProfileIssuingCA {
			return c.Serial
		}
	}
	t.Fatal("no issuing CA certificate")
	return ""
}

func checkInCRL(t *testing.T, e *env, f *orgFixture, serial string) {
	t.Helper()
	der, err := e.ca.CRL(sysCtx(f.org), f.issuingCA)
	must(t, err)
	crl, err := x509.ParseRevocationList(der)
	must(t, err)
	for _, r := range crl.RevokedCertificateEntries {
		if pki.FormatSerial(r.SerialNumber) == serial {
			return
		}
	}
	t.Errorf("the CRL does not list %s", serial)
}

// caCertPEM returns a self-signed certificate, a CA's or a leaf's, valid
// for life from now (negative: expired).
func caCertPEM(t *testing.T, isCA bool, life time.Duration) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Acme Factory CA"},
		NotBefore: now.Add(-2 * time.Hour).Add(min(life, 0)), NotAfter: now.Add(life), BasicConstraintsValid: true, IsCA: isCA}
	if isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestTrustAnchors(t *testing.T) {
	e := newEnv(t)
	admin := e.a.tokens["admin"]
	factory := caCertPEM(t, true, 24*time.Hour)
	add := func(name, certPEM string) *httptest.ResponseRecorder {
		return e.do(request{method: "POST", path: "/api/v1/pki/trust-anchors", token: admin,
			body: jsonBody(t, map[string]string{"name": name, "certificate_pem": certPEM})})
	}
	if w := add("Acme factory CA", factory); w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `"subject":"CN=Acme Factory CA"`) {
		t.Fatalf("add: %d %s", w.Code, w.Body)
	}
	for _, tc := range []struct {
		name, anchor, pem string
		status            int
	}{
		{"not a CA", "Leaf", caCertPEM(t, false, 24*time.Hour), 400},
		{"expired", "Old", caCertPEM(t, true, -time.Hour), 400},
		{"two certificates", "Two", factory + caCertPEM(t, true, time.Hour), 400},
		{"a request", "CSR", newCSR(t, nil), 400},
		{"not PEM", "Junk", "hello", 400},
		{"empty", "Empty", "", 400},
		{"too large", "Big", factory + strings.Repeat(" ", 16<<10), 400},
		{"no name", "", caCertPEM(t, true, time.Hour), 400},
		{"the same name", "Acme factory CA", caCertPEM(t, true, time.Hour), 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if w := add(tc.anchor, tc.pem); w.Code != tc.status {
				t.Errorf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
		})
	}
	w := e.do(request{method: "GET", path: "/api/v1/pki/trust-anchors", token: e.a.tokens["auditor"]})
	var resp struct {
		TrustAnchors []struct {
			Name           string `json:"name"`
			SHA256         string `json:"sha256"`
			CertificatePEM string `json:"certificate_pem"`
		} `json:"trust_anchors"`
	}
	decode(t, w, &resp)
	if len(resp.TrustAnchors) != 1 || resp.TrustAnchors[0].Name != "Acme factory CA" || len(resp.TrustAnchors[0].SHA256) != 64 ||
		parsePEMCert(t, resp.TrustAnchors[0].CertificatePEM).Subject.CommonName != "Acme Factory CA" {
		t.Errorf("list: %d %s", w.Code, w.Body)
	}
	w = e.do(request{method: "GET", path: "/api/v1/pki/trust-anchors", token: e.b.tokens["admin"]})
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "Acme") {
		t.Errorf("B sees A's anchors: %s", w.Body)
	}
}
