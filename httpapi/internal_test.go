package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true}, {"9223372036854775807", 9223372036854775807, true},
		{"0", 0, false}, {"-1", 0, false}, {"+1", 0, false}, {"01", 0, false}, {"1e3", 0, false},
		{"", 0, false}, {" 1", 0, false}, {"9223372036854775808", 0, false}, {"١", 0, false},
	} {
		got, ok := parseID(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseID(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/devices?x=1": true, "//evil.example": false, "/\\evil.example": false,
		"https://evil.example": false, "": false, "/a\r\nLocation: x": false,
	} {
		if got := LocalPath(p); got != want {
			t.Errorf("LocalPath(%q) = %v", p, got)
		}
	}
}

func TestLimiterBounded(t *testing.T) {
	now := time.Now()
	l := newLimiter(loginRate, 2, 3)
	for _, k := range []string{"a", "a"} {
		if ok, _ := l.allow(k, now); !ok {
			t.Fatalf("denied within burst")
		}
	}
	if ok, wait := l.allow("a", now); ok || wait <= 0 || wait > 13*time.Second {
		t.Fatalf("third attempt: %v, wait %v", ok, wait)
	}
	for _, k := range []string{"b", "c", "d", "e", "f"} {
		l.allow(k, now)
	}
	if n := l.len(); n > 3 {
		t.Fatalf("limiter holds %d keys, bound is 3", n)
	}
}

func TestClientIP(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	for _, tc := range []struct{ remote, xff, want string }{
		{"192.0.2.1:5000", "198.51.100.7", "192.0.2.1"},            // untrusted peer: XFF ignored
		{"10.0.0.2:5000", "198.51.100.7", "198.51.100.7"},          // trusted proxy
		{"10.0.0.2:5000", "1.2.3.4, 198.51.100.7", "198.51.100.7"}, // right-most untrusted hop
		{"10.0.0.2:5000", "198.51.100.7, 10.0.0.3", "198.51.100.7"},
		{"10.0.0.2:5000", "garbage", "10.0.0.2"},
		{"[::ffff:192.0.2.9]:1", "", "192.0.2.9"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := s.clientIP(r); got != tc.want {
			t.Errorf("clientIP(%s, %q) = %q, want %q", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestStatusTable(t *testing.T) {
	for code, status := range statusOf {
		if status < 400 || status > 599 {
			t.Errorf("%s maps to %d", code, status)
		}
	}
}
