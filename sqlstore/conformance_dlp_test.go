package sqlstore

import (
	"slices"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/dlp"
)

func dlpEvent(action dlp.Action) *dlp.Event {
	return &dlp.Event{Channel: dlp.ChannelSMTP, Actor: "nurse@riverside.example", Destination: "gmail.com", External: true,
		Action: action, Rule: "phi-external-mail", Reason: "2 NAME, 1 SSN to an external recipient",
		Types: map[dlp.Type]int{dlp.Name: 2, dlp.SSN: 1}, Bytes: 2048}
}

// DLP events list newest first with filters and pages, trend per day;
// quarantined content is held, then released or deleted once (audited);
// another organization sees nothing.
func testDLPEvents(t *testing.T, f *fixture) {
	must(t, f.db.RecordDLPEvent(f.a, dlpEvent(dlp.ActionAllow), nil))
	f.now = f.now.Add(24 * time.Hour)
	must(t, f.db.RecordDLPEvent(f.a, dlpEvent(dlp.ActionBlock), nil))
	q := &dlp.Quarantined{VaultID: "v-1", Bytes: 2048}
	ev := dlpEvent(dlp.ActionQuarantine)
	ev.Ref = "v-1"
	must(t, f.db.RecordDLPEvent(f.a, ev, q))
	if q.ID == 0 || q.EventID != ev.ID || q.Status != dlp.QuarantineHeld || q.Types[dlp.SSN] != 1 {
		t.Fatalf("quarantine record = %+v", q)
	}

	page, next, err := f.db.ListDLPEvents(f.a, dlp.EventFilter{Limit: 2})
	must(t, err)
	rest, last, err := f.db.ListDLPEvents(f.a, dlp.EventFilter{Limit: 2, Cursor: next})
	must(t, err)
	if len(page) != 2 || next == "" || len(rest) != 1 || last != "" || page[0].Action != dlp.ActionQuarantine {
		t.Fatalf("paging: %d %q %d %q", len(page), next, len(rest), last)
	}
	if got := page[0]; got.Types[dlp.Name] != 2 || !got.External || got.Destination != "gmail.com" || got.Ref != "v-1" {
		t.Errorf("stored event = %+v", got)
	}
	blocked, _, err := f.db.ListDLPEvents(f.a, dlp.EventFilter{Action: dlp.ActionBlock})
	must(t, err)
	if len(blocked) != 1 {
		t.Errorf("filter by action: %d", len(blocked))
	}
	trend, err := f.db.DLPTrend(f.a, f.now.Add(-7*24*time.Hour))
	must(t, err)
	if len(trend) != 2 || trend[0].Counts[dlp.ActionAllow] != 1 || trend[1].Counts[dlp.ActionBlock] != 1 ||
		trend[1].Counts[dlp.ActionQuarantine] != 1 || trend[1].Day.Sub(trend[0].Day) != 24*time.Hour {
		t.Errorf("trend = %+v", trend)
	}

	held, _, err := f.db.ListQuarantine(f.a, dlp.QuarantineHeld, "", 0)
	must(t, err)
	if len(held) != 1 || held[0].VaultID != "v-1" {
		t.Fatalf("held = %+v", held)
	}
	wantCode(t, errOf(f.db.FindQuarantined(f.b, q.ID)), airtight.ENotFound)
	wantCode(t, errOf(f.db.DecideQuarantine(f.b, q.ID, dlp.QuarantineReleased)), airtight.ENotFound)
	wantCode(t, errOf(f.db.DecideQuarantine(f.a, q.ID, "held")), airtight.EInvalid)
	got, err := f.db.DecideQuarantine(f.a, q.ID, dlp.QuarantineReleased)
	must(t, err)
	if got.Status != dlp.QuarantineReleased || got.DecidedBy == "" || !got.DecidedAt.Equal(f.now) {
		t.Errorf("released = %+v", got)
	}
	wantCode(t, errOf(f.db.DecideQuarantine(f.a, q.ID, dlp.QuarantineDeleted)), airtight.EConflict)
	wantCode(t, f.db.RecordDLPEvent(f.a, dlpEvent(dlp.ActionQuarantine), &dlp.Quarantined{VaultID: "v-1"}), airtight.EConflict)
	bad := dlpEvent("shred")
	wantCode(t, f.db.RecordDLPEvent(f.a, bad, nil), airtight.EInvalid)

	if l, _, _ := f.db.ListDLPEvents(f.b, dlp.EventFilter{}); len(l) != 0 {
		t.Errorf("org b lists %d events", len(l))
	}
	var actions []string
	for _, e := range f.entries() {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"dlp.quarantine.hold", "dlp.quarantine.release"} {
		if !slices.Contains(actions, want) {
			t.Errorf("no %s audit entry", want)
		}
	}
}
