package est

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/pki"
)

const (
	enrollPath   = "/.well-known/est/riverside/simpleenroll"
	reenrollPath = "/.well-known/est/riverside/simplereenroll"
)

func TestPKCS7RoundTrip(t *testing.T) {
	ca := newTestCA(t, "Round Trip")
	leaf := ca.leaf(t, pkix.Name{CommonName: "leaf"}, nil, newKey(t).Public())
	for _, certs := range [][]*x509.Certificate{{leaf}, {leaf, ca.issuing, ca.root}} {
		der, err := encodeCertsOnly(certs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseCertsOnly(der)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(certs) {
			t.Fatalf("got %d certificates, want %d", len(got), len(certs))
		}
		for i := range certs {
			if !bytes.Equal(got[i].Raw, certs[i].Raw) {
				t.Errorf("certificate %d differs", i)
			}
		}
	}
	if _, err := encodeCertsOnly(nil); err == nil {
		t.Error("encoding no certificates succeeded")
	}
	for _, bad := range [][]byte{nil, {0x30, 0x00}, []byte("garbage"), mustMarshal(asn1.ObjectIdentifier{1, 2})} {
		if _, err := parseCertsOnly(bad); err == nil {
			t.Errorf("parseCertsOnly(%x) succeeded", bad)
		}
	}
}

func TestDecodeBody(t *testing.T) {
	der := []byte("\x30\x03\x02\x01\x05 some DER-ish bytes of odd length!")
	std := base64.StdEncoding.EncodeToString(der)
	var lines strings.Builder
	for i := 0; i < len(std); i += 10 {
		lines.WriteString(std[i:min(i+10, len(std))] + "\r\n")
	}
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"plain", std, true},
		{"crlf lines", lines.String(), true},
		{"lf lines and indentation", "  " + strings.ReplaceAll(lines.String(), "\r\n", "\n\t "), true},
		{"no padding", strings.TrimRight(std, "="), true},
		{"pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), true},
		{"pem of another type", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), false},
		{"empty", "", false},
		{"only whitespace", " \r\n\t", false},
		{"not base64", "this is not base64!", false},
		{"url-safe alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString([]byte{0xfb, 0xff, 0xfe})), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeBody([]byte(tt.body))
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok = %v", err, tt.ok)
			}
			if tt.ok && !bytes.Equal(got, der) {
				t.Errorf("decoded %x, want %x", got, der)
			}
		})
	}
}

func TestEnrollAuthentication(t *testing.T) {
	e := newEnv(t)
	used := e.token(1, 10, time.Hour)
	if w := e.do(http.MethodPost, enrollPath, pumpCSR(t), basic(used)); w.Code != http.StatusOK {
		t.Fatalf("first use: %d %s", w.Code, w.Body)
	}
	tests := []struct {
		name   string
		opts   []reqOpt
		status int
	}{
		{"no credentials", nil, http.StatusUnauthorized},
		{"unknown token", []reqOpt{basic("aet_not-a-token")}, http.StatusUnauthorized},
		{"used token", []reqOpt{basic(used)}, http.StatusUnauthorized},
		{"expired token", []reqOpt{basic(e.token(1, 10, -time.Minute))}, http.StatusUnauthorized},
		{"token of another organization", []reqOpt{basic(e.token(2, 20, time.Hour))}, http.StatusForbidden},
		{"empty password", []reqOpt{basic("")}, http.StatusUnauthorized},
		{"bearer instead of basic", []reqOpt{func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+e.token(1, 10, time.Hour)) }}, http.StatusUnauthorized},
		{"client certificate from an untrusted CA", []reqOpt{clientCerts(newTestCA(t, "Other").leaf(t, pkix.Name{SerialNumber: "SN-1001"}, nil, newKey(t).Public()))}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do(http.MethodPost, enrollPath, pumpCSR(t), tt.opts...)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type = %q", ct)
			}
			if got := w.Header().Get("WWW-Authenticate"); (w.Code == http.StatusUnauthorized) != (got == basicRealm) {
				t.Errorf("WWW-Authenticate = %q", got)
			}
		})
	}
	if n := e.svc.issuedCount(); n != 1 {
		t.Errorf("issued %d certificates, want 1", n)
	}
	if w := e.do(http.MethodPost, "/.well-known/est/nowhere/simpleenroll", pumpCSR(t), basic(e.token(1, 10, time.Hour))); w.Code != http.StatusNotFound {
		t.Errorf("unknown label: %d", w.Code)
	}
}

func TestEnrollIssuesForTheTokensDevice(t *testing.T) {
	e := newEnv(t)
	w := e.do(http.MethodPost, enrollPath, pumpCSR(t), basic(e.token(1, 10, time.Hour)))
	certs := certsFrom(t, w)
	if len(certs) != 1 {
		t.Fatalf("%d certificates in the response, want the issued one", len(certs))
	}
	req := e.svc.issued[0]
	if req.DeviceID != 10 || req.DeviceSerial != "SN-1001" || req.Profile != pki.ProfileDeviceLDevID {
		t.Errorf("issue request = device %d serial %q profile %q", req.DeviceID, req.DeviceSerial, req.Profile)
	}
	if certs[0].Subject.SerialNumber != "SN-1001" {
		t.Errorf("subject serialNumber = %q", certs[0].Subject.SerialNumber)
	}
	if !strings.Contains(e.logs.String(), `"device_id":10`) {
		t.Errorf("issuance not logged: %s", e.logs)
	}
}

// hostileCSR returns request bodies a client must not get a certificate for.
func hostileCSRs(t *testing.T) map[string]struct {
	body   []byte
	status int
} {
	key := newKey(t)
	good := func(tmpl *x509.CertificateRequest) []byte { return csrBase64(t, tmpl, key) }
	valid, _ := base64.StdEncoding.DecodeString(string(pumpCSR(t)))
	badSig := append([]byte(nil), valid...)
	badSig[len(badSig)-3] ^= 0xff
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	huge := pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 9}, Value: mustMarshal(bytes.Repeat([]byte{'A'}, 8<<10))}
	many := make([]pkix.Extension, 40)
	for i := range many {
		many[i] = pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 10, i + 1}, Value: []byte{5, 0}}
	}
	return map[string]struct {
		body   []byte
		status int
	}{
		"wrong signature":          {[]byte(base64.StdEncoding.EncodeToString(badSig)), 400},
		"RSA-1024":                 {csrBase64(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "INF-1001"}}, rsa1024), 400},
		"huge extension":           {good(&x509.CertificateRequest{ExtraExtensions: []pkix.Extension{huge}}), 400},
		"too many extensions":      {good(&x509.CertificateRequest{ExtraExtensions: many}), 400},
		"common name not allowed":  {good(&x509.CertificateRequest{Subject: pkix.Name{CommonName: "pacs.riverside.example"}}), 400},
		"DNS name not allowed":     {good(&x509.CertificateRequest{DNSNames: []string{"INF-1001", "evil.example"}}), 400},
		"serial number not device": {good(&x509.CertificateRequest{Subject: pkix.Name{SerialNumber: "SN-9999"}}), 400},
		"e-mail name":              {good(&x509.CertificateRequest{EmailAddresses: []string{"a@riverside.example"}}), 400},
		"garbage":                  {[]byte("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"), 400},
		"not base64":               {[]byte("<html>hello</html>"), 400},
		"larger than 16 KiB":       {bytes.Repeat([]byte("QUFB"), 4<<10+1), 413},
	}
}

func TestHostileCSRsAreRefused(t *testing.T) {
	e := newEnv(t)
	for name, tt := range hostileCSRs(t) {
		t.Run(name, func(t *testing.T) {
			w := e.do(http.MethodPost, enrollPath, tt.body, basic(e.token(1, 10, time.Hour)))
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if msg := w.Body.String(); len(msg) > 200 || strings.Contains(msg, "asn1") || strings.Contains(msg, "x509:") {
				t.Errorf("message is not a short EST error: %q", msg)
			}
			t.Logf("%d %s", w.Code, strings.TrimSpace(w.Body.String()))
		})
	}
	t.Run("wrong media type", func(t *testing.T) {
		w := e.do(http.MethodPost, enrollPath, pumpCSR(t), basic(e.token(1, 10, time.Hour)), contentType("application/x-www-form-urlencoded"))
		if w.Code != http.StatusUnsupportedMediaType {
			t.Errorf("status = %d", w.Code)
		}
	})
	if n := e.svc.issuedCount(); n != 0 {
		t.Errorf("issued %d certificates for hostile requests", n)
	}
}

func TestBadCSRDoesNotSpendTheToken(t *testing.T) {
	e := newEnv(t)
	tok := e.token(1, 10, time.Hour)
	if w := e.do(http.MethodPost, enrollPath, []byte("garbage!"), basic(tok)); w.Code != http.StatusBadRequest {
		t.Fatalf("garbage: %d", w.Code)
	}
	if w := e.do(http.MethodPost, enrollPath, pumpCSR(t), basic(tok)); w.Code != http.StatusOK {
		t.Fatalf("retry with a good request: %d %s", w.Code, w.Body)
	}
}

func TestFactoryCertificateEnrollment(t *testing.T) {
	e := newEnv(t)
	maker := newTestCA(t, "Infusion Maker Factory")
	e.enroll.anchors[1] = []*pki.TrustAnchor{{ID: 1, OrgID: 1, Name: "maker", CertDER: maker.root.Raw}}
	key := newKey(t)
	idevid := func(serial string) *x509.Certificate {
		return maker.leaf(t, pkix.Name{CommonName: "pump", SerialNumber: serial}, nil, key.Public())
	}
	csr := csrBase64(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "INF-1001"}}, key)
	tests := []struct {
		name   string
		certs  []*x509.Certificate
		status int
	}{
		{"known serial, with intermediate", []*x509.Certificate{idevid("SN-1001"), maker.issuing}, 200},
		{"without intermediate", []*x509.Certificate{idevid("SN-1001")}, 403},
		{"serial not in inventory", []*x509.Certificate{idevid("SN-7777"), maker.issuing}, 403},
		{"serial only as substring", []*x509.Certificate{idevid("SN-100"), maker.issuing}, 403},
		{"serial of another organization's device", []*x509.Certificate{idevid("SN-2001"), maker.issuing}, 403},
		{"no serial", []*x509.Certificate{idevid(""), maker.issuing}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do(http.MethodPost, enrollPath, csr, clientCerts(tt.certs...))
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body)
			}
		})
	}
	if len(e.svc.issued) != 1 || e.svc.issued[0].DeviceID != 10 || e.svc.issued[0].Profile != pki.ProfileDeviceLDevID {
		t.Errorf("issued = %+v", e.svc.issued)
	}
}

func TestReenroll(t *testing.T) {
	e := newEnv(t)
	key := newKey(t)
	csr := csrBase64(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "INF-1001"}}, key)
	cur := certsFrom(t, e.do(http.MethodPost, enrollPath, csr, basic(e.token(1, 10, time.Hour))))[0]
	same := csrBase64(t, &x509.CertificateRequest{Subject: cur.Subject}, newKey(t))
	other := csrBase64(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "INF-1001"}}, newKey(t))

	next := certsFrom(t, e.do(http.MethodPost, reenrollPath, same, clientCerts(cur)))[0]
	if next.Subject.String() != cur.Subject.String() || e.svc.issued[1].DeviceID != 10 {
		t.Errorf("renewed %q for device %d", next.Subject, e.svc.issued[1].DeviceID)
	}
	foreign := newTestCA(t, "Foreign").leaf(t, cur.Subject, nil, key.Public())
	tests := []struct {
		name   string
		body   []byte
		opts   []reqOpt
		status int
	}{
		{"no certificate", same, nil, http.StatusUnauthorized},
		{"token instead of certificate", same, []reqOpt{basic(e.token(1, 10, time.Hour))}, http.StatusUnauthorized},
		{"different subject", other, []reqOpt{clientCerts(cur)}, http.StatusBadRequest},
		{"certificate of another CA", same, []reqOpt{clientCerts(foreign)}, http.StatusForbidden},
		{"at another label", same, []reqOpt{clientCerts(cur)}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := reenrollPath
			if tt.name == "at another label" {
				path = strings.Replace(path, "riverside", "lakeside", 1)
			}
			if w := e.do(http.MethodPost, path, tt.body, tt.opts...); w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body)
			}
		})
	}
	e.svc.certs[pki.FormatSerial(cur.SerialNumber)].Status = pki.StatusRevoked
	if w := e.do(http.MethodPost, reenrollPath, same, clientCerts(cur)); w.Code != http.StatusForbidden {
		t.Errorf("revoked certificate: %d", w.Code)
	}
}

func TestCACertsAndCSRAttrs(t *testing.T) {
	e := newEnv(t)
	certs := certsFrom(t, e.do(http.MethodGet, "/.well-known/est/riverside/cacerts", nil))
	if len(certs) != 2 || !certs[0].Equal(e.ca.issuing) || !certs[1].Equal(e.ca.root) {
		t.Errorf("cacerts = %d certificates", len(certs))
	}
	w := e.do(http.MethodGet, "/.well-known/est/riverside/csrattrs", nil)
	if w.Code != 200 || w.Header().Get("Content-Type") != mediaCSRAttrs {
		t.Fatalf("csrattrs: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	der, _ := decodeBase64(w.Body.Bytes())
	var seq []asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &seq); err != nil || len(rest) != 0 || len(seq) != 3 {
		t.Errorf("csrattrs DER: %v, %d items", err, len(seq))
	}
	for _, p := range []string{"/.well-known/est/nowhere/cacerts", "/.well-known/est/nowhere/csrattrs", "/.well-known/est/Bad_Label/cacerts"} {
		if w := e.do(http.MethodGet, p, nil); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
}

func TestServerKeygen(t *testing.T) {
	e := newEnv(t)
	w := e.do(http.MethodPost, "/.well-known/est/riverside/serverkeygen", pumpCSR(t), basic(e.token(1, 10, time.Hour)))
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	mt, params, err := mime.ParseMediaType(w.Header().Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q", w.Header().Get("Content-Type"))
	}
	mr := multipart.NewReader(w.Body, params["boundary"])
	var key any
	var cert *x509.Certificate
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		var body bytes.Buffer
		body.ReadFrom(p)
		der, err := decodeBase64(body.Bytes())
		if err != nil || p.Header.Get("Content-Transfer-Encoding") != "base64" {
			t.Fatalf("part %q: %v", p.Header.Get("Content-Type"), err)
		}
		switch p.Header.Get("Content-Type") {
		case mediaPKCS8:
			key, err = x509.ParsePKCS8PrivateKey(der)
		case mediaCertsOnly:
			var certs []*x509.Certificate
			certs, err = parseCertsOnly(der)
			cert = certs[0]
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if key == nil || cert == nil {
		t.Fatal("missing key or certificate part")
	}
	if !key.(*ecdsa.PrivateKey).PublicKey.Equal(cert.PublicKey) {
		t.Error("certificate does not certify the returned key")
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	e := newEnv(t)
	ok, spent := e.token(1, 10, time.Hour), e.token(1, 10, time.Hour)
	csr := pumpCSR(t)
	e.do(http.MethodPost, enrollPath, csr, basic(ok))
	e.do(http.MethodPost, enrollPath, csr, basic(spent))
	e.do(http.MethodPost, enrollPath, csr, basic(spent))
	e.do(http.MethodPost, enrollPath, []byte("garbage"), basic(e.token(1, 10, time.Hour)))
	logs := e.logs.String()
	for _, secret := range []string{ok, spent, string(csr[:40]), string(csr[len(csr)-40:])} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain a secret or the CSR: %s", secret)
		}
	}
	if !strings.Contains(logs, "est: certificate issued") || !strings.Contains(logs, "est: request refused") {
		t.Errorf("missing log lines: %s", logs)
	}
}

func FuzzEnrollBody(f *testing.F) {
	e := newEnv(f)
	f.Add(pumpCSR(f))
	f.Add([]byte("MIIB\r\nAAAA\r\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte{0x30, 0x82, 0xff, 0xff})
	secret := e.token(1, 10, 1000*time.Hour)
	f.Fuzz(func(t *testing.T, body []byte) {
		// An expired-looking token would stop at authentication; a fresh one
		// per input is too slow, so the token is made reusable.
		e.enroll.mu.Lock()
		for _, tok := range e.enroll.tokens {
			tok.UsedAt = nil
		}
		e.enroll.mu.Unlock()
		w := e.do(http.MethodPost, enrollPath, body, basic(secret))
		if w.Code >= 500 || (w.Code != 200 && w.Code < 400) {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
	})
}
