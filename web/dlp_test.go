package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/dlp"
)

func sampleEvents() []*dlp.Event {
	return []*dlp.Event{
		{ID: 31, OrgID: 1, Channel: dlp.ChannelSMTP, Actor: "dr.house@st-mary.example", Destination: "gmail.com, yahoo.com",
			External: true, Action: dlp.ActionBlock, Rule: "external-phi", Reason: "3 medical record numbers and 2 names to an outside domain",
			Types: map[dlp.Type]int{dlp.MRN: 3, dlp.Name: 2}, Bytes: 14200, CreatedAt: testNow.Add(-10 * time.Minute)},
		{ID: 30, OrgID: 1, Channel: dlp.ChannelICAP, Actor: "jdoe", Destination: "upload.example.net", External: true,
			Action: dlp.ActionQuarantine, Rule: "web-upload", Reason: "1 social security number", Types: map[dlp.Type]int{dlp.SSN: 1},
			Unscannable: 1, Bytes: 812, Ref: "v-9", CreatedAt: testNow.Add(-2 * time.Hour)},
		{ID: 29, OrgID: 1, Channel: dlp.ChannelFolder, Actor: `\\fs01\exports`, Action: dlp.ActionLog, Rule: "default",
			CreatedAt: testNow.Add(-26 * time.Hour)},
	}
}

func sampleTrend() []dlp.TrendPoint {
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	return []dlp.TrendPoint{
		{Day: day(1), Counts: map[dlp.Action]int{dlp.ActionAllow: 4, dlp.ActionLog: 1, dlp.ActionBlock: 2}},
		{Day: day(9), Counts: map[dlp.Action]int{dlp.ActionRedact: 3, dlp.ActionSecure: 1, dlp.ActionQuarantine: 1}},
		{Day: day(10), Counts: map[dlp.Action]int{dlp.ActionBlock: 1, dlp.ActionQuarantine: 1, dlp.ActionLog: 6}},
	}
}

// dlpCalls records the event filters and trend start the page asked for.
func dlpCalls(e *env, es []*dlp.Event, next string) (*[]dlp.EventFilter, *[]time.Time) {
	var filters []dlp.EventFilter
	var since []time.Time
	e.dlp.ListDLPEventsFn = func(_ context.Context, f dlp.EventFilter) ([]*dlp.Event, string, error) {
		filters = append(filters, f)
		return es, next, nil
	}
	e.dlp.DLPTrendFn = func(_ context.Context, s time.Time) ([]dlp.TrendPoint, error) {
		since = append(since, s)
		return sampleTrend(), nil
	}
	return &filters, &since
}

func TestDLPPage(t *testing.T) {
	e := newEnv(t)
	_, since := dlpCalls(e, sampleEvents(), "")
	w := e.do(t, admin(), "GET", "/dlp", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	wantAll(t, body,
		"<h1>Data protection</h1>", "What data protection does", "never the data itself",
		`<a class="tab is-active" href="/dlp" aria-current="page">Events</a>`, `href="/dlp/quarantine">Quarantine</a>`,
		`<a href="/dlp" class="nav-item is-active" aria-current="page">`,
		`<svg class="chart chart-timeline chart-dlp"`, "DLP decisions per day, last 30 days", "Show the numbers as a table",
		`<span class="swatch dlp-stopped" aria-hidden="true"></span>Quarantined or blocked <strong>5</strong>`,
		"20 decisions, per day (UTC)", "Tue 10 Mar 2026",
		"10 min ago", "E-mail", "dr.house@st-mary.example", `<span class="mono">gmail.com</span>, <span class="mono">yahoo.com</span>`,
		`class="badge dlp-external">Outside<`,
		`Medical record number <span class="chip-n">3</span>`, `Name <span class="chip-n">2</span>`,
		`class="badge dlp-act dlp-act-block">Blocked<`, "external-phi", "3 medical record numbers and 2 names to an outside domain",
		"Web upload", `class="badge dlp-act dlp-act-quarantine">Quarantined<`, "1 part could not be scanned", "812 B", "14.2 kB",
		"Shared folder", `\\fs01\exports`, `<span class="muted">None</span>`, "Showing 3 events, newest first",
	)
	if i, j := strings.Index(body, "Medical record number"), strings.Index(body, "Name <span"); i > j {
		t.Error("identifier types are not ordered most found first")
	}
	if d := cmp.Diff([]time.Time{time.Date(2026, 2, 9, 0, 0, 0, 0, time.UTC)}, *since); d != "" {
		t.Errorf("trend since (-want +got):\n%s", d)
	}
	checkCSP(t, body)
}

func TestDLPFilters(t *testing.T) {
	tests := []struct {
		name     string
		query    string
		want     dlp.EventFilter
		wantNext string
	}{
		{name: "no filter", want: dlp.EventFilter{Limit: 50}, wantNext: `href="/dlp?cursor=28"`},
		{name: "channel and action", query: "channel=smtp&action=block&cursor=40",
			want:     dlp.EventFilter{Channel: dlp.ChannelSMTP, Action: dlp.ActionBlock, Cursor: "40", Limit: 50},
			wantNext: `href="/dlp?action=block&amp;channel=smtp&amp;cursor=28"`},
		{name: "unknown values are dropped", query: "channel=carrier-pigeon&action=shred",
			want: dlp.EventFilter{Limit: 50}, wantNext: `href="/dlp?cursor=28"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			filters, _ := dlpCalls(e, sampleEvents(), "28")
			w := e.do(t, admin(), "GET", "/dlp?"+tt.query, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			if d := cmp.Diff([]dlp.EventFilter{tt.want}, *filters); d != "" {
				t.Errorf("filter (-want +got):\n%s", d)
			}
			wantAll(t, w.Body.String(), tt.wantNext)
		})
	}
	e := newEnv(t)
	dlpCalls(e, sampleEvents(), "")
	body := e.do(t, admin(), "GET", "/dlp?channel=icap&action=quarantine&cursor=40", nil).Body.String()
	wantAll(t, body, `<option value="icap" selected>Web upload</option>`, `<option value="quarantine" selected>Quarantined</option>`,
		`<a class="btn btn-ghost" href="/dlp">Clear filters</a>`, `href="/dlp?action=quarantine&amp;channel=icap">First page</a>`)
}

func TestDLPEmptyAndErrors(t *testing.T) {
	e := newEnv(t)
	dlpCalls(e, nil, "")
	wantAll(t, e.do(t, admin(), "GET", "/dlp", nil).Body.String(), "No DLP events yet", "Last 30 days")
	wantAll(t, e.do(t, admin(), "GET", "/dlp?action=block", nil).Body.String(), "No events match", "Clear filters")

	e.dlp.DLPTrendFn = func(context.Context, time.Time) ([]dlp.TrendPoint, error) { return nil, errInternal }
	w := e.do(t, admin(), "GET", "/dlp", nil)
	if w.Code != http.StatusInternalServerError {
		t.Errorf("trend failure: status %d, want 500", w.Code)
	}
	e.dlp.ListDLPEventsFn = func(context.Context, dlp.EventFilter) ([]*dlp.Event, string, error) {
		return nil, "", airtight.Errorf(airtight.EInvalid, "cursor: is not valid")
	}
	w = e.do(t, admin(), "GET", "/dlp?cursor=zz", nil)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "cursor: is not valid") {
		t.Errorf("bad cursor: status %d", w.Code)
	}
	wantNone(t, w.Body.String(), "John Doe")
}

func TestDLPTrend(t *testing.T) {
	start := trendStart(testNow)
	if want := time.Date(2026, 2, 9, 0, 0, 0, 0, time.UTC); !start.Equal(want) {
		t.Fatalf("start %v, want %v", start, want)
	}
	points := append(sampleTrend(),
		dlp.TrendPoint{Day: start.AddDate(0, 0, -1), Counts: map[dlp.Action]int{dlp.ActionBlock: 50}}, // before the window
		dlp.TrendPoint{Day: start.AddDate(0, 0, 30), Counts: map[dlp.Action]int{dlp.ActionBlock: 70}}, // after today
		dlp.TrendPoint{Day: start, Counts: map[dlp.Action]int{"teleport": 9, dlp.ActionRedact: 2}},    // unknown action
	)
	tr := buildTrend(points, start)
	if len(tr.Days) != trendDays || !tr.Days[0].Day.Equal(start) || !tr.Days[29].Day.Equal(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("days from %v to %v, want 30 days ending today", tr.Days[0].Day, tr.Days[len(tr.Days)-1].Day)
	}
	check := func(i int, want ...int) {
		t.Helper()
		if d := cmp.Diff(want, tr.Days[i].Counts); d != "" {
			t.Errorf("day %d counts (-want +got):\n%s", i, d)
		}
	}
	check(0, 0, 2, 0)
	check(20, 5, 0, 2) // 1 March
	check(28, 0, 4, 1)
	check(29, 6, 0, 2)
	check(10, 0, 0, 0)
	var totals []int
	for _, l := range tr.Legend {
		totals = append(totals, l.Value)
	}
	if d := cmp.Diff([]int{11, 6, 5}, totals); d != "" || tr.Total != 22 {
		t.Errorf("legend totals (-want +got):\n%s total %d", d, tr.Total)
	}

	got := string(tr.Chart) + "\n"
	golden := filepath.Join("testdata", "dlp_trend.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./web/ -run TestDLPTrend -update)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("trend chart differs from %s (-want +got):\n%s", golden, d)
	}
	wantAll(t, got, `<title>1 Mar 2026: 7 events (allowed or logged 5, quarantined or blocked 2)</title>`,
		`<title>18 Feb 2026: 0 events</title>`, `class="tl-bar dlp-stopped"`, `>Feb</text>`, `>Mar</text>`)
	if n := strings.Count(got, `<g class="tl-col">`); n != trendDays {
		t.Errorf("%d columns, want %d", n, trendDays)
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 14200: "14.2 kB", 3_100_000: "3.1 MB", 5e12: "5.0 TB", 7e15: "7000.0 TB"} {
		if got := byteSize(in); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", in, got, want)
		}
	}
}

func sampleQuarantine() []*dlp.Quarantined {
	return []*dlp.Quarantined{
		{ID: 8, OrgID: 1, EventID: 30, VaultID: "v-9", Channel: dlp.ChannelICAP, Actor: "jdoe", Status: dlp.QuarantineHeld,
			Types: map[dlp.Type]int{dlp.SSN: 1}, Bytes: 812, CreatedAt: testNow.Add(-2 * time.Hour)},
		{ID: 7, OrgID: 1, EventID: 25, VaultID: "v-8", Channel: dlp.ChannelSMTP, Actor: "nurse@st-mary.example", Status: dlp.QuarantineHeld,
			Types: map[dlp.Type]int{dlp.Name: 4, dlp.Date: 4}, Bytes: 90_000, CreatedAt: testNow.Add(-5 * time.Hour)},
	}
}

func quarantineCalls(e *env, qs []*dlp.Quarantined, next string) *[]string {
	var calls []string
	e.dlp.ListQuarantineFn = func(_ context.Context, s dlp.QuarantineStatus, cursor string, limit int) ([]*dlp.Quarantined, string, error) {
		calls = append(calls, string(s)+"|"+cursor+"|"+strconv.Itoa(limit))
		return qs, next, nil
	}
	return &calls
}

func TestQuarantinePage(t *testing.T) {
	e := newEnv(t)
	calls := quarantineCalls(e, sampleQuarantine(), "6")
	w := e.do(t, analyst(), "GET", "/dlp/quarantine?cursor=9", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	wantAll(t, body,
		"<h1>Quarantine</h1>", "What data protection does", "Quarantine keeps the content encrypted",
		`<a class="tab is-active" href="/dlp/quarantine" aria-current="page">Quarantine</a>`,
		`class="tab is-active" href="/dlp/quarantine" aria-current="page">Held<`, `href="/dlp/quarantine?status=released">Released<`,
		"Before you decide:", "Neither can be undone",
		"jdoe", `Social security number <span class="chip-n">1</span>`, "90.0 kB", `class="badge quarantine-held">Held<`,
		`<form method="post" action="/dlp/quarantine/8/release" data-confirm="Release this content?`,
		`<form method="post" action="/dlp/quarantine/7/delete" data-confirm="Delete this content for good?`,
		`name="return" value="cursor=9"`, `href="/dlp/quarantine?cursor=6" rel="next"`, `href="/dlp/quarantine">First page</a>`,
	)
	if d := cmp.Diff([]string{"held|9|50"}, *calls); d != "" {
		t.Errorf("list calls (-want +got):\n%s", d)
	}
	checkCSP(t, body)
}

func TestQuarantineReadOnlyRoles(t *testing.T) {
	for _, actor := range []*airtight.Actor{auditor(), biomed()} {
		t.Run(string(actor.Role), func(t *testing.T) {
			e := newEnv(t)
			quarantineCalls(e, sampleQuarantine(), "")
			w := e.do(t, actor, "GET", "/dlp/quarantine", nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			wantAll(t, w.Body.String(), "jdoe")
			wantNone(t, w.Body.String(), `action="/dlp/quarantine/`, ">Release</button>", ">Delete</button>", "Before you decide")
		})
	}
}

func TestQuarantineTabs(t *testing.T) {
	e := newEnv(t)
	released := sampleQuarantine()[:1]
	released[0].Status, released[0].DecidedBy, released[0].DecidedAt = dlp.QuarantineReleased, "Ana Lyst", testNow
	calls := quarantineCalls(e, released, "")
	body := e.do(t, admin(), "GET", "/dlp/quarantine?status=released", nil).Body.String()
	wantAll(t, body, `class="tab is-active" href="/dlp/quarantine?status=released" aria-current="page">Released<`,
		`class="badge quarantine-released">Released<`, "by Ana Lyst, 10 Mar 2026 12:00 UTC")
	wantNone(t, body, `action="/dlp/quarantine/`)
	quarantineCalls(e, nil, "")
	wantAll(t, e.do(t, admin(), "GET", "/dlp/quarantine?status=deleted", nil).Body.String(), "Nothing deleted yet")
	wantAll(t, e.do(t, admin(), "GET", "/dlp/quarantine?status=bogus", nil).Body.String(), "Nothing in quarantine")
	if len(*calls) != 1 || (*calls)[0] != "released||50" {
		t.Errorf("calls %v", *calls)
	}
}

func TestDecideQuarantine(t *testing.T) {
	tests := []struct {
		name        string
		actor       *airtight.Actor
		target      string
		form        url.Values
		err         error
		releaser    bool
		releaseErr  error
		want        int
		wantLoc     string
		wantDecided string // "8 released"
		wantRelease []int64
		wantShred   []int64
	}{
		{name: "release", target: "/dlp/quarantine/8/release", releaser: true,
			want: 303, wantLoc: "/dlp/quarantine?done=released", wantDecided: "8 released", wantRelease: []int64{8}},
		{name: "delete keeps the page", target: "/dlp/quarantine/7/delete", form: url.Values{"return": {"cursor=9"}}, releaser: true,
			want: 303, wantLoc: "/dlp/quarantine?cursor=9&done=deleted", wantDecided: "7 deleted", wantShred: []int64{7}},
		{name: "release without a releaser", actor: analyst(), target: "/dlp/quarantine/8/release",
			want: 303, wantLoc: "/dlp/quarantine?done=released", wantDecided: "8 released"},
		{name: "no longer held", target: "/dlp/quarantine/8/release", releaser: true,
			err:  airtight.Errorf(airtight.EConflict, "quarantined content was already released"),
			want: 303, wantLoc: "/dlp/quarantine?error=not-held", wantDecided: "8 released"},
		{name: "delivery fails", target: "/dlp/quarantine/8/release", releaser: true, releaseErr: errInternal,
			want: 303, wantLoc: "/dlp/quarantine?error=release", wantDecided: "8 released", wantRelease: []int64{8}},
		{name: "shredding fails", target: "/dlp/quarantine/8/delete", releaser: true, releaseErr: errInternal,
			want: 303, wantLoc: "/dlp/quarantine?error=delete", wantDecided: "8 deleted", wantShred: []int64{8}},
		{name: "foreign return is rebuilt", target: "/dlp/quarantine/8/release", form: url.Values{"return": {"//evil.com/x"}},
			want: 303, wantLoc: "/dlp/quarantine?done=released", wantDecided: "8 released"},
		{name: "unknown item", target: "/dlp/quarantine/99/release", err: airtight.Errorf(airtight.ENotFound, "not found"),
			want: 404, wantDecided: "99 released"},
		{name: "bad id", target: "/dlp/quarantine/x/release", want: 404},
		{name: "auditor refused", actor: auditor(), target: "/dlp/quarantine/8/release", want: 403},
		{name: "biomed refused", actor: biomed(), target: "/dlp/quarantine/8/delete", want: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rel := &fakeReleaser{err: tt.releaseErr}
			if tt.releaser {
				e.h.cfg.DLPRelease = rel
			}
			decided := ""
			e.dlp.DecideQuarantineFn = func(_ context.Context, id int64, s dlp.QuarantineStatus) (*dlp.Quarantined, error) {
				decided = strconv.FormatInt(id, 10) + " " + string(s)
				if tt.err != nil {
					return nil, tt.err
				}
				return &dlp.Quarantined{ID: id, Status: s}, nil
			}
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
			if decided != tt.wantDecided || !slices.Equal(rel.released, tt.wantRelease) || !slices.Equal(rel.shredded, tt.wantShred) {
				t.Errorf("decided %q released %v shredded %v, want %q %v %v", decided, rel.released, rel.shredded, tt.wantDecided, tt.wantRelease, tt.wantShred)
			}
			if tt.releaseErr != nil && !strings.Contains(e.logs.String(), "recorded but not carried out") {
				t.Error("a failed delivery was not logged")
			}
		})
	}
}

func TestQuarantineFlash(t *testing.T) {
	tests := []struct {
		query   string
		flash   string
		errText string
	}{
		{query: "done=released", flash: "Released. The content goes on to its destination"},
		{query: "done=deleted", flash: "Deleted for good."},
		{query: "error=not-held", errText: "This item is no longer held: someone already released or deleted it."},
		{query: "error=release", errText: "delivering it failed"},
		{query: "error=delete", errText: "destroying its content failed"},
		{query: "done=held&error=%3Cb%3Ehi"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e := newEnv(t)
			quarantineCalls(e, nil, "")
			body := e.do(t, admin(), "GET", "/dlp/quarantine?"+tt.query, nil).Body.String()
			if got := strings.Contains(body, `class="flash"`); got != (tt.flash != "") {
				t.Errorf("flash shown = %v", got)
			}
			if got := strings.Contains(body, `class="alert alert-error flash-error" role="alert"`); got != (tt.errText != "") {
				t.Errorf("error flash shown = %v", got)
			}
			wantAll(t, body, tt.flash, tt.errText)
			wantNone(t, body, "<b>hi")
		})
	}
}

func TestHostileDLPEscaped(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	e := newEnv(t)
	ev := sampleEvents()[0]
	ev.Actor, ev.Destination, ev.Rule, ev.Reason, ev.Channel, ev.Action = evil, evil+`,"><svg onload=alert(1)>`, evil, evil, dlp.Channel(evil), dlp.Action(evil)
	ev.Types = map[dlp.Type]int{dlp.Type(evil): 1}
	dlpCalls(e, []*dlp.Event{ev}, "")
	q := sampleQuarantine()[0]
	q.Actor, q.Channel, q.Types, q.Status = evil, dlp.Channel(evil), map[dlp.Type]int{dlp.Type(evil): 2}, dlp.QuarantineStatus(evil)
	quarantineCalls(e, []*dlp.Quarantined{q}, "")
	for _, target := range []string{"/dlp", "/dlp?channel=" + url.QueryEscape(evil), "/dlp/quarantine"} {
		w := e.do(t, admin(), "GET", target, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", target, w.Code)
		}
		wantNone(t, w.Body.String(), "<script>alert", "<svg onload")
		checkCSP(t, w.Body.String())
	}
}

var postFormRE = regexp.MustCompile(`(?s)<form method="post".*?</form>`)

// TestEveryPostFormCarriesCSRF renders the pages with forms and checks
// that each POST form holds the session's CSRF token: the server refuses
// the form without it.
func TestEveryPostFormCarriesCSRF(t *testing.T) {
	e := newEnv(t)
	findIncident(e)
	incidentCalls(e, sampleIncidents(), "")
	quarantineCalls(e, sampleQuarantine(), "")
	listCalls(e, sampleAlerts(), "")
	forms := 0
	for _, target := range []string{"/incidents/5", "/incidents/4", "/dlp/quarantine", "/alerts", "/incidents"} {
		body := e.do(t, admin(), "GET", target, nil).Body.String()
		for _, f := range postFormRE.FindAllString(body, -1) {
			forms++
			if !strings.Contains(f, `<input type="hidden" name="csrf_token" value="csrf-test-token">`) {
				t.Errorf("%s: form without CSRF token:\n%s", target, f)
			}
		}
	}
	if forms < 10 {
		t.Errorf("found %d POST forms, want the triage and decision forms too", forms)
	}
}

func TestNewRoutesPolicy(t *testing.T) {
	e := newEnv(t)
	want := map[string][]airtight.Role{
		"GET /incidents":                    readRoles,
		"GET /incidents/{id}":               readRoles,
		"POST /incidents/{id}/status":       triageRoles,
		"POST /incidents/{id}/assign":       triageRoles,
		"GET /dlp":                          readRoles,
		"GET /dlp/quarantine":               readRoles,
		"POST /dlp/quarantine/{id}/release": {airtight.RoleAdmin, airtight.RoleAnalyst},
		"POST /dlp/quarantine/{id}/delete":  {airtight.RoleAdmin, airtight.RoleAnalyst},
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
		if rt.Method == "POST" && slices.Contains(rt.Roles, airtight.RoleAuditor) {
			t.Errorf("%s lets auditors change things", key)
		}
	}
	for key := range want {
		t.Errorf("route %s is missing", key)
	}
}

func TestNewRequiresEachService(t *testing.T) {
	e := newEnv(t)
	full := e.h.cfg
	for name, clear := range map[string]func(*Config){
		"Incidents": func(c *Config) { c.Incidents = nil },
		"DLP":       func(c *Config) { c.DLP = nil },
	} {
		c := full
		clear(&c)
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: err = %v", name, err)
		}
	}
	c := full
	c.DLPRelease = nil
	if _, err := New(c); err != nil {
		t.Errorf("DLPRelease is optional: %v", err)
	}
}
