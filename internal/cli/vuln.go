package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/cyclonedx"
	"github.com/airtight/airtight/vuln/feed"
	"github.com/airtight/airtight/vuln/match"
)

func (e *env) vulnCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "vuln", Short: "Match devices and SBOMs to vulnerability advisories"}
	cmd.AddCommand(e.vulnScanCommand())
	return cmd
}

const vulnScanHelp = `Scan SBOMs (--sbom) or a device inventory (--inventory) against advisories,
offline, without a server.

--advisories takes files, directories (walked for *.json and *.zip) and zip
archives such as OSV's all.zip, mixed; each document is recognised by its
content: CSAF 2.0 (CISA ICSMA and other vendor advisories), OSV, or NVD CVE
API 2.0 JSON (a response page or a single CVE record).

--sbom takes CycloneDX JSON files. Components are matched to OSV packages
by purl, with the ecosystem's version order (semver for Go and npm, PEP 440
for PyPI, segment-wise otherwise). Components with a CPE are also matched to
NVD CPE configurations: vendor and product must be equal (a small table of
known renames aside; no fuzzy product matching), the version must equal the
criteria's or lie within its start/end bounds; a "running on" platform
condition is checked against the SBOM's other CPEs and lowers the confidence
when unconfirmed. Components that neither purl nor CPE can decide (no purl
ecosystem and no CPE with a version) are reported as needs_review.

--inventory takes a CSV with a header naming at least id (or asset_tag),
manufacturer, model and version, in any order; other columns are ignored.
Devices are matched to CSAF product trees by vendor and product name
(normalised) and by free-text version ranges ("< B.06.18", "5.x", "all
versions"). A device without a version, or an advisory version that cannot
be interpreted, gives a needs_review finding.

Output (-o): "table" (default) or "json", one object per line per finding
with device, component, advisory, aliases, method, confidence, reason, cvss,
kev, epss, fixed and status. kev and epss are false and 0 for now: no KEV or
EPSS source is read yet.

Exit status: 0 when nothing needs action, 1 when a finding is affected,
under investigation or needs review, 2 on errors (bad flags, unreadable or
malformed input; the error names the file and the place).`

func (e *env) vulnScanCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scan (--sbom FILE... | --inventory devices.csv) --advisories PATH...",
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
	addOutputFlag(cmd)
	cmd.Flags().StringSlice("sbom", nil, "CycloneDX JSON SBOM file (repeatable)")
	cmd.Flags().String("inventory", "", "device inventory CSV (id or asset_tag, manufacturer, model, version)")
	cmd.Flags().StringSlice("advisories", nil, "advisory file, directory or zip archive (repeatable)")
	return cmd
}

func (e *env) vulnScan(cmd *cobra.Command) error {
	sboms, _ := cmd.Flags().GetStringSlice("sbom")
	inv, _ := cmd.Flags().GetString("inventory")
	paths, _ := cmd.Flags().GetStringSlice("advisories")
	format, _ := cmd.Flags().GetString("output")
	switch {
	case (len(sboms) == 0) == (inv == ""):
		return airtight.Errorf(airtight.EInvalid, "give either --sbom or --inventory")
	case len(paths) == 0:
		return airtight.Errorf(airtight.EInvalid, "give --advisories")
	case format != "table" && format != "json":
		return airtight.Errorf(airtight.EInvalid, "--output must be table or json")
	}
	advs, err := feed.Load(paths...)
	if err != nil {
		return fmt.Errorf("load advisories: %w", err)
	}
	var findings []vuln.Finding
	if inv != "" {
		findings, err = scanInventory(inv, advs)
	} else {
		findings, err = scanSBOMs(sboms, advs)
	}
	if err != nil {
		return err
	}
	if err := e.writeFindings(format, findings); err != nil {
		return err
	}
	return scanResult(findings)
}

func scanInventory(path string, advs []vuln.Advisory) ([]vuln.Finding, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	devs, err := vuln.ReadDevices(path, f)
	if err != nil {
		return nil, err
	}
	m := match.NewDevices(advs)
	var out []vuln.Finding
	for _, d := range devs {
		out = append(out, m.Match(d)...)
	}
	return out, nil
}

func scanSBOMs(paths []string, advs []vuln.Advisory) ([]vuln.Finding, error) {
	m, cm := match.NewPackages(advs), match.NewCPEs(advs)
	var out []vuln.Finding
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		comps, err := cyclonedx.Parse(p, data)
		if err != nil {
			return nil, err
		}
		out = append(out, match.Components(m, cm, comps)...)
	}
	return out, nil
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
	fmt.Fprintln(tw, "DEVICE/COMPONENT\tADVISORY\tALIASES\tSTATUS\tCONFIDENCE\tCVSS\tFIXED\tMETHOD")
	for _, f := range fs {
		subject := f.Device
		if subject == "" {
			subject = f.Component
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\t%.1f\t%s\t%s\n", subject, dash(f.Advisory),
			dash(shortList(f.Aliases)), f.Status, f.Confidence, f.CVSS, dash(f.Fixed), f.Method)
	}
	return tw.Flush()
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
