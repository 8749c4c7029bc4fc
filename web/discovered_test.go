package web

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/detect"
)

func sampleDiscovered() []*detect.Discovered {
	return []*detect.Discovered{
		{ID: 9, OrgID: 1, IP: netip.MustParseAddr("10.20.0.77"), MAC: "00:1a:2b:3c:4d:5e", Hostname: "vendor-laptop",
			Apps: []string{"smb", "tcp/22"}, Events: 1240, FirstSeen: testNow.Add(-3 * time.Hour), LastSeen: testNow.Add(-10 * time.Minute), Status: detect.DiscoveredNew},
		{ID: 8, OrgID: 1, IP: netip.MustParseAddr("10.20.0.66"), AETitle: "US03", Apps: []string{"dicom"}, Events: 3,
			FirstSeen: testNow.Add(-26 * time.Hour), LastSeen: testNow.Add(-25 * time.Hour), Status: detect.DiscoveredNew},
	}
}

// discoveredCalls installs a fake that lists ds and records the calls.
func discoveredCalls(e *env, ds []*detect.Discovered, next string) *[]string {
	var calls []string
	e.h.cfg.Network = &fakeNetwork{
		ListDiscoveredFn: func(_ context.Context, s detect.DiscoveredStatus, cursor string, limit int) ([]*detect.Discovered, string, error) {
			calls = append(calls, fmt.Sprintf("%s|%s|%d", s, cursor, limit))
			if cursor == next && next != "" { // the CSV export pages on
				return nil, "", nil
			}
			return ds, next, nil
		},
	}
	return &calls
}

func TestDiscoveredPage(t *testing.T) {
	e := newEnv(t)
	calls := discoveredCalls(e, sampleDiscovered(), "7")
	w := e.do(t, biomed(), "GET", "/discovered?cursor=10", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	wantAll(t, body,
		"<h1>Discovered devices</h1>", "What discovered devices are", "airtight device import FILE.csv",
		`<a href="/discovered" class="nav-item is-active" aria-current="page">`,
		`class="tab is-active" href="/discovered" aria-current="page">New<`, `href="/discovered?status=ignored">Ignored<`,
		`<span class="mono strong">10.20.0.77</span><span class="cell-sub mono">MAC 00:1a:2b:3c:4d:5e</span>`,
		"Host vendor-laptop", `DICOM AE title <span class="mono">US03</span>`, `<span class="chip">tcp/22</span>`, "1,240",
		"3 h ago", "10 min ago", `class="badge discovered-new">New<`,
		`<form method="post" action="/discovered/9/status">`, `<input type="hidden" name="status" value="adopted">`,
		`<input type="hidden" name="status" value="ignored">`, `name="return" value="cursor=10"`,
		`>Adopt</button>`, `>Ignore</button>`, `href="/discovered?cursor=7" rel="next"`,
	)
	wantNone(t, body, "Next step:", "Move back to New")
	if d := cmp.Diff([]string{"new|10|50"}, *calls); d != "" {
		t.Errorf("list calls (-want +got):\n%s", d)
	}
	for _, f := range postFormRE.FindAllString(body, -1) {
		if !strings.Contains(f, `<input type="hidden" name="csrf_token" value="csrf-test-token">`) {
			t.Errorf("form without CSRF token:\n%s", f)
		}
	}
	if n := len(postFormRE.FindAllString(body, -1)); n != 5 { // sign out, and two per device
		t.Errorf("%d POST forms, want 5", n)
	}
	checkCSP(t, body)
}

func TestDiscoveredTabsAndRoles(t *testing.T) {
	e := newEnv(t)
	adopted := sampleDiscovered()[:1]
	adopted[0].Status, adopted[0].UpdatedBy, adopted[0].UpdatedAt = detect.DiscoveredAdopted, "Ana Lyst", testNow
	calls := discoveredCalls(e, adopted, "")
	body := e.do(t, admin(), "GET", "/discovered?status=adopted", nil).Body.String()
	wantAll(t, body, `class="tab is-active" href="/discovered?status=adopted" aria-current="page">Adopted<`,
		"Next step:", `<a href="/discovered/adopted.csv" download>`, `class="badge discovered-adopted">Adopted<`,
		"by Ana Lyst, 10 Mar 2026 12:00 UTC", `<input type="hidden" name="status" value="new">`, ">Move back to New</button>",
		`name="return" value="status=adopted"`)
	wantNone(t, body, ">Adopt</button>")

	auditorBody := e.do(t, auditor(), "GET", "/discovered?status=bogus", nil).Body.String()
	wantAll(t, auditorBody, "10.20.0.77", `class="tab is-active" href="/discovered" aria-current="page">New<`)
	wantNone(t, auditorBody, `action="/discovered/`, "<button type=\"submit\" class=\"btn btn-sm")
	discoveredCalls(e, nil, "")
	wantAll(t, e.do(t, admin(), "GET", "/discovered?status=ignored", nil).Body.String(), "Nothing ignored")
	if d := cmp.Diff([]string{"adopted||50", "new||50"}, *calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
}

func TestSetDiscoveredStatus(t *testing.T) {
	tests := []struct {
		name    string
		actor   *airtight.Actor
		target  string
		form    url.Values
		err     error
		want    int
		wantLoc string
		wantSet string // "9 adopted"
	}{
		{name: "adopt", target: "/discovered/9/status", form: url.Values{"status": {"adopted"}},
			want: 303, wantLoc: "/discovered?done=adopted", wantSet: "9 adopted"},
		{name: "ignore keeps the page", actor: analyst(), target: "/discovered/9/status", form: url.Values{"status": {"ignored"}, "return": {"cursor=12"}},
			want: 303, wantLoc: "/discovered?cursor=12&done=ignored", wantSet: "9 ignored"},
		{name: "reopen from the adopted tab", actor: biomed(), target: "/discovered/9/status", form: url.Values{"status": {"new"}, "return": {"status=adopted"}},
			want: 303, wantLoc: "/discovered?status=adopted&done=new", wantSet: "9 new"},
		{name: "unknown decision", target: "/discovered/9/status", form: url.Values{"status": {"deleted"}},
			want: 303, wantLoc: "/discovered?error=status"},
		{name: "foreign return is rebuilt", target: "/discovered/9/status", form: url.Values{"status": {"adopted"}, "return": {"//evil.example/x"}},
			want: 303, wantLoc: "/discovered?done=adopted", wantSet: "9 adopted"},
		{name: "another organization's device", target: "/discovered/5/status", form: url.Values{"status": {"adopted"}},
			err: airtight.Errorf(airtight.ENotFound, "discovered device not found"), want: 404, wantSet: "5 adopted"},
		{name: "bad id", target: "/discovered/x/status", form: url.Values{"status": {"adopted"}}, want: 404},
		{name: "auditor refused", actor: auditor(), target: "/discovered/9/status", form: url.Values{"status": {"adopted"}}, want: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			set := ""
			e.h.cfg.Network = &fakeNetwork{SetDiscoveredStatusFn: func(_ context.Context, id int64, s detect.DiscoveredStatus) (*detect.Discovered, error) {
				set = fmt.Sprintf("%d %s", id, s)
				if tt.err != nil {
					return nil, tt.err
				}
				return &detect.Discovered{ID: id, Status: s}, nil
			}}
			actor := tt.actor
			if actor == nil {
				actor = admin()
			}
			form := url.Values{"csrf_token": {"csrf-test-token"}}
			for k, v := range tt.form {
				form[k] = v
			}
			w := e.do(t, actor, "POST", tt.target, form)
			if w.Code != tt.want || w.Header().Get("Location") != tt.wantLoc {
				t.Fatalf("status %d Location %q, want %d %q", w.Code, w.Header().Get("Location"), tt.want, tt.wantLoc)
			}
			if set != tt.wantSet {
				t.Errorf("set %q, want %q", set, tt.wantSet)
			}
		})
	}
}

func TestDiscoveredFlash(t *testing.T) {
	for _, tt := range []struct{ query, flash, errText string }{
		{query: "done=adopted", flash: "Marked as adopted. Add it to the inventory next"},
		{query: "done=ignored", flash: "Ignored."},
		{query: "error=status", errText: "That decision is not known."},
		{query: "done=%3Cb%3Ehi&error=%3Cb%3Ehi"},
	} {
		e := newEnv(t)
		discoveredCalls(e, nil, "")
		body := e.do(t, admin(), "GET", "/discovered?"+tt.query, nil).Body.String()
		if got := strings.Contains(body, `class="flash"`); got != (tt.flash != "") {
			t.Errorf("%s: flash shown = %v", tt.query, got)
		}
		if got := strings.Contains(body, `class="alert alert-error flash-error"`); got != (tt.errText != "") {
			t.Errorf("%s: error shown = %v", tt.query, got)
		}
		wantAll(t, body, tt.flash, tt.errText)
		wantNone(t, body, "<b>hi")
	}
}

func TestAdoptedCSV(t *testing.T) {
	e := newEnv(t)
	ds := sampleDiscovered()
	ds[0].Hostname = "=HYPERLINK(\"http://evil.example\")" // a spreadsheet must not run it
	calls := discoveredCalls(e, ds, "3")
	w := e.do(t, auditor(), "GET", "/discovered/adopted.csv", nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "adopted-devices.csv") {
		t.Fatalf("status %d, headers %v", w.Code, w.Header())
	}
	lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "asset_tag,manufacturer,model,kind,") {
		t.Fatalf("csv:\n%s", w.Body)
	}
	wantAll(t, lines[1], ",10.20.0.77,00:1a:2b:3c:4d:5e,", `"'=HYPERLINK(""http://evil.example"")"`, "2026-03-10T09:00:00Z")
	wantAll(t, lines[2], ",10.20.0.66,,,US03,")
	if d := cmp.Diff([]string{"adopted||500", "adopted|3|500"}, *calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
}

func TestHostileDiscoveredEscaped(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	e := newEnv(t)
	d := sampleDiscovered()[0]
	d.MAC, d.Hostname, d.AETitle, d.HL7App, d.Apps, d.UpdatedBy, d.Status = evil, evil, evil, evil, []string{evil}, evil, detect.DiscoveredStatus(evil)
	discoveredCalls(e, []*detect.Discovered{d}, "")
	w := e.do(t, admin(), "GET", "/discovered", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	wantNone(t, w.Body.String(), "<script>alert")
	checkCSP(t, w.Body.String())
}

func TestNetworkRoutesPolicy(t *testing.T) {
	e := newEnv(t)
	want := map[string][]airtight.Role{
		"GET /network":                 readRoles,
		"GET /discovered":              readRoles,
		"GET /discovered/adopted.csv":  readRoles,
		"POST /discovered/{id}/status": triageRoles,
	}
	for _, rt := range e.h.Routes() {
		key := rt.Method + " " + rt.Pattern
		roles, ok := want[key]
		if !ok {
			continue
		}
		delete(want, key)
		if d := cmp.Diff(roles, rt.Roles); d != "" || !rt.Page {
			t.Errorf("%s: roles (-want +got):\n%s page %v", key, d, rt.Page)
		}
	}
	for key := range want {
		t.Errorf("route %s is missing", key)
	}
}
