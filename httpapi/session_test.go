package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/httpapi"
)

func TestLoginCookie(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config, _ *httpapi.Services) { c.Secure = true })
	w := e.do(request{method: "POST", path: "/api/v1/session", body: `{"email":"ADMIN@st-mary.example","password":"` + testPassword + `"}`})
	if w.Code != http.StatusOK {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	c := w.Result().Cookies()[0]
	if c.Name != httpapi.SessionCookie || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("cookie %+v", c)
	}
	if !strings.HasPrefix(c.Value, "ats_") {
		t.Errorf("cookie value %q", c.Value)
	}
	if strings.Contains(w.Body.String(), "argon2") || strings.Contains(w.Body.String(), c.Value) {
		t.Errorf("login response leaks a secret: %s", w.Body)
	}
	if w.Header().Get("Strict-Transport-Security") == "" {
		t.Errorf("no HSTS with Secure")
	}
	me := e.do(request{method: "GET", path: "/api/v1/me", cookie: c.Value})
	if me.Code != http.StatusOK || !strings.Contains(me.Body.String(), `"kind":"user"`) {
		t.Errorf("me with the session: %d %s", me.Code, me.Body)
	}
}

func TestLoginFailures(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, email, password string }{
		{"wrong password", e.a.email, "not the password at all"},
		{"unknown email", "nobody@st-mary.example", testPassword},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(request{method: "POST", path: "/api/v1/session", body: `{"email":"` + tc.email + `","password":"` + tc.password + `"}`})
			if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "invalid email or password") {
				t.Errorf("%d %s", w.Code, w.Body)
			}
			if len(w.Result().Cookies()) != 0 {
				t.Errorf("a failed login set a cookie")
			}
		})
	}
	disabled := true
	if _, err := e.db.UpdateUser(sysCtx(e.b.org), e.b.user, auth.UserUpdate{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	w := e.do(request{method: "POST", path: "/api/v1/session", body: `{"email":"` + e.b.email + `","password":"` + testPassword + `"}`})
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "invalid email or password") {
		t.Errorf("disabled user: %d %s", w.Code, w.Body)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	bad := `{"email":"` + e.a.email + `","password":"wrong wrong wrong"}`
	for i := 0; i < 5; i++ {
		if w := e.do(request{method: "POST", path: "/api/v1/session", body: bad}); w.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, w.Code)
		}
	}
	w := e.do(request{method: "POST", path: "/api/v1/session", body: bad})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("6th attempt: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	// Even the right password waits.
	good := `{"email":"` + e.a.email + `","password":"` + testPassword + `"}`
	if w := e.do(request{method: "POST", path: "/api/v1/session", body: good}); w.Code != http.StatusTooManyRequests {
		t.Fatalf("right password while limited: %d", w.Code)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	cookie, csrf := e.login(e.a.email)
	for _, tc := range []struct {
		name   string
		rq     request
		status int
	}{
		{"session without token", request{body: `{"name":"NoToken"}`}, 403},
		{"session with wrong token", request{body: `{"name":"Wrong"}`, header: map[string]string{"X-CSRF-Token": "nope"}}, 403},
		{"session with token", request{body: `{"name":"WithToken"}`, header: map[string]string{"X-CSRF-Token": csrf}}, 201},
		{"cross-site with token", request{body: `{"name":"Cross"}`, header: map[string]string{"X-CSRF-Token": csrf,
			"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}}, 403},
		{"cross-origin without fetch metadata", request{body: `{"name":"Cross2"}`, header: map[string]string{"X-CSRF-Token": csrf,
			"Origin": "https://evil.example"}}, 403},
		{"API token needs none", request{body: `{"name":"ByToken"}`, token: e.a.tokens["admin"]}, 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.rq.method, tc.rq.path = "POST", "/api/v1/manufacturers"
			if tc.rq.token == "" {
				tc.rq.cookie = cookie
			}
			if w := e.do(tc.rq); w.Code != tc.status {
				t.Errorf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
		})
	}
	form := request{method: "POST", path: "/devices/notes", cookie: cookie, body: "csrf_token=" + csrf,
		contentType: "application/x-www-form-urlencoded"}
	if w := e.do(form); w.Code != http.StatusOK {
		t.Errorf("form post with csrf_token: %d %s", w.Code, w.Body)
	}
	form.body = "csrf_token=wrong"
	if w := e.do(form); w.Code != http.StatusForbidden {
		t.Errorf("form post with a wrong csrf_token: %d", w.Code)
	}
	login := request{method: "POST", path: "/api/v1/session", body: `{"email":"x@y.z","password":"whatever whatever"}`,
		header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}}
	if w := e.do(login); w.Code != http.StatusForbidden {
		t.Errorf("cross-site login: %d", w.Code)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	cookie, csrf := e.login(e.a.email)
	if w := e.do(request{method: "DELETE", path: "/api/v1/session", cookie: cookie}); w.Code != http.StatusForbidden {
		t.Errorf("logout without CSRF token: %d", w.Code)
	}
	w := e.do(request{method: "DELETE", path: "/api/v1/session", cookie: cookie, header: map[string]string{"X-CSRF-Token": csrf}})
	if w.Code != http.StatusNoContent || w.Result().Cookies()[0].MaxAge >= 0 {
		t.Fatalf("logout: %d %v", w.Code, w.Result().Cookies())
	}
	if w := e.do(request{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Errorf("session after logout: %d", w.Code)
	}
}

func TestPageRedirect(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ path, want string }{
		{"/devices?department=ICU", "/login?next=%2Fdevices%3Fdepartment%3DICU"},
		{"/devices", "/login?next=%2Fdevices"},
	} {
		w := e.do(request{method: "GET", path: tc.path})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tc.want {
			t.Errorf("%s: %d %q, want %q", tc.path, w.Code, w.Header().Get("Location"), tc.want)
		}
	}
	w := e.do(request{method: "GET", path: "/devices", cookie: "ats_forged"})
	if w.Code != http.StatusSeeOther {
		t.Errorf("forged cookie: %d", w.Code)
	}
}

func TestSessionExpiry(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	e := newEnv(t, func(c *httpapi.Config, _ *httpapi.Services) { c.Now = clock })
	cookie, _ := e.login(e.a.email)
	now = now.Add(auth.SessionTTL + time.Minute)
	if w := e.do(request{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Errorf("expired session: %d", w.Code)
	}
}
