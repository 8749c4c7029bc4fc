package ocsp

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	xocsp "golang.org/x/crypto/ocsp"
)

// FuzzOCSPRequest sends arbitrary bytes by POST and by GET: the responder
// never panics, never answers 5xx, and always answers an OCSP response.
func FuzzOCSPRequest(f *testing.F) {
	e := newEnv(f, nil)
	cert := e.ca.issue(f, 5)
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA512} {
		f.Add(request(f, cert, e.ca.cert, h))
	}
	f.Add(request(f, e.other.issue(f, 6), e.other.cert, crypto.SHA1))
	f.Add([]byte{})
	f.Add([]byte{0x30, 0x80})
	f.Add(bytes.Repeat([]byte{0x30, 0x82, 0xff, 0xff}, 8))
	f.Fuzz(func(t *testing.T, b []byte) {
		w := post(e.h, "/pki/ocsp/1", b)
		check(t, w, e.ca.cert, len(b) > MaxRequestBytes)
		paths := []string{
			"/pki/ocsp/1/" + url.PathEscape(base64.StdEncoding.EncodeToString(b)),
			"/pki/ocsp/1/" + url.PathEscape(string(b)),
		}
		for _, p := range paths {
			req := httptest.NewRequest("GET", "/", nil)
			u, err := url.Parse(p)
			if err != nil {
				continue
			}
			req.URL = u
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, req)
			if (w.Code >= 300 && w.Code < 400) || w.Code == http.StatusNotFound { // the mux redirects unclean paths
				continue
			}
			check(t, w, e.ca.cert, false)
		}
	})
}

func check(t *testing.T, w *httptest.ResponseRecorder, issuer *x509.Certificate, tooLarge bool) {
	t.Helper()
	if tooLarge {
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("too large: HTTP %d", w.Code)
		}
		return
	}
	if w.Code != http.StatusOK {
		t.Fatalf("HTTP %d", w.Code)
	}
	if _, err := xocsp.ParseResponse(w.Body.Bytes(), issuer); err != nil {
		if _, ok := err.(xocsp.ResponseError); !ok {
			t.Fatalf("not an OCSP response: %v", err)
		}
	}
}
