package web

// Temporary: screenshots of every page over fakes, for design review.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/inventory"
)

func demoDevices() []*inventory.Device {
	kinds := []struct {
		k    inventory.Kind
		c    inventory.Criticality
		mfr  string
		mod  string
		dept string
		zone string
	}{
		{"infusion-pump", inventory.LifeSustaining, "Baxter", "Sigma Spectrum", "ICU", "clinical-vlan-10"},
		{"patient-monitor", inventory.LifeSupporting, "Philips", "IntelliVue MX450", "ICU", "clinical-vlan-10"},
		{"ventilator", inventory.LifeSustaining, "Dräger", "Evita V800", "ICU", "clinical-vlan-10"},
		{"ct-scanner", inventory.Diagnostic, "Siemens Healthineers", "SOMATOM go.Top", "Radiology", "imaging-vlan-20"},
		{"pacs-server", inventory.Diagnostic, "Sectra", "PACS 25", "Radiology", "imaging-vlan-20"},
		{"lab-analyzer", inventory.Diagnostic, "Roche", "cobas 6000", "Laboratory", "lab-vlan-30"},
		{"nurse-station-pc", inventory.Administrative, "Dell", "OptiPlex 7010", "Cardiology", "corp-lan"},
		{"printer", inventory.Administrative, "HP", "LaserJet M507", "Emergency", "corp-lan"},
		{"anesthesia-machine", inventory.LifeSustaining, "GE HealthCare", "Aisys CS2", "Operating rooms", "clinical-vlan-11"},
		{"syringe-pump", inventory.LifeSustaining, "B. Braun", "Perfusor Space", "Neonatology", "clinical-vlan-12"},
	}
	var out []*inventory.Device
	statuses := []inventory.Status{"active", "active", "active", "active", "active", "active", "maintenance", "active", "quarantined", "active", "active", "decommissioned"}
	for i := 0; i < 320; i++ {
		k := kinds[(i*7)%len(kinds)]
		if i%3 == 0 {
			k = kinds[0]
		}
		out = append(out, &inventory.Device{
			ID: int64(i + 1), OrgID: 1, AssetTag: fmt.Sprintf("BM-%06d", 4000+i), SerialNumber: fmt.Sprintf("SN%08d", 91000+i*13),
			Site: "Main campus", Department: k.dept, Room: fmt.Sprintf("%d.%03d", 1+i%4, 100+i%37), NetworkZone: k.zone,
			IP: fmt.Sprintf("10.%d.%d.%d", 20+i%5, i/250, 10+i%240), MAC: fmt.Sprintf("00:1a:2b:%02x:%02x:%02x", i%256, (i*3)%256, (i*7)%256),
			Hostname: fmt.Sprintf("%s-%03d", k.k, i), Status: statuses[i%len(statuses)], LastSeen: testNow.Add(-time.Duration(i*37) * time.Minute),
			FirstSeen: testNow.Add(-400 * 24 * time.Hour), CreatedAt: testNow.Add(-300 * 24 * time.Hour), UpdatedAt: testNow.Add(-3 * 24 * time.Hour),
			Manufacturer: k.mfr, Model: k.mod, Kind: k.k, Criticality: k.c, Version: fmt.Sprintf("%d.%d.%d", 2+i%3, i%10, i%4),
			AETitle: "", HL7Application: "",
		})
	}
	return out
}

func TestZZShots(t *testing.T) {
	dir := os.Getenv("SHOTS")
	if dir == "" {
		t.Skip("SHOTS not set")
	}
	e := newEnv(t)
	devs := demoDevices()
	sb := newSummaryBuilder()
	for _, d := range devs {
		sb.add(d)
	}
	e.devices.SummarizeFn = func(context.Context) (*inventory.Summary, error) { return sb.summary(), nil }
	e.devices.ListDevicesFn = func(_ context.Context, f inventory.DeviceFilter) (*inventory.DevicePage, error) {
		n := f.Limit
		return &inventory.DevicePage{Devices: devs[:n], NextCursor: "next"}, nil
	}
	e.devices.FindDeviceFn = func(context.Context, int64) (*inventory.Device, error) { return devs[2], nil }
	e.grants.ListGrantsFn = func(context.Context) ([]*inventory.Grant, error) {
		rv := testNow.Add(-48 * time.Hour)
		return []*inventory.Grant{
			{ID: 3, OrgID: 1, GranteeOrgID: 2, GranteeOrgName: "Baxter Service EU", ManufacturerName: "Baxter", CreatedBy: "Dana Biomed", CreatedAt: testNow.Add(-30 * 24 * time.Hour), Note: "Sigma Spectrum patch programme"},
			{ID: 4, OrgID: 1, GranteeOrgID: 5, GranteeOrgName: "Philips Remote Services", ManufacturerName: "Philips", CreatedBy: "Dana Biomed", CreatedAt: testNow.Add(-90 * 24 * time.Hour), RevokedAt: &rv},
			{ID: 5, OrgID: 8, GranteeOrgID: 1, OrgName: "Northside Clinic", ManufacturerName: "Dell", CreatedBy: "Lee Admin", CreatedAt: testNow.Add(-10 * 24 * time.Hour)},
		}, nil
	}
	e.audit.ListEntriesFn = func(_ context.Context, f audit.Filter) ([]*audit.Entry, error) {
		var out []*audit.Entry
		acts := []string{"device.create", "device.update", "grant.create", "grant.revoke", "user.login"}
		for s := f.AfterSeq + 1; s <= 140 && len(out) < f.Limit; s++ {
			out = append(out, &audit.Entry{Seq: s, Time: testNow.Add(-time.Duration(140-s) * time.Hour), ActorKind: "user", ActorName: "Dana Biomed",
				RemoteAddr: "10.0.0.5", Action: acts[s%5], TargetType: "device", TargetID: fmt.Sprint(s), Hash: "3f9a1c0e5b7d2a4f6e8c0b1d3f5a7c9e"})
		}
		return out, nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/login" && r.URL.Path != "/missing" {
			r = r.WithContext(airtight.NewContext(r.Context(), admin()))
		}
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		e.mux.ServeHTTP(w, r)
	}))
	defer srv.Close()
	pages := map[string]string{"overview": "/", "devices": "/devices", "device": "/devices/3", "grants": "/grants", "audit": "/audit", "login": "/login", "notfound": "/devices/99999x"}
	for name, p := range pages {
		for _, w := range []string{"1440,2000"} {
			out := fmt.Sprintf("%s/%s.png", dir, name)
			cmd := exec.Command("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir="+t.TempDir(),
				"--window-size="+w, "--screenshot="+out, srv.URL+p)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: %v\n%s", name, err, b)
			}
		}
	}
}
