package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/sqlstore"
	"github.com/airtight/airtight/vuln"
)

// seedVuln gives the organization's first version a finding (from an
// advisory naming its maker and model), hence a plan entry, and a
// suppression.
func (e *env) seedVuln(ctx context.Context, slug string, version int64) (planEntry, suppression int64) {
	e.t.Helper()
	v := sqlstore.NewVuln(e.db, e.db, nil)
	sys := airtight.NewContext(context.Background(), airtight.SystemActor(0, "test"))
	_, err := v.ImportAdvisories(sys, vuln.AdvisoryImport{Advisories: []vuln.Advisory{{ID: "ICSMA-" + slug, Aliases: []string{"CVE-2099-1" + slug},
		CVSS: 5, Affected: []vuln.Affected{{Vendor: "Maker " + slug + " x", Product: "Model " + slug + " x", VersionExpr: "< 2.0",
			Status: vuln.StatusAffected, Fixed: "2.0"}}}}})
	must(e.t, err)
	plan, err := v.Plan(ctx)
	must(e.t, err)
	if len(plan) == 0 || plan[0].VersionID != version {
		e.t.Fatalf("seed plan of %s = %+v", slug, plan)
	}
	s := &vuln.Suppression{Identity: "pkg:npm/left-pad-" + slug, Advisory: "GHSA-test", Reason: "not shipped"}
	must(e.t, v.Suppress(ctx, s))
	return plan[0].ID, s.ID
}

const testSBOM = `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[
 {"type":"library","name":"example.com/mod","version":"v1.0.0","purl":"pkg:golang/example.com/mod@v1.0.0"}]}`

const testVEX = `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"A","timestamp":"2025-01-15T10:00:00Z","version":1,
 "statements":[{"vulnerability":{"name":"CVE-2099-0002"},"products":[{"@id":"pkg:golang/example.com/mod"}],"status":"under_investigation"}]}`

// TestVulnAPI walks the vulnerability routes with the roles that may and
// may not use them.
func TestVulnAPI(t *testing.T) {
	e := newEnv(t)
	v := sqlstore.NewVuln(e.db, e.db, nil)
	sys := airtight.NewContext(context.Background(), airtight.SystemActor(0, "test"))
	_, err := v.ImportAdvisories(sys, vuln.AdvisoryImport{Advisories: []vuln.Advisory{{ID: "GO-TEST-1", Aliases: []string{"CVE-2099-0002"},
		CVSS: 9.8, Affected: []vuln.Affected{{Ecosystem: "Go", Package: "example.com/mod",
			Ranges: []vuln.Range{{Type: "SEMVER", Events: []vuln.Event{{Introduced: "0"}, {Fixed: "v1.2.0"}}}}}}}},
		KEV: map[string]string{"CVE-2099-0002": "2099-01-01"}})
	must(t, err)
	a := e.a
	sboms := fillPath("/api/v1/vuln/versions/{id}/sboms", a)
	steps := []struct {
		name        string
		rq          request
		role        airtight.Role
		code        int
		contains    []string
		notContains []string
	}{
		{"auditor cannot upload", request{method: "POST", path: sboms, body: testSBOM}, airtight.RoleAuditor, 403, nil, nil},
		{"analyst cannot upload", request{method: "POST", path: sboms, body: testSBOM}, airtight.RoleAnalyst, 403, nil, nil},
		{"not an sbom", request{method: "POST", path: sboms + "?name=x.json", body: `{"a":1}`}, airtight.RoleBiomed, 400, []string{"not a CycloneDX"}, nil},
		{"biomed uploads", request{method: "POST", path: sboms + "?name=dir/pump.cdx.json", body: testSBOM, contentType: "application/vnd.cyclonedx+json"},
			airtight.RoleBiomed, 201, []string{`"format":"cyclonedx-json"`, `"file_name":"pump.cdx.json"`, `"component_count":1`}, []string{`"components"`}},
		{"auditor lists sboms", request{method: "GET", path: sboms}, airtight.RoleAuditor, 200, []string{`"sboms":[{`}, nil},
		{"findings of the version", request{method: "GET", path: "/api/v1/vuln/findings?version=" + itoa(a.version)}, airtight.RoleAuditor, 200,
			[]string{`"advisory":"GO-TEST-1"`, `"kev":true`, `"devices":1`, `"fixed":"v1.2.0"`}, nil},
		{"findings of the device", request{method: "GET", path: "/api/v1/vuln/findings?device=" + itoa(a.device) + "&kev=true&min_severity=critical"},
			airtight.RoleAnalyst, 200, []string{`"advisory":"GO-TEST-1"`}, nil},
		{"findings of another device", request{method: "GET", path: "/api/v1/vuln/findings?device=" + itoa(a.otherDevice)}, airtight.RoleAnalyst, 200,
			[]string{`"findings":[]`}, nil},
		{"bad filter", request{method: "GET", path: "/api/v1/vuln/findings?status=bad"}, airtight.RoleAnalyst, 400, nil, nil},
		{"bad severity", request{method: "GET", path: "/api/v1/vuln/findings?min_severity=extreme"}, airtight.RoleAnalyst, 400, nil, nil},
		{"unknown parameter", request{method: "GET", path: "/api/v1/vuln/findings?org=1"}, airtight.RoleAnalyst, 400, nil, nil},
		{"risk", request{method: "GET", path: "/api/v1/vuln/risk?limit=5"}, airtight.RoleBiomed, 200, []string{`"asset_tag":"TAG-st-mary-x"`, "KEV listed"}, nil},
		{"exposure", request{method: "GET", path: "/api/v1/vuln/exposure?days=7"}, airtight.RoleAuditor, 200, []string{`"open":2`}, nil},
		{"plan", request{method: "GET", path: "/api/v1/vuln/plan"}, airtight.RoleAuditor, 200, []string{`"fixed":"v1.2.0"`, `"state":"open"`}, nil},
		{"auditor cannot plan", request{method: "PATCH", path: fillPath("/api/v1/vuln/plan/{id}", a), body: `{"state":"planned"}`}, airtight.RoleAuditor, 403, nil, nil},
		{"analyst plans", request{method: "PATCH", path: fillPath("/api/v1/vuln/plan/{id}", a), body: `{"state":"planned","assignee":"Biomed night shift"}`},
			airtight.RoleAnalyst, 200, []string{`"state":"planned"`, `"assignee":"Biomed night shift"`}, nil},
		{"skipping a state", request{method: "PATCH", path: fillPath("/api/v1/vuln/plan/{id}", a), body: `{"state":"verified"}`}, airtight.RoleBiomed, 409, nil, nil},
		{"unknown state", request{method: "PATCH", path: fillPath("/api/v1/vuln/plan/{id}", a), body: `{"state":"done"}`}, airtight.RoleBiomed, 400, nil, nil},
		{"unknown field", request{method: "PATCH", path: fillPath("/api/v1/vuln/plan/{id}", a), body: `{"owner":"x"}`}, airtight.RoleBiomed, 400, nil, nil},
		{"biomed imports vex", request{method: "POST", path: fillPath("/api/v1/vuln/versions/{id}/vex", a) + "?name=pump.openvex.json", body: testVEX},
			airtight.RoleBiomed, 201, []string{`"status":"under_investigation"`}, nil},
		{"vex applied", request{method: "GET", path: "/api/v1/vuln/findings?status=under_investigation"}, airtight.RoleAuditor, 200, []string{`"GO-TEST-1"`}, nil},
		{"suppress", request{method: "POST", path: "/api/v1/vuln/suppressions", body: `{"component_identity":"pkg:golang/example.com/mod","advisory":"GO-TEST-1","reason":"not linked"}`},
			airtight.RoleAnalyst, 201, []string{`"created_by":"tok-st-mary-analyst"`}, nil},
		{"suppressed away", request{method: "GET", path: "/api/v1/vuln/findings?version=" + itoa(a.version)}, airtight.RoleAuditor, 200, nil, []string{"GO-TEST-1"}},
		{"suppressed shown", request{method: "GET", path: "/api/v1/vuln/findings?suppressed=true&version=" + itoa(a.version)}, airtight.RoleAuditor, 200,
			[]string{`"suppressed":true`}, nil},
		{"suppress without reason", request{method: "POST", path: "/api/v1/vuln/suppressions", body: `{"component_identity":"x","advisory":"y"}`},
			airtight.RoleAnalyst, 400, []string{"reason"}, nil},
		{"list suppressions", request{method: "GET", path: "/api/v1/vuln/suppressions"}, airtight.RoleAuditor, 200, []string{"not linked"}, nil},
		{"auditor cannot evaluate", request{method: "POST", path: fillPath("/api/v1/vuln/versions/{id}/evaluate", a)}, airtight.RoleAuditor, 403, nil, nil},
		{"evaluate", request{method: "POST", path: fillPath("/api/v1/vuln/versions/{id}/evaluate", a)}, airtight.RoleBiomed, 200, []string{`"versions":1`}, nil},
		{"unsuppress", request{method: "DELETE", path: fillPath("/api/v1/vuln/suppressions/{id}", a)}, airtight.RoleAnalyst, 204, nil, nil},
		{"device role refused", request{method: "GET", path: "/api/v1/vuln/findings"}, airtight.RoleDevice, 403, nil, nil},
	}
	for _, st := range steps {
		st.rq.token = a.tokens[st.role]
		w := e.do(st.rq)
		body := w.Body.String()
		if w.Code != st.code {
			t.Errorf("%s: %d %s, want %d", st.name, w.Code, body, st.code)
			continue
		}
		for _, c := range st.contains {
			if !strings.Contains(body, c) {
				t.Errorf("%s: body lacks %q: %s", st.name, c, body)
			}
		}
		for _, c := range st.notContains {
			if strings.Contains(body, c) {
				t.Errorf("%s: body has %q: %s", st.name, c, body)
			}
		}
	}
	// The plan change was audited.
	w := e.do(request{method: "GET", path: "/api/v1/audit?limit=100", token: a.tokens[airtight.RoleAdmin]})
	for _, action := range []string{"vuln.plan.update", "vuln.sbom.add", "vuln.vex.import", "vuln.suppress", "vuln.unsuppress"} {
		if !strings.Contains(w.Body.String(), action) {
			t.Errorf("audit log lacks %s", action)
		}
	}
	// Hospital B sees none of A's findings.
	w = e.do(request{method: "GET", path: "/api/v1/vuln/findings", token: e.b.tokens[airtight.RoleAdmin]})
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "GO-TEST-1") {
		t.Errorf("B's findings: %d %s", w.Code, w.Body)
	}
}

// TestVulnUploadLimit: an SBOM over the import limit is refused with 413.
func TestVulnUploadLimit(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config, _ *httpapi.Services) { c.MaxImportBytes = 64 })
	w := e.do(request{method: "POST", path: fillPath("/api/v1/vuln/versions/{id}/sboms", e.a), token: e.a.tokens[airtight.RoleAdmin], body: testSBOM})
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized SBOM: %d %s", w.Code, w.Body)
	}
}
