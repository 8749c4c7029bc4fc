package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/auth"
)

// TestSecretsNeverLogged runs a session that touches every kind of secret
// and PHI, then searches the captured JSON log for each of them.
func TestSecretsNeverLogged(t *testing.T) {
	e := newEnv(t, withFailingDevices)
	const patient = "Jane Q. Patientname"
	cookie, csrf := e.login(e.a.email)
	token := e.a.tokens["admin"]
	e.do(request{method: "POST", path: "/api/v1/session", body: `{"email":"` + e.a.email + `","password":"wrong-password-guess"}`})
	e.do(request{method: "GET", path: "/api/v1/me?secret_query=" + token, token: token})
	e.do(request{method: "POST", path: "/api/v1/manufacturers", cookie: cookie, header: map[string]string{"X-CSRF-Token": csrf}, body: `{"name":"Maker"}`})
	csv := csvHeader + "PHI-1,Baxter,Sigma Spectrum,infusion-pump,life-sustaining,8.0," + patient + "\n" +
		"PHI-2,Baxter,Sigma Spectrum,infusion-pump,not-a-criticality,8.0," + patient + "\n"
	w := e.do(request{method: "POST", path: "/api/v1/devices/import", token: token, body: csv, contentType: "text/csv"})
	if w.Code != http.StatusBadRequest {
		t.Fatalf("import: %d", w.Code)
	}
	e.do(request{method: "POST", path: "/api/v1/users", token: token, body: `{"email":"new@st-mary.example","name":"` + patient + `","role":"analyst","password":"another long secret pw"}`})
	if w := e.do(request{method: "GET", path: fillPath("/api/v1/devices/{id}", e.a), token: token}); w.Code != 500 {
		t.Fatalf("want a 500, got %d", w.Code)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"status":500`) || !strings.Contains(logs, `"route":"/api/v1/devices/import"`) {
		t.Fatalf("the log is missing request lines: %s", logs)
	}
	for name, secret := range map[string]string{
		"password": testPassword, "wrong password": "wrong-password-guess", "new password": "another long secret pw",
		"token": token, "token body": token[len("atk_"):], "cookie": cookie, "csrf token": csrf,
		"patient": patient, "patient surname": "Patientname", "query": "secret_query", "email": e.a.email,
	} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds the %s", name)
		}
	}
}

// TestPKISecretsNeverLogged creates an enrollment token, issues from good
// and hostile requests and adds a trust anchor, then searches the log for
// the token's secret and for any PEM body.
func TestPKISecretsNeverLogged(t *testing.T) {
	e := newEnv(t)
	biomed := e.a.tokens["biomed"]
	w := e.do(request{method: "POST", path: "/api/v1/pki/enrollment-tokens", token: biomed, body: `{"device_id":` + itoa(e.a.device) + `}`})
	var tok enrollmentJSON
	decode(t, w, &tok)
	csr := newCSR(t, nil)
	w = e.do(request{method: "POST", path: "/api/v1/pki/certificates", token: biomed,
		body: jsonBody(t, map[string]any{"csr_pem": csr, "profile": "device-ldevid", "device_id": e.a.device})})
	var c certJSON
	decode(t, w, &c)
	bad := badSignature(t)
	e.do(request{method: "POST", path: "/api/v1/pki/certificates", token: biomed,
		body: jsonBody(t, map[string]any{"csr_pem": bad, "profile": "device-ldevid", "device_id": e.a.device})})
	anchor := caCertPEM(t, true, time.Hour)
	e.do(request{method: "POST", path: "/api/v1/pki/trust-anchors", token: e.a.tokens["admin"],
		body: jsonBody(t, map[string]string{"name": "Acme", "certificate_pem": anchor})})
	if tok.Token == "" || c.CertificatePEM == "" {
		t.Fatalf("setup failed: token %q, certificate %q", tok.Token, c.CertificatePEM)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"/api/v1/pki/enrollment-tokens"`) || !strings.Contains(logs, `"route":"/api/v1/pki/certificates"`) {
		t.Fatalf("the log is missing request lines: %s", logs)
	}
	for name, secret := range map[string]string{
		"enrollment token": tok.Token, "enrollment token body": tok.Token[len("aet_"):],
		"enrollment token hash": auth.HashSecret(tok.Token), "CSR": pemBody(csr), "hostile CSR": pemBody(bad),
		"certificate": pemBody(c.CertificatePEM), "chain": pemBody(c.ChainPEM), "trust anchor": pemBody(anchor),
		"PEM armour": "-----BEGIN",
	} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds the %s", name)
		}
	}
}

// pemBody returns a stretch of the base64 of the first PEM block in s.
func pemBody(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) < 3 {
		return s
	}
	return lines[2]
}
