package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/httpapi"
)

const phiNote = "Patient John Smith, SSN 123-45-6789, was seen on 07/22/2019."

// TestDLPScan: the body is scanned, the policy decides by destination, the
// decision is recorded as an event, and no PHI value comes back or is
// logged.
func TestDLPScan(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config, _ *httpapi.Services) { c.InternalDomains = []string{"st-mary.example"} })
	tok := e.a.tokens["analyst"]
	w := e.do(request{method: "POST", path: "/api/v1/dlp/scan?name=note.txt&to=jane.doe@gmail.com,bob@st-mary.example",
		token: tok, body: phiNote, contentType: "text/plain"})
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var res struct {
		Findings []dlp.Located `json:"findings"`
		Decision dlp.Decision  `json:"decision"`
		EventID  int64         `json:"event_id"`
	}
	decode(t, w, &res)
	if len(res.Findings) < 2 || res.Decision.Action != dlp.ActionBlock || res.EventID == 0 {
		t.Fatalf("result = %+v", res)
	}
	for _, secret := range []string{"John", "Smith", "123-45-6789", "jane.doe"} {
		if strings.Contains(w.Body.String(), secret) {
			t.Errorf("response holds %q", secret)
		}
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("logs hold %q", secret)
		}
	}
	w = e.do(request{method: "GET", path: "/api/v1/dlp/events", token: e.a.tokens["auditor"]})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"destination":"gmail.com,st-mary.example"`) ||
		!strings.Contains(w.Body.String(), `"action":"block"`) || strings.Contains(w.Body.String(), "jane.doe") {
		t.Errorf("events: %d %s", w.Code, w.Body)
	}

	// Internal destinations only: the test policy logs.
	w = e.do(request{method: "POST", path: "/api/v1/dlp/scan?to=bob@st-mary.example", token: tok, body: phiNote, contentType: "text/plain"})
	decode(t, w, &res)
	if res.Decision.Action != dlp.ActionLog {
		t.Errorf("internal destination: %+v", res.Decision)
	}
	// Auditors read but do not scan.
	w = e.do(request{method: "POST", path: "/api/v1/dlp/scan", token: e.a.tokens["auditor"], body: phiNote, contentType: "text/plain"})
	if w.Code != http.StatusForbidden {
		t.Errorf("auditor scan: %d", w.Code)
	}
}

func TestDLPScanTooLarge(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config, _ *httpapi.Services) { c.MaxScanBytes = 16 })
	w := e.do(request{method: "POST", path: "/api/v1/dlp/scan", token: e.a.tokens["analyst"], body: phiNote, contentType: "text/plain"})
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("%d %s", w.Code, w.Body)
	}
}

// TestQuarantineDecision: release once (the releaser is called), then any
// further decision conflicts; auditors cannot decide.
func TestQuarantineDecision(t *testing.T) {
	rel := &fakeReleaser{}
	e := newEnv(t, func(_ *httpapi.Config, s *httpapi.Services) { s.DLPRelease = rel })
	path := fillPath("/api/v1/dlp/quarantine/{id}/release", e.a)
	if w := e.do(request{method: "POST", path: path, token: e.a.tokens["auditor"]}); w.Code != http.StatusForbidden {
		t.Errorf("auditor release: %d", w.Code)
	}
	w := e.do(request{method: "POST", path: path, token: e.a.tokens["analyst"]})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"status":"released"`) || rel.released != 1 {
		t.Fatalf("release: %d %s (released %d)", w.Code, w.Body, rel.released)
	}
	w = e.do(request{method: "POST", path: fillPath("/api/v1/dlp/quarantine/{id}/delete", e.a), token: e.a.tokens["admin"]})
	if w.Code != http.StatusConflict || rel.shredded != 0 {
		t.Errorf("delete after release: %d %s", w.Code, w.Body)
	}
	w = e.do(request{method: "GET", path: "/api/v1/dlp/quarantine?status=released", token: e.a.tokens["biomed"]})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "vault-st-mary") {
		t.Errorf("list: %d %s", w.Code, w.Body)
	}
}

type fakeReleaser struct{ released, shredded int }

func (f *fakeReleaser) Release(context.Context, *dlp.Quarantined) error { f.released++; return nil }
func (f *fakeReleaser) Shred(context.Context, *dlp.Quarantined) error   { f.shredded++; return nil }
