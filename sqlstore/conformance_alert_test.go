package sqlstore

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
)

func newAlert(key string, sev alert.Severity, device int64) *alert.Alert {
	return &alert.Alert{Source: "pki", Kind: "certificate.expiring", Key: key, Severity: sev, DeviceID: device,
		Title: "Certificate expires in 30 days", Summary: "The device will lose its network identity.",
		Action: "Renew it.", Evidence: json.RawMessage(`{"serial":"1f"}`)}
}

// Raise deduplicates by key while the alert is unresolved, reopens an
// acknowledged alert that escalates, and starts a new one after resolution.
func testAlertLifecycle(t *testing.T, f *fixture) {
	_, _, v := f.chain(f.a, "Acme")
	dev := f.device(f.a, v.ID, "A-1")
	a1, created, err := f.db.Raise(f.a, newAlert("pki.expiry:1f", alert.Medium, dev.ID))
	must(t, err)
	if !created || a1.Status != alert.StatusOpen || a1.Count != 1 || a1.ID == 0 {
		t.Fatalf("first raise: created=%v %+v", created, a1)
	}
	f.now = f.now.Add(time.Hour)
	a2, created, err := f.db.Raise(f.a, newAlert("pki.expiry:1f", alert.Medium, dev.ID))
	must(t, err)
	if created || a2.ID != a1.ID || a2.Count != 2 || !a2.LastSeen.Equal(f.now) || !a2.FirstSeen.Equal(a1.FirstSeen) {
		t.Fatalf("repeat: created=%v %+v", created, a2)
	}
	_, err = f.db.SetStatus(f.a, a1.ID, alert.StatusAcknowledged)
	must(t, err)
	a3, _, err := f.db.Raise(f.a, newAlert("pki.expiry:1f", alert.Low, dev.ID))
	must(t, err)
	if a3.Status != alert.StatusAcknowledged {
		t.Errorf("a repeat at lower severity reopened the alert: %s", a3.Status)
	}
	a4, _, err := f.db.Raise(f.a, newAlert("pki.expiry:1f", alert.Critical, dev.ID))
	must(t, err)
	if a4.Status != alert.StatusOpen || a4.Severity != alert.Critical {
		t.Errorf("escalation did not reopen: %+v", a4)
	}
	got, err := f.db.FindAlert(f.a, a1.ID)
	must(t, err)
	if got.Count != 4 || got.Severity != alert.Critical || string(got.Evidence) != `{"serial":"1f"}` {
		t.Errorf("stored = %+v", got)
	}
	_, err = f.db.SetStatus(f.a, a1.ID, alert.StatusResolved)
	must(t, err)
	a5, created, err := f.db.Raise(f.a, newAlert("pki.expiry:1f", alert.Medium, dev.ID))
	must(t, err)
	if !created || a5.ID == a1.ID {
		t.Errorf("after resolution a new alert must open: created=%v id=%d", created, a5.ID)
	}
	wantCode(t, errOf(f.db.SetStatus(f.a, a1.ID, alert.StatusOpen)), airtight.EConflict)
	wantCode(t, errOf(f.db.SetStatus(f.a, a1.ID, "closed")), airtight.EInvalid)
	var actions []string
	for _, e := range f.entries() {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"alert.open", "alert.status", "alert.escalate"} {
		if !slices.Contains(actions, want) {
			t.Errorf("no %s audit entry in %v", want, actions)
		}
	}
}

func errOf[T any](_ T, err error) error { return err }

func testAlertIsolationAndList(t *testing.T, f *fixture) {
	_, _, v := f.chain(f.a, "Acme")
	dev := f.device(f.a, v.ID, "A-1")
	for i, sev := range []alert.Severity{alert.Low, alert.High, alert.Critical} {
		_, _, err := f.db.Raise(f.a, newAlert(string(rune('a'+i)), sev, dev.ID))
		must(t, err)
	}
	mine, _, err := f.db.Raise(f.b, newAlert("b", alert.High, 0))
	must(t, err)
	_, _, err = f.db.Raise(f.b, newAlert("x", alert.High, dev.ID))
	wantCode(t, err, airtight.EInvalid) // org a's device
	list, _, err := f.db.ListAlerts(f.b, alert.Filter{})
	must(t, err)
	if len(list) != 1 || list[0].ID != mine.ID {
		t.Errorf("org b lists %d alerts", len(list))
	}
	aList, _, err := f.db.ListAlerts(f.a, alert.Filter{})
	must(t, err)
	for _, a := range aList {
		wantCode(t, errOf(f.db.FindAlert(f.b, a.ID)), airtight.ENotFound)
		wantCode(t, errOf(f.db.SetStatus(f.b, a.ID, alert.StatusResolved)), airtight.ENotFound)
	}
	high, _, err := f.db.ListAlerts(f.a, alert.Filter{MinSeverity: alert.High})
	must(t, err)
	if len(high) != 2 || high[0].Severity != alert.Critical {
		t.Errorf("min severity high: %+v", high)
	}
	page, next, err := f.db.ListAlerts(f.a, alert.Filter{Limit: 2})
	must(t, err)
	rest, last, err := f.db.ListAlerts(f.a, alert.Filter{Limit: 2, Cursor: next})
	must(t, err)
	if len(page) != 2 || next == "" || len(rest) != 1 || last != "" {
		t.Fatalf("paging: %d %q %d %q", len(page), next, len(rest), last)
	}
	if got := []alert.Severity{page[0].Severity, page[1].Severity, rest[0].Severity}; !slices.Equal(got, []alert.Severity{alert.Critical, alert.High, alert.Low}) {
		t.Errorf("order = %v, want most severe first", got)
	}
	wantCode(t, errOf3(f.db.ListAlerts(f.a, alert.Filter{Cursor: "x"})), airtight.EInvalid)
	wantCode(t, errOf3(f.db.ListAlerts(f.a, alert.Filter{MinSeverity: "dire"})), airtight.EInvalid)
	bad := newAlert("k", "dire", 0)
	wantCode(t, errOf3(f.db.Raise(f.a, bad)), airtight.EInvalid)
}

func errOf3[A, B any](_ A, _ B, err error) error { return err }
