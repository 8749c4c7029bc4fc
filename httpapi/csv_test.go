package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/airtight/airtight/httpapi"
)

const csvHeader = "asset_tag,manufacturer,model,kind,criticality,version,department\n"

func TestImport(t *testing.T) {
	e := newEnv(t)
	biomed := e.a.tokens["biomed"]
	good := csvHeader + "IMP-1,Baxter,Sigma Spectrum,infusion-pump,life-sustaining,8.0,ICU\n" +
		"IMP-2,Baxter,Sigma Spectrum,infusion-pump,life-sustaining,8.0,ICU\n"
	bad := csvHeader + "IMP-3,Baxter,Sigma Spectrum,infusion-pump,life-sustaining,8.0,ICU\n" +
		"IMP-4,Baxter,Sigma Spectrum,infusion-pump,very-critical,8.0,ICU\n" +
		",Baxter,Sigma Spectrum,infusion-pump,life-sustaining,8.0,ICU\n"
	for _, tc := range []struct {
		name, path, body, ct string
		status               int
		want                 []string
	}{
		{"wrong content type", "/api/v1/devices/import", good, "application/json", 415, nil},
		{"bad rows", "/api/v1/devices/import", bad, "text/csv", 400, []string{`"line":3`, `"line":4`}},
		{"bad rows dry run", "/api/v1/devices/import?dry_run=true", bad, "text/csv", 400, []string{`"line":3`}},
		{"bad dry_run", "/api/v1/devices/import?dry_run=yes", good, "text/csv", 400, []string{`"dry_run"`}},
		{"header only", "/api/v1/devices/import", csvHeader, "text/csv", 400, nil},
		{"dry run", "/api/v1/devices/import?dry_run=true", good, "text/csv", 200, []string{`"dry_run":true`, `"records":2`, `"created":0`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(request{method: "POST", path: tc.path, token: biomed, body: tc.body, contentType: tc.ct})
			if w.Code != tc.status {
				t.Errorf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			for _, s := range tc.want {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("response lacks %s: %s", s, w.Body)
				}
			}
		})
	}
	if w := e.do(request{method: "GET", path: "/api/v1/devices?q=IMP-", token: biomed}); strings.Contains(w.Body.String(), "IMP-") {
		t.Fatalf("a failed or dry import wrote devices: %s", w.Body)
	}
	w := e.do(request{method: "POST", path: "/api/v1/devices/import", token: biomed, body: good, contentType: "text/csv"})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"created":2`) {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
}

func TestImportTooLarge(t *testing.T) {
	e := newEnv(t)
	e.srv = e.newServer(func(c *httpapi.Config, _ *httpapi.Services) { c.MaxImportBytes = 200 })
	body := csvHeader + strings.Repeat("IMP-1,Baxter,Sigma Spectrum,infusion-pump,life-sustaining,8.0,ICU\n", 10)
	w := e.do(request{method: "POST", path: "/api/v1/devices/import", token: e.a.tokens["admin"], body: body, contentType: "text/csv"})
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestExport(t *testing.T) {
	e := newEnv(t)
	w := e.do(request{method: "GET", path: "/api/v1/devices/export?department=Radiology", token: e.a.tokens["analyst"]})
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	if !strings.HasPrefix(body, "asset_tag,") || !strings.Contains(body, "TAG-st-mary-x") || strings.Contains(body, "general") {
		t.Errorf("export body: %s", body)
	}
	if w := e.do(request{method: "GET", path: "/api/v1/devices/export?limit=5", token: e.a.tokens["analyst"]}); w.Code != 400 {
		t.Errorf("export with limit: %d", w.Code)
	}
}
