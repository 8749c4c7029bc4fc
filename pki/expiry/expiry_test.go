package expiry

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/pki"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func TestStage(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name  string
		left  time.Duration
		days  int
		sev   alert.Severity
		alert bool
	}{
		{"100 days: nothing", 100 * day, 0, "", false},
		{"90 days exactly", 90 * day, 90, alert.Low, true},
		{"61 days", 61 * day, 90, alert.Low, true},
		{"45 days", 45 * day, 60, alert.Low, true},
		{"30 days", 30 * day, 30, alert.Medium, true},
		{"8 days", 8 * day, 30, alert.Medium, true},
		{"7 days", 7 * day, 7, alert.High, true},
		{"3 days", 3 * day, 3, alert.Critical, true},
		{"1 hour", time.Hour, 3, alert.Critical, true},
		{"expired now", 0, 0, alert.Critical, true},
		{"expired 2 days", -2 * day, 0, alert.Critical, true},
		{"expired 3 days", -3 * day, -3, alert.Critical, true},
		{"expired 40 days", -40 * day, -30, alert.Critical, true},
		{"expired 200 days", -200 * day, -90, alert.Critical, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			days, sev, ok := Stage(now.Add(tc.left), now)
			if ok != tc.alert || days != tc.days || sev != tc.sev {
				t.Errorf("Stage = %d %q %v; want %d %q %v", days, sev, ok, tc.days, tc.sev, tc.alert)
			}
		})
	}
}

type fakeOrgs struct{ airtight.OrganizationService }

func (fakeOrgs) ListOrganizations(context.Context) ([]*airtight.Organization, error) {
	return []*airtight.Organization{{ID: 7, Slug: "h"}}, nil
}

type fakeCerts struct{ certs []*pki.Certificate }

func (f *fakeCerts) ListCertificates(_ context.Context, fl pki.CertificateFilter) ([]*pki.Certificate, string, error) {
	var out []*pki.Certificate
	for _, c := range f.certs {
		if fl.Status != "" && c.Status != fl.Status {
			continue
		}
		if fl.DeviceID != 0 && c.DeviceID != fl.DeviceID {
			continue
		}
		if fl.ExpiringWithin > 0 && !c.NotAfter.Before(now.Add(fl.ExpiringWithin)) {
			continue
		}
		out = append(out, c)
	}
	return out, "", nil
}

type fakeAlerts struct {
	alert.Service
	raised []*alert.Alert
	orgs   []int64
}

func (f *fakeAlerts) Raise(ctx context.Context, a *alert.Alert) (*alert.Alert, bool, error) {
	f.raised = append(f.raised, a)
	f.orgs = append(f.orgs, airtight.ActorFrom(ctx).OrgID)
	return a, true, nil
}

func TestWatchRun(t *testing.T) {
	day := 24 * time.Hour
	certs := &fakeCerts{certs: []*pki.Certificate{
		{Serial: "a1", CAID: 1, DeviceID: 10, Profile: "device-ldevid", Status: pki.StatusGood, NotAfter: now.Add(5 * day)},
		{Serial: "b2", CAID: 1, DeviceID: 11, Profile: "device-ldevid", Status: pki.StatusGood, NotAfter: now.Add(-10 * day)},
		{Serial: "c3", CAID: 1, DeviceID: 12, Profile: "device-ldevid", Status: pki.StatusGood, NotAfter: now.Add(200 * day)},
		{Serial: "d4", CAID: 1, DeviceID: 13, Profile: "device-ldevid", Status: pki.StatusRevoked, NotAfter: now.Add(2 * day)},
		// e5 was renewed by f6: no alert for it.
		{Serial: "e5", CAID: 1, DeviceID: 14, Profile: "device-ldevid", Status: pki.StatusGood, NotAfter: now.Add(10 * day)},
		{Serial: "f6", CAID: 1, DeviceID: 14, Profile: "device-ldevid", Status: pki.StatusGood, NotAfter: now.Add(365 * day)},
	}}
	alerts := &fakeAlerts{}
	w := &Watch{Orgs: fakeOrgs{}, Certs: certs, Alerts: alerts, Now: func() time.Time { return now }}
	n, err := w.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || len(alerts.raised) != 2 {
		t.Fatalf("raised %d alerts, want 2 (a1 expiring, b2 expired)", len(alerts.raised))
	}
	a1, b2 := alerts.raised[0], alerts.raised[1]
	if a1.Key != "pki.expiry:1:a1" || a1.Severity != alert.High || a1.DeviceID != 10 || !strings.Contains(a1.Title, "within 7 days") {
		t.Errorf("a1 alert = %+v", a1)
	}
	if b2.Severity != alert.Critical || !strings.Contains(b2.Title, "expired more than 7 days ago") {
		t.Errorf("b2 alert = %+v", b2)
	}
	for _, a := range alerts.raised {
		if err := a.Validate(); err != nil {
			t.Errorf("alert does not validate: %v", err)
		}
	}
	if alerts.orgs[0] != 7 {
		t.Errorf("raised in org %d, want 7", alerts.orgs[0])
	}
}
