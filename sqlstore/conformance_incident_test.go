package sqlstore

import (
	"strconv"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
)

func detectAlert(key, subject string, sev alert.Severity, device int64) *alert.Alert {
	a := newAlert(key, sev, device)
	a.Source, a.Kind, a.Subject, a.Title = "detect", "detect.rule", subject, "Detection "+key
	return a
}

// Alerts about one subject close in time form one incident; later ones
// start another; closing an incident resolves its alerts; escalation
// reopens an acknowledged incident; another organization sees nothing.
func testIncidents(t *testing.T, f *fixture) {
	_, _, v := f.chain(f.a, "Acme")
	dev := f.device(f.a, v.ID, "A-1")
	subj := "device:" + strconv.FormatInt(dev.ID, 10)
	a1, _, err := f.db.Raise(f.a, detectAlert("smb-scan", subj, alert.Medium, dev.ID))
	must(t, err)
	f.now = f.now.Add(time.Hour)
	a2, _, err := f.db.Raise(f.a, detectAlert("eternalblue", subj, alert.Low, dev.ID))
	must(t, err)
	other, _, err := f.db.Raise(f.a, detectAlert("rogue-ae", "10.9.9.9", alert.High, 0))
	must(t, err)
	if a1.IncidentID == 0 || a2.IncidentID != a1.IncidentID || other.IncidentID == a1.IncidentID {
		t.Fatalf("grouping: %d %d %d", a1.IncidentID, a2.IncidentID, other.IncidentID)
	}
	standalone, _, err := f.db.Raise(f.a, newAlert("pki.expiry:1", alert.Medium, dev.ID))
	must(t, err)
	if standalone.IncidentID != 0 {
		t.Errorf("an alert without subject joined incident %d", standalone.IncidentID)
	}
	inc, alerts, err := f.db.FindIncident(f.a, a1.IncidentID)
	must(t, err)
	if inc.AlertCount != 2 || len(alerts) != 2 || inc.Severity != alert.Medium || inc.DeviceID != dev.ID || !inc.LastSeen.Equal(f.now) {
		t.Fatalf("incident = %+v with %d alerts", inc, len(alerts))
	}

	ack := alert.IncidentAcknowledged
	who := "biomed on call"
	got, err := f.db.UpdateIncident(f.a, inc.ID, alert.IncidentUpdate{Status: &ack, Assignee: &who})
	must(t, err)
	if got.Status != ack || got.Assignee != who {
		t.Errorf("update = %+v", got)
	}
	// A repeat at a higher severity escalates and reopens the incident.
	_, _, err = f.db.Raise(f.a, detectAlert("smb-scan", subj, alert.Critical, dev.ID))
	must(t, err)
	inc, _, err = f.db.FindIncident(f.a, inc.ID)
	must(t, err)
	if inc.Status != alert.IncidentOpen || inc.Severity != alert.Critical || inc.AlertCount != 2 {
		t.Errorf("after escalation: %+v", inc)
	}

	closed := alert.IncidentClosed
	_, err = f.db.UpdateIncident(f.a, inc.ID, alert.IncidentUpdate{Status: &closed})
	must(t, err)
	_, alerts, err = f.db.FindIncident(f.a, inc.ID)
	must(t, err)
	for _, a := range alerts {
		if a.Status != alert.StatusResolved {
			t.Errorf("alert %d of a closed incident is %s", a.ID, a.Status)
		}
	}
	a3, _, err := f.db.Raise(f.a, detectAlert("rogue-ae", "10.9.9.9", alert.High, 0))
	must(t, err)
	if a3.ID != other.ID || a3.IncidentID != other.IncidentID {
		t.Errorf("a repeat of an open alert must stay in its incident: %+v", a3)
	}
	// After the window a new alert starts a new incident.
	f.now = f.now.Add(alert.IncidentWindow + time.Minute)
	a4, _, err := f.db.Raise(f.a, detectAlert("unknown-hl7", "10.9.9.9", alert.Medium, 0))
	must(t, err)
	if a4.IncidentID == other.IncidentID {
		t.Errorf("an alert after the window joined the old incident")
	}

	list, _, err := f.db.ListIncidents(f.a, alert.IncidentFilter{Status: alert.IncidentOpen})
	must(t, err)
	if len(list) != 2 {
		t.Errorf("open incidents = %d, want 2", len(list))
	}
	wantCode(t, errOf(f.db.UpdateIncident(f.a, inc.ID, alert.IncidentUpdate{})), airtight.EInvalid)
	bad := alert.IncidentStatus("gone")
	wantCode(t, errOf(f.db.UpdateIncident(f.a, inc.ID, alert.IncidentUpdate{Status: &bad})), airtight.EInvalid)
	wantCode(t, errOf3(f.db.FindIncident(f.b, inc.ID)), airtight.ENotFound)
	wantCode(t, errOf(f.db.UpdateIncident(f.b, inc.ID, alert.IncidentUpdate{Status: &closed})), airtight.ENotFound)
	if l, _, _ := f.db.ListIncidents(f.b, alert.IncidentFilter{}); len(l) != 0 {
		t.Errorf("org b lists %d incidents", len(l))
	}
}
