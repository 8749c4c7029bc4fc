package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/airtight/airtight"
)

// validBodies make cross-organization writes well-formed, so that a 404
// comes from the store's scoping, not from validation.
var validBodies = map[string]string{
	"PATCH /api/v1/devices/{id}":          `{"room":"R2"}`,
	"PATCH /api/v1/manufacturers/{id}":    `{"website":"https://example.org"}`,
	"PATCH /api/v1/products/{id}":         `{"fda_product_code":"JAK"}`,
	"PATCH /api/v1/versions/{id}":         `{"release_date":"2024-01-02"}`,
	"PATCH /api/v1/users/{id}":            `{"name":"Renamed"}`,
	"PATCH /api/v1/incidents/{id}":        `{"status":"closed"}`,
	"POST /api/v1/discovered/{id}/status": `{"status":"ignored"}`,
	"POST /api/v1/products/{id}/versions": `{"version":"9.9"}`,
	"PATCH /api/v1/vuln/plan/{id}":        `{"state":"planned"}`,

	"POST /api/v1/pki/certificates/{serial}/revoke": `{"reason":"keyCompromise"}`,
}

// TestCrossOrg: every role of organization B that may use a route with an
// {id} or a {serial} gets 404 for organization A's record, and nothing A
// holds appears in any of B's lists.
func TestCrossOrg(t *testing.T) {
	e := newEnv(t)
	for _, rt := range e.srv.Routes() {
		if rt.Public || !strings.Contains(rt.Pattern, "{") {
			continue
		}
		key := rt.Method + " " + rt.Pattern
		body := validBodies[key]
		if body == "" && rt.Method != "GET" && rt.Method != "DELETE" {
			body = "{}"
		}
		for _, role := range rt.Roles {
			w := e.do(request{method: rt.Method, path: fillPath(rt.Pattern, e.a), token: e.b.tokens[role], body: body})
			if w.Code != http.StatusNotFound {
				t.Errorf("%s as %s of B on A's record: %d %s, want 404", key, role, w.Code, w.Body)
			}
		}
	}
	// A's records are intact.
	w := e.do(request{method: "GET", path: fillPath("/api/v1/devices/{id}", e.a), token: e.a.tokens["admin"]})
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "R2") {
		t.Errorf("A's device after B's attempts: %d %s", w.Code, w.Body)
	}
	w = e.do(request{method: "GET", path: fillPath("/api/v1/pki/certificates/{serial}", e.a), token: e.a.tokens["admin"]})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"status":"good"`) {
		t.Errorf("A's certificate after B's attempts: %d %s", w.Code, w.Body)
	}
	checkListsExclude(t, e, e.b, "st-mary")
}

// checkListsExclude calls every list route (GET, no path parameter) with
// every allowed role of f and checks marker never appears.
func checkListsExclude(t *testing.T, e *env, f *orgFixture, marker string) {
	t.Helper()
	for _, rt := range e.srv.Routes() {
		if rt.Method != "GET" || rt.Public || strings.Contains(rt.Pattern, "{") {
			continue
		}
		for _, role := range rt.Roles {
			w := e.do(request{method: "GET", path: rt.Pattern, token: f.tokens[role]})
			if w.Code != http.StatusOK {
				t.Errorf("GET %s as %s of %s: %d %s", rt.Pattern, role, f.org.Slug, w.Code, w.Body)
			}
			if strings.Contains(w.Body.String(), marker) {
				t.Errorf("GET %s as %s of %s shows %q: %s", rt.Pattern, role, f.org.Slug, marker, w.Body)
			}
		}
	}
}

// TestInstalledBase: the device maker sees, through its grant, only the
// granted manufacturer's devices at the hospital, and still cannot open the
// hospital's records directly.
func TestInstalledBase(t *testing.T) {
	e := newEnv(t)
	for _, role := range []airtight.Role{airtight.RoleAdmin, airtight.RoleAnalyst, airtight.RoleBiomed, airtight.RoleAuditor} {
		w := e.do(request{method: "GET", path: "/api/v1/installed-base/devices", token: e.m.tokens[role]})
		body := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(body, "TAG-st-mary-x") {
			t.Errorf("installed base as %s: %d %s, want A's granted device", role, w.Code, body)
		}
		if strings.Contains(body, "TAG-st-mary-y") || strings.Contains(body, "TAG-general") {
			t.Errorf("installed base as %s shows ungranted devices: %s", role, body)
		}
		for _, p := range []string{"/api/v1/devices/{id}", "/api/v1/manufacturers/{id}", "/api/v1/products/{id}", "/api/v1/versions/{id}"} {
			w := e.do(request{method: "GET", path: fillPath(p, e.a), token: e.m.tokens[role]})
			if w.Code != http.StatusNotFound {
				t.Errorf("maker %s GET %s of the hospital: %d, want 404", role, p, w.Code)
			}
		}
	}
	w := e.do(request{method: "GET", path: "/api/v1/installed-base/devices", token: e.b.tokens["admin"]})
	if strings.Contains(w.Body.String(), "st-mary") {
		t.Errorf("hospital B's installed base shows A's devices: %s", w.Body)
	}
	// Once revoked, the grant shows nothing.
	w = e.do(request{method: "POST", path: fillPath("/api/v1/grants/{id}/revoke", e.a), token: e.a.tokens["admin"]})
	if w.Code != http.StatusOK {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	w = e.do(request{method: "GET", path: "/api/v1/installed-base/devices", token: e.m.tokens["analyst"]})
	if strings.Contains(w.Body.String(), "TAG-st-mary") {
		t.Errorf("installed base after revoke: %s", w.Body)
	}
}
