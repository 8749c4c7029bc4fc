package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/feed"
	"github.com/airtight/airtight/vuln/match"
	"github.com/airtight/airtight/vuln/risk"
	"github.com/airtight/airtight/vuln/sarif"
	"github.com/airtight/airtight/vuln/sbom"
	"github.com/airtight/airtight/vuln/vex"
)

func (e *env) vulnCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "vuln", Short: "Match devices and SBOMs to vulnerability advisories"}
	cmd.AddCommand(e.vulnScanCommand(), e.vulnPlanCommand(), e.vulnDiffCommand(),
		e.vulnImportCommand(), e.vulnSBOMCommand(), e.vulnEvaluateCommand())
	return cmd
}

const vulnScanHelp = `Scan SBOMs (--sbom) or a device inventory (--inventory) against advisories,
offline, without a server.

--advisories takes files, directories (walked for *.json, *.zip, *.csv and
*.csv.gz) and zip archives such as OSV's all.zip, mixed; each document is
recognised by its content: CSAF 2.0 (CISA ICSMA and other vendor
advisories), OSV, NVD CVE API 2.0 JSON (a response page or a single CVE
record), and the enrichment sources: CISA's KEV catalog JSON, FIRST's daily
EPSS scores CSV (plain or gzipped) and openFDA device recall JSON. Findings
get kev (listed in the catalog) and epss (the probability of exploitation)
from their CVE aliases.

--sbom takes CycloneDX (JSON or XML, 1.2 to 1.6) and SPDX (2.2/2.3, JSON or
tag-value) files, recognised by content. Components are matched to OSV
packages by purl, with the ecosystem's version order (semver for Go and npm,
PEP 440 for PyPI, segment-wise otherwise). Components with a CPE are also
matched to NVD CPE configurations: vendor and product must be equal (a small
table of known renames aside; no fuzzy product matching), the version must
equal the criteria's or lie within its start/end bounds; a "running on"
platform condition is checked against the SBOM's other CPEs and lowers the
confidence when unconfirmed. Components that neither purl nor CPE can decide
(no purl ecosystem and no CPE with a version) are reported as needs_review.

--inventory takes a CSV with a header naming at least id (or asset_tag),
manufacturer, model and version, in any order; optional criticality, zone,
internet and end_of_support columns feed "vuln plan"; other columns are
ignored. Devices are matched to CSAF product trees by vendor and product
name (normalised) and by free-text version ranges ("< B.06.18", "5.x", "all
versions"). A device without a version, or an advisory version that cannot
be interpreted, gives a needs_review finding. openFDA recalls are matched by
recalling firm and model: an open recall is needs_review (its lots and
serial numbers must be checked), a closed one fixed; the advisory is the
recall number.

--vex takes OpenVEX, CycloneDX VEX and CSAF VEX documents. A not_affected
statement with a justification or impact statement makes the finding
not_affected (still listed, left out of plans and of the exit status);
fixed, under_investigation and affected set those statuses.

Output (-o): "table" (default); "json", one object per line per finding
with device, component, advisory, aliases, method, confidence, reason, cvss,
kev, epss, fixed and status; "openvex", an OpenVEX document of the findings
(needs_review becomes under_investigation); "sarif", a SARIF 2.1.0 log (one
rule per advisory, locations in the SBOM or inventory file).

Exit status: 0 when nothing needs action, 1 when a finding is affected,
under investigation or needs review, 2 on errors (bad flags, unreadable or
malformed input; the error names the file and the place).`

func (e *env) vulnScanCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scan (--sbom FILE... | --inventory devices.csv) --advisories PATH... [--vex FILE...]",
		Short: "Find the advisories that concern SBOM components or devices (exit 1 when found)",
		Long:  vulnScanHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			return withStatus(cobra.NoArgs(cmd, args))
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStatus(e.vulnScan(cmd))
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withStatus(err) })
	cmd.Flags().StringP("output", "o", "table", "output format: table, json, openvex or sarif")
	addScanInputFlags(cmd)
	return cmd
}

func addScanInputFlags(cmd *cobra.Command) {
	cmd.Flags().StringSlice("sbom", nil, "SBOM file: CycloneDX JSON/XML or SPDX JSON/tag-value (repeatable)")
	cmd.Flags().String("inventory", "", "device inventory CSV (id or asset_tag, manufacturer, model, version)")
	cmd.Flags().StringSlice("advisories", nil, "advisory, KEV, EPSS or openFDA recall file, directory or zip archive (repeatable)")
	cmd.Flags().StringSlice("vex", nil, "OpenVEX, CycloneDX VEX or CSAF VEX file (repeatable)")
}

// scanResults are the findings of a scan with what is known of their
// subjects: SBOM components and inventory devices.
type scanResults struct {
	findings []vuln.Finding
	comps    map[string]compRef // component key → where it was read
	devices  map[string]vuln.Device
	inv      string
}

type compRef struct {
	file string
	c    vuln.Component
}

func (e *env) vulnScan(cmd *cobra.Command) error {
	format, _ := cmd.Flags().GetString("output")
	switch format {
	case "table", "json", "openvex", "sarif":
	default:
		return airtight.Errorf(airtight.EInvalid, "--output must be table, json, openvex or sarif")
	}
	res, err := runScan(cmd)
	if err != nil {
		return err
	}
	if err := e.writeScan(format, res); err != nil {
		return err
	}
	return scanResult(res.findings)
}

// runScan loads the inputs the flags name and matches them.
func runScan(cmd *cobra.Command) (*scanResults, error) {
	sboms, _ := cmd.Flags().GetStringSlice("sbom")
	inv, _ := cmd.Flags().GetString("inventory")
	paths, _ := cmd.Flags().GetStringSlice("advisories")
	vexFiles, _ := cmd.Flags().GetStringSlice("vex")
	switch {
	case (len(sboms) == 0) == (inv == ""):
		return nil, airtight.Errorf(airtight.EInvalid, "give either --sbom or --inventory")
	case len(paths) == 0:
		return nil, airtight.Errorf(airtight.EInvalid, "give --advisories")
	}
	set, err := feed.LoadSet(paths...)
	if err != nil {
		return nil, fmt.Errorf("load advisories: %w", err)
	}
	stmts, err := loadVEX(vexFiles)
	if err != nil {
		return nil, err
	}
	res := &scanResults{comps: map[string]compRef{}, devices: map[string]vuln.Device{}, inv: inv}
	if inv != "" {
		err = res.scanInventory(inv, set)
	} else {
		err = res.scanSBOMs(sboms, set.Advisories)
	}
	if err != nil {
		return nil, err
	}
	set.Enrich(res.findings)
	vex.Apply(res.findings, stmts, res.subjectIDs)
	return res, nil
}

func loadVEX(files []string) ([]vex.Statement, error) {
	var out []vex.Statement
	for _, f := range files {
		data, err := readLimited(f)
		if err != nil {
			return nil, err
		}
		st, err := vex.Parse(f, data)
		if err != nil {
			return nil, fmt.Errorf("load VEX: %w", err)
		}
		out = append(out, st...)
	}
	return out, nil
}

func readLimited(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > vuln.MaxDocumentSize {
		return nil, &vuln.ParseError{File: path, Err: fmt.Errorf("larger than the limit of %d bytes", vuln.MaxDocumentSize)}
	}
	return os.ReadFile(path)
}

func (r *scanResults) scanInventory(path string, set *feed.Set) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	devs, err := vuln.ReadDevices(path, f)
	if err != nil {
		return err
	}
	m, rm := match.NewDevices(set.Advisories), match.NewRecalls(set.Recalls)
	for _, d := range devs {
		r.devices[d.ID] = d
		r.findings = append(r.findings, m.Match(d)...)
		r.findings = append(r.findings, rm.Match(d)...)
	}
	return nil
}

func (r *scanResults) scanSBOMs(paths []string, advs []vuln.Advisory) error {
	m, cm := match.NewPackages(advs), match.NewCPEs(advs)
	for _, p := range paths {
		comps, _, err := sbom.ReadFile(p)
		if err != nil {
			return err
		}
		for _, c := range comps {
			if _, seen := r.comps[c.Key()]; !seen {
				r.comps[c.Key()] = compRef{file: p, c: c}
			}
		}
		r.findings = append(r.findings, match.Components(m, cm, comps)...)
	}
	return nil
}

// subjectIDs are the identifiers VEX statements may name a finding's
// subject by, beyond its component key and device id.
func (r *scanResults) subjectIDs(f vuln.Finding) []string {
	if d, ok := r.devices[f.Device]; ok {
		return []string{d.Model + "@" + d.Version, d.Manufacturer + " " + d.Model + " " + d.Version}
	}
	c := r.comps[f.Component].c
	ids := []string{c.CPE, c.Ref, c.SWID}
	if c.Version != "" {
		ids = append(ids, c.Name+"@"+c.Version)
	}
	return ids
}

// locate is the SARIF location of a finding.
func (r *scanResults) locate(f vuln.Finding) sarif.Location {
	if d, ok := r.devices[f.Device]; ok {
		return sarif.Location{URI: r.inv, Line: d.Row, Logical: d.ID, Kind: "device"}
	}
	cr := r.comps[f.Component]
	return sarif.Location{URI: cr.file, Logical: f.Component, Kind: "module"}
}

// scanResult fails with exitFindings when a finding asks for action.
func scanResult(fs []vuln.Finding) error {
	n := 0
	for _, f := range fs {
		if f.Status.Actionable() {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return &exitStatusError{status: exitFindings,
		err: airtight.Errorf(airtight.EConflict, "%d finding(s) need action", n)}
}

func (e *env) writeScan(format string, r *scanResults) error {
	switch format {
	case "openvex":
		return vex.WriteOpenVEX(e.stdout, r.findings, vex.ExportOptions{Time: time.Now()})
	case "sarif":
		return sarif.Write(e.stdout, r.findings, sarif.Options{Locate: r.locate})
	}
	return e.writeFindings(format, r.findings)
}

func (e *env) writeFindings(format string, fs []vuln.Finding) error {
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		for _, f := range fs {
			if err := enc.Encode(f); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE/COMPONENT\tADVISORY\tALIASES\tSTATUS\tCONFIDENCE\tCVSS\tKEV\tEPSS\tFIXED\tMETHOD")
	for _, f := range fs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\t%.1f\t%s\t%.2f\t%s\t%s\n", f.Subject(), dash(f.Advisory),
			dash(shortList(f.Aliases)), f.Status, f.Confidence, f.CVSS, yesNo(f.KEV), f.EPSS, dash(f.Fixed), f.Method)
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "-"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// shortList joins the first three items of s and counts the rest.
func shortList(s []string) string {
	if len(s) <= 3 {
		return strings.Join(s, ",")
	}
	return fmt.Sprintf("%s +%d", strings.Join(s[:3], ","), len(s)-3)
}

const vulnPlanHelp = `Scan as "vuln scan" does (same inputs, KEV/EPSS enrichment and VEX) and
print a patch plan: actionable findings grouped by product version and fixed
version, each group listing its devices, ordered by the riskiest device.

A finding's risk (0-100) adds: KEV listed +40; EPSS × 20; the CVSS score
rounded (+5 when unknown); device criticality from the inventory
(life-sustaining +15, critical +10, standard +3, unknown +5); exposure
(internet-reachable +15, guest/public/dmz/flat zone +5, isolated zone -5);
end of support passed +5; the sum is scaled by the match confidence. Every
score is printed with its explanation.

Output (-o): "table" (default) or "json" (the groups as one JSON array).`

func (e *env) vulnPlanCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan (--sbom FILE... | --inventory devices.csv) --advisories PATH... [--vex FILE...]",
		Short: "Print a ranked patch plan for the findings of a scan",
		Long:  vulnPlanHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			return withStatus(cobra.NoArgs(cmd, args))
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStatus(e.vulnPlan(cmd))
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withStatus(err) })
	addOutputFlag(cmd)
	addScanInputFlags(cmd)
	return cmd
}

func (e *env) vulnPlan(cmd *cobra.Command) error {
	format, _ := cmd.Flags().GetString("output")
	if format != "table" && format != "json" {
		return airtight.Errorf(airtight.EInvalid, "--output must be table or json")
	}
	res, err := runScan(cmd)
	if err != nil {
		return err
	}
	items := make([]risk.Item, 0, len(res.findings))
	for _, f := range res.findings {
		items = append(items, risk.Item{Finding: f, Asset: res.asset(f)})
	}
	plan := risk.Plan(items, time.Now())
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if plan == nil {
			plan = []risk.Group{}
		}
		return enc.Encode(plan)
	}
	return e.writePlan(plan)
}

// asset is what the plan knows of a finding's subject.
func (r *scanResults) asset(f vuln.Finding) risk.Asset {
	if d, ok := r.devices[f.Device]; ok {
		return risk.AssetOf(d)
	}
	cr := r.comps[f.Component]
	return risk.Asset{ID: f.Component, EndOfSupport: cr.c.EndOfSupport, LevelOfSupport: cr.c.LevelOfSupport}
}

func (e *env) writePlan(plan []risk.Group) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tRISK\tPRODUCT\tVERSION\tFIX\tDEVICES\tADVISORIES\tWHY")
	for i, g := range plan {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, g.Top, g.Product, dash(g.Version),
			fixText(g.Fixed), deviceList(g.Devices), shortList(g.Advisories), g.Explain)
	}
	return tw.Flush()
}

func fixText(v string) string {
	if v == "" {
		return "no fix known"
	}
	return "update to " + v
}

func deviceList(ds []risk.DeviceRisk) string {
	ids := make([]string, 0, min(len(ds), 5))
	for i, d := range ds {
		if i == 5 {
			return fmt.Sprintf("%s +%d", strings.Join(ids, ","), len(ds)-5)
		}
		ids = append(ids, fmt.Sprintf("%s(%d)", d.ID, d.Score))
	}
	return strings.Join(ids, ",")
}

func (e *env) vulnDiffCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two versions of an SBOM: added, removed and changed components",
		Long: `Compare two SBOMs (any supported format, each recognised by content).
Components are paired by package URL without version (else type and name);
a changed component lists what changed: version, purl, cpe, supplier,
hashes, level_of_support, end_of_support. Output (-o): table or json.`,
		Args: func(cmd *cobra.Command, args []string) error {
			return withStatus(cobra.ExactArgs(2)(cmd, args))
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStatus(e.vulnDiff(cmd, args[0], args[1]))
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withStatus(err) })
	addOutputFlag(cmd)
	return cmd
}

func (e *env) vulnDiff(cmd *cobra.Command, oldPath, newPath string) error {
	format, _ := cmd.Flags().GetString("output")
	if format != "table" && format != "json" {
		return airtight.Errorf(airtight.EInvalid, "--output must be table or json")
	}
	a, _, err := sbom.ReadFile(oldPath)
	if err != nil {
		return err
	}
	b, _, err := sbom.ReadFile(newPath)
	if err != nil {
		return err
	}
	d := vuln.DiffComponents(a, b)
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANGE\tCOMPONENT\tOLD\tNEW\tFIELDS")
	for _, c := range d.Removed {
		fmt.Fprintf(tw, "removed\t%s\t%s\t-\t-\n", c.Name, dash(c.Version))
	}
	for _, c := range d.Added {
		fmt.Fprintf(tw, "added\t%s\t-\t%s\t-\n", c.Name, dash(c.Version))
	}
	for _, c := range d.Changed {
		fmt.Fprintf(tw, "changed\t%s\t%s\t%s\t%s\n", c.New.Name, dash(c.Old.Version), dash(c.New.Version), strings.Join(c.Fields, ","))
	}
	return tw.Flush()
}
