package match

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/airtight/airtight/internal/shareddata"
	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/csaf"
	"github.com/airtight/airtight/vuln/cyclonedx"
	"github.com/airtight/airtight/vuln/feed"
	"github.com/airtight/airtight/vuln/version"
)

// TestSharedICSMAInventory builds, from every ICSMA document, one device
// per affected version leaf (with a version inside it) and, where the leaf
// is a bounded range, one device just outside it, and checks that the
// first are flagged and the second are not.
func TestSharedICSMAInventory(t *testing.T) {
	dir := shareddata.Dir(t, "vuln", "csaf-icsma")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	var flagged, inside, outside, falsePos, review int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a, err := csaf.Parse(f, data)
		if err != nil {
			t.Errorf("parse: %v", err)
			continue
		}
		m := NewDevices([]vuln.Advisory{a})
		for _, af := range a.Affected {
			if af.Status != vuln.StatusAffected {
				continue
			}
			in, out := witnesses(af.VersionExpr)
			inside++
			dev := vuln.Device{ID: af.ProductID, Manufacturer: af.Vendor, Model: af.Product, Version: in}
			switch st := statusFor(m.Match(dev), a.ID); st {
			case vuln.StatusAffected:
				flagged++
			case vuln.StatusNeedsReview:
				review++
			default:
				t.Errorf("%s %s %q version %q (leaf %q): status %q, want affected", a.ID, af.ProductID, af.Product, in, af.VersionExpr, st)
			}
			if out == "" || coveredElsewhere(a, af, out) {
				continue
			}
			outside++
			dev.Version = out
			if st := statusFor(m.Match(dev), a.ID); st == vuln.StatusAffected {
				falsePos++
				t.Errorf("outside version flagged: %s %q version %q (leaf %q)", a.ID, af.Product, out, af.VersionExpr)
			}
		}
	}
	t.Logf("ICSMA: %d documents; %d affected leaves: %d flagged affected, %d needs_review; %d outside-range versions, %d wrongly flagged",
		len(files), inside, flagged, review, outside, falsePos)
}

func statusFor(fs []vuln.Finding, id string) vuln.Status {
	for _, f := range fs {
		if f.Advisory == id {
			return f.Status
		}
	}
	return ""
}

// witnesses returns a version inside expr and, for an upper-bounded
// range, one just above it ("" when none can be made).
func witnesses(expr string) (in, out string) {
	e, err := version.ParseExpr(expr)
	if err != nil || expr == "" {
		return expr, ""
	}
	if e.All {
		return "1.0", ""
	}
	t := e.Terms[0]
	switch {
	case t.Eq != "":
		return expr, ""
	case t.Prefix != nil:
		return strings.Join(t.Prefix, ".") + ".7", ""
	case t.Hi != "" && t.HiIncl:
		return t.Hi, bump(t.Hi)
	case t.Hi != "":
		return lower(t.Hi), t.Hi
	}
	return t.Lo, ""
}

// coveredElsewhere reports whether another affected leaf of the same
// product contains v: then v is not outside the product's affected set.
func coveredElsewhere(a vuln.Advisory, af vuln.Affected, v string) bool {
	for _, o := range a.Affected {
		if o.ProductID == af.ProductID || o.Product != af.Product || o.Status != vuln.StatusAffected {
			continue
		}
		e, err := version.ParseExpr(o.VersionExpr)
		if err != nil || e.Contains(v) {
			return true
		}
	}
	return false
}

// lower makes a version just below v: its last non-zero digit minus one.
func lower(v string) string {
	i := strings.LastIndexAny(v, "123456789")
	if i < 0 {
		return ""
	}
	return v[:i] + string(rune(v[i]-1)) + v[i+1:]
}

// bump makes a version just above v: its last digit run plus one.
func bump(v string) string {
	i := strings.LastIndexAny(v, "0123456789")
	if i < 0 {
		return ""
	}
	return v[:i] + string(rune(v[i]+1)) + v[i+1:]
}

// TestSharedProtonBridge scans the proton-bridge SBOM against the Go OSV
// all.zip and compares with the naive baseline; differences are logged.
func TestSharedProtonBridge(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the 3.4 MB Go all.zip")
	}
	sbomPath := shareddata.Dir(t, "vuln", "sbom", "cyclonedx-examples", "SBOM_proton-bridge_proton-bridge-v1.8.0.bom.json")
	zipPath := shareddata.Dir(t, "vuln", "osv", "osv-scanner-offline-db", "osv-scalibr", "Go", "all.zip")
	data, err := os.ReadFile(sbomPath)
	if err != nil {
		t.Fatal(err)
	}
	comps, err := cyclonedx.Parse(sbomPath, data)
	if err != nil {
		t.Fatal(err)
	}
	advs, err := feed.Load(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	m := NewPackages(advs)
	got := map[string]bool{}
	for _, c := range comps {
		for _, f := range m.Match(c) {
			if f.Status == vuln.StatusAffected {
				got[strings.TrimPrefix(c.Name+"@"+c.Version, "pkg:golang/")+" "+f.Advisory] = true
			}
		}
	}
	want := expectedProton(t)
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	t.Logf("proton-bridge: %d components, %d advisories; %d (pkg, vuln) pairs found, baseline %d, agreeing %d",
		len(comps), len(advs), len(got), len(want), len(want)-len(missing))
	// Every pair of the (naive) baseline must be found, except advisories
	// OSV has withdrawn since: airtight skips those on purpose.
	withdrawn := withdrawnIDs(t, zipPath)
	for _, k := range missing {
		id := k[strings.LastIndexByte(k, ' ')+1:]
		if withdrawn[id] {
			t.Logf("baseline only, withdrawn by OSV (correctly not reported): %s", k)
			continue
		}
		t.Errorf("baseline only: %s", k)
	}
	for _, k := range extra {
		t.Logf("airtight only: %s", k)
	}
}

func expectedProton(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(shareddata.Dir(t, "vuln", "osv", "expected-proton-bridge-go-matches.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Matches map[string][]string `json:"matches"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for pkg, ids := range doc.Matches {
		for _, id := range ids {
			want[pkg+" "+id] = true
		}
	}
	return want
}

// withdrawnIDs lists the advisories of an OSV zip that carry a withdrawn
// date.
func withdrawnIDs(t *testing.T, path string) map[string]bool {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]bool{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			ID        string `json:"id"`
			Withdrawn string `json:"withdrawn"`
		}
		err = json.NewDecoder(rc).Decode(&e)
		rc.Close()
		if err == nil && e.Withdrawn != "" {
			out[e.ID] = true
		}
	}
	return out
}
