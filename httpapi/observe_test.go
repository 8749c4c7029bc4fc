package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestObservationsAPI: discovered devices list and take a decision (not
// from auditors); links, rates and the alert trend answer for every reader.
func TestObservationsAPI(t *testing.T) {
	e := newEnv(t)
	w := e.do(request{method: "GET", path: "/api/v1/discovered?status=new", token: e.a.tokens["auditor"]})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"hostname":"unknown-st-mary"`) {
		t.Fatalf("list: %d %s", w.Code, w.Body)
	}
	path := fillPath("/api/v1/discovered/{id}/status", e.a)
	if w := e.do(request{method: "POST", path: path, token: e.a.tokens["auditor"], body: `{"status":"adopted"}`}); w.Code != http.StatusForbidden {
		t.Errorf("auditor decides: %d", w.Code)
	}
	w = e.do(request{method: "POST", path: path, token: e.a.tokens["biomed"], body: `{"status":"adopted"}`})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"status":"adopted"`) {
		t.Errorf("adopt: %d %s", w.Code, w.Body)
	}
	if w := e.do(request{method: "POST", path: path, token: e.a.tokens["biomed"], body: `{"status":"gone"}`}); w.Code != http.StatusBadRequest {
		t.Errorf("bad status: %d %s", w.Code, w.Body)
	}
	for _, p := range []string{"/api/v1/network/links?hours=48", "/api/v1/network/rates?step_minutes=15", "/api/v1/alerts/trend?days=7"} {
		if w := e.do(request{method: "GET", path: p, token: e.a.tokens["analyst"]}); w.Code != http.StatusOK {
			t.Errorf("%s: %d %s", p, w.Code, w.Body)
		}
	}
	if w := e.do(request{method: "GET", path: "/api/v1/network/links?hours=100000", token: e.a.tokens["analyst"]}); w.Code != http.StatusBadRequest {
		t.Errorf("hours out of range: %d", w.Code)
	}
	w = e.do(request{method: "GET", path: "/api/v1/alerts/trend", token: e.a.tokens["analyst"]})
	if !strings.Contains(w.Body.String(), `"high":1`) {
		t.Errorf("alert trend lacks the seeded high alert: %s", w.Body)
	}
}
