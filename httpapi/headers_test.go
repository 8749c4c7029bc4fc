package httpapi_test

import (
	"strings"
	"testing"
)

var securityHeaders = map[string]string{
	"Content-Security-Policy":    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
	"X-Content-Type-Options":     "nosniff",
	"X-Frame-Options":            "DENY",
	"Referrer-Policy":            "no-referrer",
	"Cross-Origin-Opener-Policy": "same-origin",
	"Cache-Control":              "no-store",
}

// TestSecurityHeaders: every response carries them, errors included.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, withFailingDevices, withPanicPage)
	for _, tc := range []struct {
		name   string
		rq     request
		status int
	}{
		{"200", request{method: "GET", path: "/healthz"}, 200},
		{"200 page", request{method: "GET", path: "/login"}, 200},
		{"303 page", request{method: "GET", path: "/devices"}, 303},
		{"401", request{method: "GET", path: "/api/v1/devices"}, 401},
		{"403", request{method: "GET", path: "/api/v1/audit", token: e.a.tokens["biomed"]}, 403},
		{"404", request{method: "GET", path: "/nowhere"}, 404},
		{"405", request{method: "PUT", path: "/healthz"}, 405},
		{"413", request{method: "POST", path: "/api/v1/session", body: strings.Repeat("x", 2<<20)}, 413},
		{"500", request{method: "GET", path: fillPath("/api/v1/devices/{id}", e.a), token: e.a.tokens["admin"]}, 500},
		{"500 panic", request{method: "GET", path: "/boom"}, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(tc.rq)
			if w.Code != tc.status {
				t.Errorf("status %d, want %d", w.Code, tc.status)
			}
			for k, v := range securityHeaders {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if w.Header().Get("Strict-Transport-Security") != "" {
				t.Errorf("HSTS without TLS")
			}
			if tc.status >= 400 && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Errorf("error Content-Type %q", w.Header().Get("Content-Type"))
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		in   string
		keep bool
	}{
		{"abc-DEF_123", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"bad id", false},
		{"<script>", false},
		{"", false},
	} {
		w := e.do(request{method: "GET", path: "/healthz", header: map[string]string{"X-Request-ID": tc.in}})
		got := w.Header().Get("X-Request-ID")
		if (got == tc.in) != tc.keep || got == "" {
			t.Errorf("X-Request-ID %q came back as %q", tc.in, got)
		}
	}
}
