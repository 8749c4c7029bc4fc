package ocsp

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/airtight/airtight/pki"
)

func TestStatuses(t *testing.T) {
	e := newEnv(t, nil)
	good := e.ca.issue(t, 1001)
	revoked := e.ca.issue(t, 1002)
	revokedAt := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e.ca.revoke(revoked.SerialNumber, revokedAt, pki.ReasonKeyCompromise)
	otherCert := e.other.issue(t, 1003)
	notIssued := e.ca.issue(t, 1004)
	e.ca.mu.Lock()
	delete(e.ca.certs, pki.FormatSerial(notIssued.SerialNumber))
	e.ca.mu.Unlock()

	tests := []struct {
		name   string
		der    []byte
		status int
		reason int
	}{
		{"good", request(t, good, e.ca.cert, crypto.SHA1), xocsp.Good, 0},
		{"good sha256 certid", request(t, good, e.ca.cert, crypto.SHA256), xocsp.Good, 0},
		{"revoked", request(t, revoked, e.ca.cert, crypto.SHA1), xocsp.Revoked, int(pki.ReasonKeyCompromise)},
		{"unknown serial", request(t, notIssued, e.ca.cert, crypto.SHA1), xocsp.Unknown, 0},
		{"other CA's serial with this CA's issuer", fakeCertID(t, e.ca, otherCert.SerialNumber), xocsp.Unknown, 0},
		{"impossible serial", fakeCertID(t, e.ca, new(big.Int).Lsh(big.NewInt(1), 200)), xocsp.Unknown, 0},
	}
	for _, tt := range tests {
		for _, method := range []string{"GET", "POST"} {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				w := send(e.h, method, "/pki/ocsp/1", tt.der)
				resp := parse(t, w, e.ca.cert)
				if resp.Status != tt.status {
					t.Fatalf("status %d, want %d", resp.Status, tt.status)
				}
				if tt.status == xocsp.Revoked && (!resp.RevokedAt.Equal(revokedAt) || resp.RevocationReason != tt.reason) {
					t.Errorf("revoked at %v reason %d, want %v %d", resp.RevokedAt, resp.RevocationReason, revokedAt, tt.reason)
				}
				if !resp.NextUpdate.After(resp.ThisUpdate) || resp.ThisUpdate.After(e.clock.now()) {
					t.Errorf("thisUpdate %v nextUpdate %v", resp.ThisUpdate, resp.NextUpdate)
				}
			})
		}
	}
}

// fakeCertID is a request naming ca as issuer of an arbitrary serial.
func fakeCertID(t *testing.T, ca *testCA, serial *big.Int) []byte {
	t.Helper()
	probe := ca.issue(t, 999_999)
	req, err := xocsp.ParseRequest(request(t, probe, ca.cert, crypto.SHA1))
	if err != nil {
		t.Fatal(err)
	}
	req.SerialNumber = serial
	der, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// send issues an OCSP request by GET (escaped base64 path) or POST.
func send(h http.Handler, method, base string, der []byte) *httptest.ResponseRecorder {
	if method == "GET" {
		return get(h, base+"/"+url.PathEscape(base64.StdEncoding.EncodeToString(der)))
	}
	return post(h, base, der)
}

func TestErrorResponses(t *testing.T) {
	e := newEnv(t, nil)
	cert := e.ca.issue(t, 7)
	otherCert := e.other.issue(t, 8)
	valid := request(t, cert, e.ca.cert, crypto.SHA1)
	tests := []struct {
		name, method, path string
		body               []byte
		want               xocsp.ResponseStatus
	}{
		{"garbage body", "POST", "/pki/ocsp/1", []byte("hello"), xocsp.Malformed},
		{"empty body", "POST", "/pki/ocsp/1", nil, xocsp.Malformed},
		{"trailing data", "POST", "/pki/ocsp/1", append(append([]byte{}, valid...), 0), xocsp.Malformed},
		{"truncated", "POST", "/pki/ocsp/1", valid[:len(valid)-3], xocsp.Malformed},
		{"bad base64", "GET", "/pki/ocsp/1/%21%21notbase64", nil, xocsp.Malformed},
		{"another CA's issuer hash", "POST", "/pki/ocsp/1", request(t, otherCert, e.other.cert, crypto.SHA1), xocsp.Unauthorized},
		{"unknown CA", "POST", "/pki/ocsp/77", valid, xocsp.Unauthorized},
		{"CA id not a number", "POST", "/pki/ocsp/abc", valid, xocsp.Unauthorized},
		{"CA id zero", "POST", "/pki/ocsp/0", valid, xocsp.Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w *httptest.ResponseRecorder
			if tt.method == "GET" {
				w = get(e.h, tt.path)
			} else {
				w = post(e.h, tt.path, tt.body)
			}
			if w.Code != http.StatusOK {
				t.Fatalf("HTTP %d, want 200", w.Code)
			}
			_, err := xocsp.ParseResponse(w.Body.Bytes(), nil)
			re, ok := err.(xocsp.ResponseError)
			if !ok || re.Status != tt.want {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q on an error", cc)
			}
		})
	}
}

// TestGetPathForms: escaped, unescaped '+' and '/', no padding, URL-safe.
func TestGetPathForms(t *testing.T) {
	e := newEnv(t, nil)
	var der []byte
	var b64 string
	for s := int64(1); ; s++ { // find a request whose base64 has '+', '/' and '=' but no "//"
		der = request(t, e.ca.issue(t, s), e.ca.cert, crypto.SHA1)
		b64 = base64.StdEncoding.EncodeToString(der)
		if strings.Contains(b64, "+") && strings.Contains(b64, "/") && strings.HasSuffix(b64, "=") && !strings.Contains(b64, "//") {
			break
		}
	}
	forms := map[string]string{
		"escaped":          url.PathEscape(b64),
		"query-escaped":    url.QueryEscape(b64),
		"unescaped":        b64,
		"no padding":       strings.TrimRight(b64, "="),
		"url-safe":         base64.URLEncoding.EncodeToString(der),
		"plus as %20":      strings.ReplaceAll(url.PathEscape(b64), "+", "%20"),
		"escaped twice":    url.PathEscape(url.PathEscape(b64)),
		"lowercase escape": strings.ReplaceAll(url.PathEscape(b64), "%2F", "%2f"),
	}
	for name, p := range forms {
		t.Run(name, func(t *testing.T) {
			w := get(e.h, "/pki/ocsp/1/"+p)
			if resp := parse(t, w, e.ca.cert); resp.Status != xocsp.Good {
				t.Fatalf("status %d", resp.Status)
			}
		})
	}
}

func TestCacheHitAndRefresh(t *testing.T) {
	e := newEnv(t, nil)
	der := request(t, e.ca.issue(t, 42), e.ca.cert, crypto.SHA1)
	first := post(e.h, "/pki/ocsp/1", der).Body.Bytes()
	second := post(e.h, "/pki/ocsp/1", der).Body.Bytes()
	if !bytes.Equal(first, second) || e.ca.lookups.Load() != 1 {
		t.Fatalf("second request: same bytes %v, store lookups %d, want cached", bytes.Equal(first, second), e.ca.lookups.Load())
	}
	e.clock.add(2 * DefaultStatusTTL) // status re-checked, response kept
	if third := post(e.h, "/pki/ocsp/1", der).Body.Bytes(); !bytes.Equal(first, third) || e.ca.lookups.Load() != 2 {
		t.Fatalf("after the status TTL: same bytes %v, lookups %d", bytes.Equal(first, third), e.ca.lookups.Load())
	}
	if e.ca.signs.Load() != 1 {
		t.Errorf("OCSPSigner called %d times, want 1 (CA info cached)", e.ca.signs.Load())
	}
	e.clock.add(DefaultValidity/2 + time.Second) // half-life: re-signed
	w := post(e.h, "/pki/ocsp/1", der)
	resp := parse(t, w, e.ca.cert)
	if bytes.Equal(first, w.Body.Bytes()) || resp.ThisUpdate.Before(e.clock.now().Add(-2*backdate)) {
		t.Fatalf("after half-life: not re-signed (thisUpdate %v)", resp.ThisUpdate)
	}
}

func TestRevokedShowsAtOnce(t *testing.T) {
	tests := []struct {
		name       string
		statusTTL  time.Duration
		invalidate bool
		wait       time.Duration
	}{
		{"Invalidate after Revoke (same process)", 0, true, 0},
		{"store asked on every request", -1, false, 0},
		{"revoked by another process: within StatusTTL", 0, false, DefaultStatusTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.StatusTTL = tt.statusTTL })
			cert := e.ca.issue(t, 77)
			for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
				if s := parse(t, post(e.h, "/pki/ocsp/1", request(t, cert, e.ca.cert, h)), e.ca.cert).Status; s != xocsp.Good {
					t.Fatalf("before revoke: %d", s)
				}
			}
			e.ca.revoke(cert.SerialNumber, e.clock.now(), pki.ReasonCessationOfOperation)
			if tt.invalidate {
				e.r.Invalidate(1, pki.FormatSerial(cert.SerialNumber))
			}
			e.clock.add(tt.wait)
			for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
				resp := parse(t, send(e.h, "GET", "/pki/ocsp/1", request(t, cert, e.ca.cert, h)), e.ca.cert)
				if resp.Status != xocsp.Revoked || resp.RevocationReason != int(pki.ReasonCessationOfOperation) {
					t.Fatalf("%v after revoke: status %d reason %d", h, resp.Status, resp.RevocationReason)
				}
			}
		})
	}
}

func TestGetCachingHeaders(t *testing.T) {
	e := newEnv(t, nil)
	path := "/pki/ocsp/1/" + url.PathEscape(base64.StdEncoding.EncodeToString(request(t, e.ca.issue(t, 5), e.ca.cert, crypto.SHA1)))
	w := get(e.h, path)
	resp := parse(t, w, e.ca.cert)
	etag, cc := w.Header().Get("ETag"), w.Header().Get("Cache-Control")
	maxAge := int(resp.NextUpdate.Sub(e.clock.now())/time.Second) - 1
	if want := "max-age=" + itoa(maxAge) + ", public, no-transform, must-revalidate"; cc != want {
		t.Errorf("Cache-Control %q, want %q", cc, want)
	}
	if etag == "" || w.Header().Get("Last-Modified") != resp.ThisUpdate.UTC().Format(http.TimeFormat) ||
		w.Header().Get("Expires") != resp.NextUpdate.UTC().Format(http.TimeFormat) {
		t.Errorf("headers %v", w.Header())
	}
	if w := get(e.h, path, "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("conditional GET: %d with %d bytes", w.Code, w.Body.Len())
	}
	if w := get(e.h, path, "If-None-Match", `"other"`); w.Code != http.StatusOK {
		t.Errorf("other ETag: %d", w.Code)
	}
	capped := newEnv(t, func(c *Config) { c.MaxAge = time.Minute })
	path = "/pki/ocsp/1/" + url.PathEscape(base64.StdEncoding.EncodeToString(request(t, capped.ca.issue(t, 5), capped.ca.cert, crypto.SHA1)))
	if cc := get(capped.h, path).Header().Get("Cache-Control"); !strings.HasPrefix(cc, "max-age=59,") {
		t.Errorf("capped Cache-Control %q", cc)
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, nil)
	huge := bytes.Repeat([]byte{0x30}, MaxRequestBytes+1)
	if w := post(e.h, "/pki/ocsp/1", huge); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("with Content-Length: %d", w.Code)
	}
	req := httptest.NewRequest("POST", "/pki/ocsp/1", struct{ *bytes.Reader }{bytes.NewReader(huge)})
	req.ContentLength = -1 // chunked
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked: %d", w.Code)
	}
	// The handler alone, without the route's MaxBodyBytes wrapper.
	w = httptest.NewRecorder()
	e.r.handlePost(w, httptest.NewRequest("POST", "/pki/ocsp/1", bytes.NewReader(huge)))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("handler alone: %d", w.Code)
	}
	long := "/pki/ocsp/1/" + strings.Repeat("A", 2*MaxRequestBytes)
	if _, err := xocsp.ParseResponse(get(e.h, long).Body.Bytes(), nil); err == nil || err.(xocsp.ResponseError).Status != xocsp.Malformed {
		t.Errorf("long GET: %v", err)
	}
}

func TestCacheBounded(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxEntries = 32 })
	for s := int64(1); s <= 200; s++ {
		post(e.h, "/pki/ocsp/1", fakeCertID(t, e.ca, big.NewInt(s)))
	}
	if n := e.r.cache.len(); n > 32 || n < 16 {
		t.Fatalf("cache holds %d entries, bound 32", n)
	}
}

func TestNewValidates(t *testing.T) {
	st, svc := fakes()
	for name, cfg := range map[string]Config{
		"no store":       {Signers: svc},
		"no signers":     {Store: st},
		"validity short": {Store: st, Signers: svc, Validity: time.Second},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRoutes(t *testing.T) {
	e := newEnv(t, nil)
	for _, rt := range e.r.Routes() {
		if !rt.Public || rt.Summary == "" {
			t.Errorf("%s %s: public %v summary %q", rt.Method, rt.Pattern, rt.Public, rt.Summary)
		}
	}
	st, svc := fakes()
	r, _ := New(Config{Store: st, Signers: svc})
	if n := len(r.Routes()); n != 2 {
		t.Errorf("without CRLs: %d routes", n)
	}
}
