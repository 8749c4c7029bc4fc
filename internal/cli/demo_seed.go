package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/demo"
	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/builtin"
	"github.com/airtight/airtight/detect/observe"
	"github.com/airtight/airtight/detect/pipeline"
	"github.com/airtight/airtight/dlp/policy"
	"github.com/airtight/airtight/dlp/vault"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/sqlstore"
)

// The demo's capabilities beyond the inventory: vulnerabilities, patient
// data loss prevention and attack detection, seeded once each (every step
// looks for its own data first), so that a first start shows what airtight
// does.

// demoPolicyFile is the demo's DLP policy in the data directory.
const demoPolicyFile = "dlp-policy.yaml"

// capabilities says what seedCapabilities did.
type capabilities struct {
	Vuln      *demo.VulnResult
	DLP       *demo.DLPResult
	Detect    *detectSeed // nil when the fleet is too small for the story
	PolicyNew bool        // the demo's DLP policy file was written now
}

// detectSeed says what seedDetections did.
type detectSeed struct {
	AlreadySeeded bool
	Events        int
	Alerts        int
	Incidents     int
}

// useDemoPolicy makes the demo server use the demo's DLP policy (the
// default one with the hospital's domains) unless a policy is configured:
// it writes the file into the data directory once and keeps it after.
func useDemoPolicy(c *Config) (bool, error) {
	if c.DLPPolicy != "" {
		return false, nil
	}
	path := filepath.Join(c.Data, demoPolicyFile)
	c.DLPPolicy = path
	switch _, err := os.Stat(path); {
	case err == nil:
		return false, nil
	case !errors.Is(err, os.ErrNotExist):
		return false, err
	}
	if err := writeFileAtomic(path, demo.DLPPolicyYAML()); err != nil {
		return false, fmt.Errorf("write demo DLP policy: %w", err)
	}
	return true, nil
}

// seedCapabilities seeds vulnerabilities, DLP history and the incident
// story. The store's clock is moved into the past while history is
// recorded, and set back to the wall clock before it returns.
func seedCapabilities(ctx context.Context, c *Config, db *sqlstore.DB, log *slog.Logger) (*capabilities, error) {
	clk := &demo.Clock{}
	db.Now = clk.Now
	defer func() { db.Now = time.Now }()
	out := &capabilities{}
	var err error
	if out.Vuln, err = demo.SeedVuln(ctx, db, sqlstore.NewVuln(db, db, log)); err != nil {
		return nil, err
	}
	if out.DLP, err = seedDemoDLP(ctx, c, db, clk); err != nil {
		return nil, err
	}
	out.Detect, err = seedDetections(ctx, db, clk, time.Now().Add(-40*time.Minute))
	if errors.Is(err, demo.ErrFleetTooSmall) {
		log.Info("demo incident story skipped", "reason", err.Error())
		return out, nil
	}
	return out, err
}

// seedDemoDLP records the DLP history with the server's content scanner
// and policy, keeping held content in the server's vault.
func seedDemoDLP(ctx context.Context, c *Config, db *sqlstore.DB, clk *demo.Clock) (*demo.DLPResult, error) {
	sc, err := newContentScanner(nil, "")
	if err != nil {
		return nil, fmt.Errorf("demo dlp: %w", err)
	}
	pol, err := policy.Load(c.DLPPolicy)
	if err != nil {
		return nil, fmt.Errorf("demo dlp: %w", err)
	}
	key, err := vault.LoadOrCreateKey(filepath.Join(c.Data, "vault.key"))
	if err != nil {
		return nil, fmt.Errorf("demo dlp vault key: %w", err)
	}
	v, err := vault.New(filepath.Join(c.Data, "vault"), key, vault.WithClock(clk.Now))
	if err != nil {
		return nil, fmt.Errorf("demo dlp vault: %w", err)
	}
	return demo.SeedDLP(ctx, db, demo.DLPOptions{Scanner: sc, Policy: pol, Vault: v, Clock: clk})
}

// seedDetections runs the demo's incident story, ending at end, through the
// built-in detections with the hospital's devices as the directory, and
// raises the alerts as the hospital's detection would have, each at the
// time it was first seen; alerts about one device group into incidents.
// It does nothing when the hospital has detection alerts already.
func seedDetections(ctx context.Context, db *sqlstore.DB, clk *demo.Clock, end time.Time) (*detectSeed, error) {
	hospital, err := db.FindOrganizationBySlug(airtight.NewContext(ctx, nil), demo.HospitalSlug)
	if err != nil {
		return nil, fmt.Errorf("demo detect: %w", err)
	}
	hctx := airtight.NewContext(ctx, airtight.SystemActor(hospital.ID, "detect"))
	if as, _, err := db.ListAlerts(hctx, alert.Filter{Source: "detect", Limit: 1}); err != nil {
		return nil, fmt.Errorf("demo detect: %w", err)
	} else if len(as) > 0 {
		return &detectSeed{AlreadySeeded: true}, nil
	}
	devs, err := allDevices(hctx, db)
	if err != nil {
		return nil, err
	}
	cast, err := demo.CastStory(devs)
	if err != nil {
		return nil, err
	}
	dir := detect.NewMemDirectory()
	for _, d := range devs {
		addDevice(dir, d)
	}
	dets, err := builtin.All(builtin.Config{Directory: dir})
	if err != nil {
		return nil, fmt.Errorf("demo detect: %w", err)
	}
	events := cast.Events(end)
	found, _, err := pipeline.Replay(ctx, pipeline.Config{Directory: dir, Detectors: dets}, events)
	if err != nil {
		return nil, fmt.Errorf("demo detect: %w", err)
	}
	res := &detectSeed{Events: len(events)}
	if err := seedObservations(hctx, db, dir, append(demo.Traffic(devs, end), events...)); err != nil {
		return nil, err
	}
	for _, d := range found {
		clk.Set(d.FirstSeen)
		if _, _, err := db.Raise(hctx, detectionAlert(d)); err != nil {
			return nil, fmt.Errorf("demo detect: raise %s: %w", d.Rule, err)
		}
		res.Alerts++
	}
	clk.Set(time.Time{})
	incs, _, err := db.ListIncidents(hctx, alert.IncidentFilter{Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("demo detect: %w", err)
	}
	res.Incidents = len(incs)
	return res, nil
}

// seedObservations feeds the events through the same aggregator as live
// monitoring (links, event rates, discovered devices) and stores the
// result, so the network map has a day of traffic. The aggregator's clock
// follows the events: a replay, not a live feed.
func seedObservations(ctx context.Context, db *sqlstore.DB, dir detect.Directory, events []detect.Event) error {
	var now time.Time
	obs := observe.New(observe.Config{Directory: dir, Now: func() time.Time { return now }})
	for i := range events {
		now = events[i].Time
		obs.Event(&events[i])
	}
	if err := db.RecordObservations(ctx, obs.Flush()); err != nil {
		return fmt.Errorf("demo detect: observations: %w", err)
	}
	return nil
}

// allDevices lists every device of the actor's organization.
func allDevices(ctx context.Context, db *sqlstore.DB) ([]*inventory.Device, error) {
	var out []*inventory.Device
	f := inventory.DeviceFilter{Limit: inventory.MaxPageSize}
	for {
		page, err := db.ListDevices(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("demo detect: list devices: %w", err)
		}
		out = append(out, page.Devices...)
		if page.NextCursor == "" {
			return out, nil
		}
		f.Cursor = page.NextCursor
	}
}
