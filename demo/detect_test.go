package demo_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/demo"
	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/builtin"
	"github.com/airtight/airtight/detect/pipeline"
	"github.com/airtight/airtight/inventory"
)

// fleetDevices seeds the demo hospital and lists its devices.
func fleetDevices(t *testing.T) []*inventory.Device {
	t.Helper()
	db, res := seeded(t)
	ctx := airtight.NewContext(context.Background(), airtight.SystemActor(res.HospitalID, "test"))
	var out []*inventory.Device
	f := inventory.DeviceFilter{Limit: inventory.MaxPageSize}
	for {
		page, err := db.ListDevices(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Devices...)
		if page.NextCursor == "" {
			return out
		}
		f.Cursor = page.NextCursor
	}
}

func TestIncidentStory(t *testing.T) {
	devs := fleetDevices(t)
	cast, err := demo.CastStory(devs)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	events := cast.Events(end)

	byIP := map[netip.Addr]*inventory.Device{}
	dir := detect.NewMemDirectory()
	for _, d := range devs {
		a, err := netip.ParseAddr(d.IP)
		if err != nil || d.Status == inventory.StatusDecommissioned {
			continue
		}
		byIP[a] = d
		ref := detect.DeviceRef{ID: d.ID, AssetTag: d.AssetTag, Name: d.Hostname, Kind: string(d.Kind),
			Zone: d.NetworkZone, Criticality: string(d.Criticality), IP: a, AETitle: d.AETitle, HL7App: d.HL7Application}
		if dir.Add(ref) != nil { // models share HL7 application names: the first keeps it
			ref.HL7App = ""
			if err := dir.Add(ref); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("on the inventory's devices, this morning", func(t *testing.T) {
		outsiders := map[netip.Addr]bool{}
		for _, e := range events {
			if e.Time.After(end) || e.Time.Before(end.Add(-3*time.Hour)) {
				t.Errorf("event at %s, outside the three hours before %s", e.Time, end)
			}
			for _, a := range []netip.Addr{e.Src.IP, e.Dst.IP} {
				if _, ok := byIP[a]; !ok && a.IsValid() {
					outsiders[a] = true
				}
			}
		}
		// Only the two unregistered systems and the internet address are
		// not in the inventory.
		if len(outsiders) != 3 {
			t.Errorf("addresses outside the inventory: %v, want 3", outsiders)
		}
	})
	t.Run("every step is detected", func(t *testing.T) {
		dets, err := builtin.All(builtin.Config{Directory: dir})
		if err != nil {
			t.Fatal(err)
		}
		found, _, err := pipeline.Replay(context.Background(), pipeline.Config{Directory: dir, Detectors: dets}, events)
		if err != nil {
			t.Fatal(err)
		}
		subjects := map[string]int64{}
		for _, d := range found {
			subjects[d.Rule] = d.DeviceID
		}
		want := []struct {
			rule   string
			device *inventory.Device // nil: an address outside the inventory
		}{
			{builtin.RuleBruteForce, cast.PACS},
			{builtin.RuleBruteForceSuccess, cast.PACS},
			{builtin.RuleSMBExploit, cast.Workstation},
			{builtin.RuleSMBSpread, cast.Workstation},
			{builtin.RuleInhibitRecovery, cast.Radiology},
			{builtin.RuleDICOMRogueAE, nil},
			{builtin.RuleHL7UnknownSender, nil},
			{builtin.RuleMedicalInternet, cast.Pump},
		}
		for _, w := range want {
			id, ok := subjects[w.rule]
			switch {
			case !ok:
				t.Errorf("%s not detected; detections %v", w.rule, subjects)
			case w.device != nil && id != w.device.ID:
				t.Errorf("%s about device %d, want %s (%d)", w.rule, id, w.device.AssetTag, w.device.ID)
			case w.device == nil && id != 0:
				t.Errorf("%s about inventory device %d, want an unregistered address", w.rule, id)
			}
		}
	})
}

func TestCastStoryTooSmall(t *testing.T) {
	recs := demo.GenerateRecords(3, demo.DefaultSeed)
	var devs []*inventory.Device
	for i := range recs {
		d := recs[i].Device
		d.Kind = recs[i].Kind
		devs = append(devs, &d)
	}
	if _, err := demo.CastStory(devs); !errors.Is(err, demo.ErrFleetTooSmall) {
		t.Errorf("CastStory of 3 devices = %v, want ErrFleetTooSmall", err)
	}
}
