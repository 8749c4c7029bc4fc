package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/httpapi"
)

// TestPolicy walks every mounted route with no credentials and with a real
// API token of every role: no credentials are refused (401, or a redirect
// to the login page for pages), a role the route does not list gets 403
// before the handler runs, and a listed role gets past the policy.
func TestPolicy(t *testing.T) {
	e := newEnv(t)
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-7s %-36s %s\n", "METHOD", "PATTERN", "ROLES")
	for _, rt := range e.srv.Routes() {
		fmt.Fprintf(&table, "%-7s %-36s %s\n", rt.Method, rt.Pattern, policyOf(rt))
		t.Run(rt.Method+" "+rt.Pattern, func(t *testing.T) {
			if !rt.Public && len(rt.Roles) == 0 {
				t.Fatalf("route is neither public nor open to any role")
			}
			path := fillPath(rt.Pattern, e.a)
			checkAnonymous(t, e, rt, path)
			for _, role := range airtight.Roles {
				w := e.do(request{method: rt.Method, path: path, token: e.a.tokens[role], body: "{}"})
				checkRole(t, rt, role, w.Code)
			}
		})
	}
	t.Log(table.String())
}

func policyOf(rt httpapi.Route) string {
	if rt.Public {
		return "public"
	}
	var rs []string
	for _, r := range rt.Roles {
		rs = append(rs, string(r))
	}
	return strings.Join(rs, ",")
}

func checkAnonymous(t *testing.T, e *env, rt httpapi.Route, path string) {
	t.Helper()
	w := e.do(request{method: rt.Method, path: path, body: "{}"})
	switch {
	case rt.Public:
		if w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden {
			t.Errorf("public route refused anonymous caller: %d", w.Code)
		}
	case rt.Page:
		if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("anonymous page request: %d %q, want 303 to /login?next=", w.Code, loc)
		}
	default:
		if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("anonymous: %d (WWW-Authenticate %q), want 401 with a challenge", w.Code, w.Header().Get("WWW-Authenticate"))
		}
	}
}

func checkRole(t *testing.T, rt httpapi.Route, role airtight.Role, code int) {
	t.Helper()
	allowed := rt.Allows(role)
	switch {
	case allowed && (code == http.StatusUnauthorized || code == http.StatusForbidden):
		t.Errorf("role %s is allowed but got %d", role, code)
	case !allowed && code != http.StatusForbidden:
		t.Errorf("role %s is not allowed but got %d, want 403", role, code)
	}
}
