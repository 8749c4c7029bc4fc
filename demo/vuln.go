package demo

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/csaf"
	"github.com/airtight/airtight/vuln/kev"
	"github.com/airtight/airtight/vuln/nvd"
	"github.com/airtight/airtight/vuln/osv"
)

// vulnData holds the demo's vulnerability intelligence: real public
// advisories about devices of the catalog and the components of the demo
// SBOM (sources and licences in data/README.md).
//
//go:embed data/vuln
var vulnData embed.FS

// The demo's SBOM and the product version it describes, and the plan
// entry the demo schedules (a fix exists: the maker's firmware B.06.18).
const (
	sbomFile         = "spectrum-iq-9.02.03.cdx.json"
	sbomManufacturer = "Baxter"
	sbomModel        = "Spectrum IQ"
	sbomVersion      = "9.02.03"

	planModel    = "IntelliVue MX40"
	planAssignee = "Dana Whitfield (Clinical Engineering)"
)

// maxDemoFile bounds one embedded file (they are small; this only keeps a
// mistaken addition from going unnoticed).
const maxDemoFile = 1 << 20

// VulnStore is what SeedVuln needs from storage besides the vulnerability
// service: the hospital and its devices. *sqlstore.DB implements it.
type VulnStore interface {
	airtight.OrganizationService
	inventory.DeviceService
}

// VulnResult says what SeedVuln did.
type VulnResult struct {
	AlreadySeeded bool
	Import        *vuln.ImportResult // nil when already seeded
	SBOM          *vuln.SBOM         // nil when the fleet lacks the SBOM's version
	Eval          vuln.EvalResult    // the final evaluation of the whole fleet
	Planned       *vuln.PlanEntry    // the entry moved to planned; nil when none had a fix
}

// LoadVulnData returns the embedded advisories, with the KEV entries of
// their CVEs.
func LoadVulnData() (vuln.AdvisoryImport, error) {
	var in vuln.AdvisoryImport
	err := fs.WalkDir(vulnData, "data/vuln", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".json" {
			return err
		}
		return loadVulnFile(p, &in)
	})
	if err != nil {
		return in, fmt.Errorf("demo: advisories: %w", err)
	}
	return in, nil
}

// loadVulnFile parses one embedded file by the directory it is in.
func loadVulnFile(p string, in *vuln.AdvisoryImport) error {
	data, err := vulnData.ReadFile(p)
	if err != nil {
		return err
	}
	if len(data) > maxDemoFile {
		return fmt.Errorf("%s: %d bytes, more than %d", p, len(data), maxDemoFile)
	}
	switch path.Base(path.Dir(p)) {
	case "csaf":
		a, err := csaf.Parse(p, data)
		in.Advisories = append(in.Advisories, a)
		return err
	case "osv":
		a, ok, err := osv.Parse(p, data)
		if ok {
			in.Advisories = append(in.Advisories, a)
		}
		return err
	case "nvd":
		as, err := nvd.Parse(p, data)
		in.Advisories = append(in.Advisories, as...)
		return err
	case "kev":
		c, err := kev.Parse(p, data)
		if err != nil {
			return err
		}
		in.KEV = make(map[string]string, len(c.Entries))
		for cve, e := range c.Entries {
			in.KEV[cve] = e.DateAdded
		}
	}
	return nil // the SBOM, read by SeedVuln
}

// SeedVuln gives the demo hospital its vulnerability picture: it imports the
// embedded advisories and KEV entries for the installation, attaches the
// demo SBOM to the product version it describes, evaluates the fleet (the
// service raises alerts for KEV-listed and critical findings), and moves
// the telemetry firmware update into the patch plan as planned. It does
// nothing when the SBOM is attached already (or, for a fleet without the
// SBOM's version, when the advisories were imported already).
func SeedVuln(ctx context.Context, s VulnStore, svc vuln.Service) (*VulnResult, error) {
	hospital, err := s.FindOrganizationBySlug(airtight.NewContext(ctx, nil), HospitalSlug)
	if err != nil {
		return nil, fmt.Errorf("demo vuln: %w", err)
	}
	hctx := airtight.NewContext(ctx, airtight.SystemActor(hospital.ID, "demo"))
	sys := airtight.NewContext(ctx, airtight.SystemActor(0, "demo"))
	target, err := findVersion(hctx, s, sbomManufacturer, sbomModel, sbomVersion)
	if err != nil {
		return nil, err
	}
	if seeded, err := hasSBOM(hctx, svc, target); err != nil || seeded {
		return &VulnResult{AlreadySeeded: seeded}, err
	}
	in, err := LoadVulnData()
	if err != nil {
		return nil, err
	}
	res := &VulnResult{}
	if res.Import, err = svc.ImportAdvisories(sys, in); err != nil {
		return nil, fmt.Errorf("demo vuln: import advisories: %w", err)
	}
	if target == 0 && res.Import.Added+res.Import.Changed == 0 {
		return &VulnResult{AlreadySeeded: true}, nil // no SBOM to mark the seeding: the import tells
	}
	if res.SBOM, err = attachSBOM(hctx, svc, target); err != nil {
		return nil, err
	}
	if err := addLegacyPortal(hctx, s); err != nil {
		return nil, err
	}
	ev, err := svc.EvaluateAll(sys)
	if err != nil {
		return nil, fmt.Errorf("demo vuln: evaluate: %w", err)
	}
	res.Eval = *ev
	if res.Planned, err = planFix(hctx, svc); err != nil {
		return nil, err
	}
	return res, nil
}

// Hospitals keep old reading stations for archive access long after the
// rest of the fleet moved on; the demo has one, an IntelliSpace Portal 8.0
// workstation: the series ICSMA-18-058-02 lists, with the SMBv1 flaws of
// WannaCry (known exploited).
const (
	legacyModel   = "IntelliSpace Portal"
	legacyVersion = "8.0.3"
	legacyTag     = "RGH-RAD-LEGACY-01"
)

// addLegacyPortal adds that workstation, modelled on the fleet's own
// IntelliSpace Portal device; nothing when the fleet has none.
func addLegacyPortal(ctx context.Context, s VulnStore) error {
	page, err := s.ListDevices(ctx, inventory.DeviceFilter{Query: legacyModel, Limit: 10})
	if err != nil {
		return fmt.Errorf("demo vuln: find %s: %w", legacyModel, err)
	}
	for _, d := range page.Devices {
		if d.Model != legacyModel {
			continue
		}
		dev := *d
		dev.ID, dev.AssetTag, dev.IP, dev.MAC, dev.Hostname, dev.SerialNumber, dev.UDI, dev.AETitle =
			0, legacyTag, "", "", "rad-legacy-ws01", "ISP-LEGACY-0001", "", ""
		rec := inventory.Record{Manufacturer: d.Manufacturer, Model: d.Model, Kind: d.Kind, FDAProductCode: d.FDAProductCode,
			Criticality: d.Criticality, Version: legacyVersion, Device: dev}
		if _, err := s.ImportDevices(ctx, []inventory.Record{rec}); err != nil {
			return fmt.Errorf("demo vuln: add the legacy workstation: %w", err)
		}
		return nil
	}
	return nil
}

// findVersion returns the product version id of the first device of the
// hospital running manufacturer's model at version, or 0 when no device
// does (a small fleet).
func findVersion(ctx context.Context, s VulnStore, manufacturer, model, version string) (int64, error) {
	f := inventory.DeviceFilter{Query: model, Limit: inventory.MaxPageSize}
	for {
		page, err := s.ListDevices(ctx, f)
		if err != nil {
			return 0, fmt.Errorf("demo vuln: find %s %s: %w", model, version, err)
		}
		for _, d := range page.Devices {
			if d.Manufacturer == manufacturer && d.Model == model && d.Version == version {
				return d.ProductVersionID, nil
			}
		}
		if page.NextCursor == "" {
			return 0, nil
		}
		f.Cursor = page.NextCursor
	}
}

// hasSBOM reports whether the demo SBOM is attached to version (the mark
// of an earlier seeding).
func hasSBOM(ctx context.Context, svc vuln.Service, version int64) (bool, error) {
	if version == 0 {
		return false, nil
	}
	sboms, err := svc.ListSBOMs(ctx, version)
	if err != nil {
		return false, fmt.Errorf("demo vuln: list SBOMs: %w", err)
	}
	for _, b := range sboms {
		if b.FileName == sbomFile && !b.Shared {
			return true, nil
		}
	}
	return false, nil
}

func attachSBOM(ctx context.Context, svc vuln.Service, version int64) (*vuln.SBOM, error) {
	if version == 0 {
		return nil, nil
	}
	data, err := vulnData.ReadFile("data/vuln/sbom/" + sbomFile)
	if err != nil {
		return nil, fmt.Errorf("demo vuln: %w", err)
	}
	b, err := svc.PutSBOM(ctx, version, sbomFile, data)
	if err != nil {
		return nil, fmt.Errorf("demo vuln: attach SBOM: %w", err)
	}
	return b, nil
}

// planFix moves the open plan entry of the telemetry monitors (or, failing
// that, the first open entry with a known fix) to planned.
func planFix(ctx context.Context, svc vuln.Service) (*vuln.PlanEntry, error) {
	plan, err := svc.Plan(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo vuln: plan: %w", err)
	}
	var pick *vuln.PlanEntry
	for _, e := range plan {
		if e.State != vuln.PlanOpen || e.Fixed == "" {
			continue
		}
		if pick == nil || strings.EqualFold(e.Model, planModel) && !strings.EqualFold(pick.Model, planModel) {
			pick = e
		}
	}
	if pick == nil {
		return nil, nil
	}
	state, who := vuln.PlanPlanned, planAssignee
	note := "Install " + pick.Fixed + " with the maker's service team, one ward at a time, swapping devices so that no bed is left unmonitored."
	out, err := svc.SetPlanState(ctx, pick.ID, vuln.PlanUpdate{State: &state, Assignee: &who, Note: &note})
	if err != nil {
		return nil, fmt.Errorf("demo vuln: plan %s %s: %w", pick.Model, pick.Version, err)
	}
	return out, nil
}
