// Package match matches advisories to what a fleet runs: devices
// (manufacturer, model, version) to CSAF product trees, and SBOM
// components to OSV packages by purl. Every finding carries the method, a
// confidence between 0 and 1 and a reason in plain words.
package match

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/version"
)

// Devices matches advisories with vendor/product entries to devices.
type Devices struct {
	entries []deviceEntry
}

type deviceEntry struct {
	adv  *vuln.Advisory
	af   *vuln.Affected
	expr version.Expr
	err  error // expression did not parse
	// series is a version series the product name itself carries
	// ("IntelliSpace Portal 8.0.x"), which bounds an "all versions" entry.
	series     version.Expr
	seriesText string
}

// NewDevices indexes the device (CSAF) entries of advs.
func NewDevices(advs []vuln.Advisory) *Devices {
	d := &Devices{}
	for i := range advs {
		a := &advs[i]
		for j := range a.Affected {
			af := &a.Affected[j]
			if af.Product == "" {
				continue
			}
			e := deviceEntry{adv: a, af: af}
			if af.VersionExpr != "" {
				e.expr, e.err = version.ParseExpr(af.VersionExpr)
			}
			if af.VersionExpr == "" || e.err == nil && e.expr.All {
				e.seriesText, e.series = nameSeries(af.Product)
			}
			d.entries = append(d.entries, e)
		}
	}
	return d
}

// Match returns the findings for one device, one per advisory, sorted by
// advisory id. Within an advisory, only the entries whose product names
// the device best are considered: a leaf named exactly like the model
// ("VxWorks", "<= 6.5") overrules a looser one that merely mentions it
// ("VxWorks under CURRENT support (6.9.4.11, …)", all versions).
func (d *Devices) Match(dev vuln.Device) []vuln.Finding {
	cands := d.candidates(dev)
	bestPS := map[string]float64{}
	for _, c := range cands {
		bestPS[c.e.adv.ID] = max(bestPS[c.e.adv.ID], c.ps)
	}
	best := map[string]vuln.Finding{}
	var order []string
	for _, c := range cands {
		if c.ps < bestPS[c.e.adv.ID]-1e-9 {
			continue
		}
		f, ok := c.e.match(dev, c)
		if !ok {
			continue
		}
		old, seen := best[f.Advisory]
		if !seen {
			order = append(order, f.Advisory)
		}
		if !seen || better(f, old) {
			best[f.Advisory] = f
		}
	}
	out := make([]vuln.Finding, 0, len(order))
	for _, id := range order {
		out = append(out, best[id])
	}
	sortFindings(out)
	return out
}

// candidate is an entry whose vendor and product match the device.
type candidate struct {
	e          *deviceEntry
	vs, ps     float64
	vwhy, pwhy string
}

// candidates lists the entries whose vendor and product match dev.
func (d *Devices) candidates(dev vuln.Device) []candidate {
	var out []candidate
	vendorCache := map[string][2]any{}
	for i := range d.entries {
		e := &d.entries[i]
		vc, ok := vendorCache[e.af.Vendor]
		if !ok {
			s, why := vendorMatch(dev.Manufacturer, e.af.Vendor)
			if e.af.Vendor == "" {
				s, why = 0.7, "advisory names no vendor"
			}
			vc = [2]any{s, why}
			vendorCache[e.af.Vendor] = vc
		}
		vs, vwhy := vc[0].(float64), vc[1].(string)
		if vs == 0 {
			continue
		}
		ps, pwhy := productMatch(dev.Model, e.af.Product)
		if ps == 0 && e.af.FullName != "" && e.af.FullName != e.af.Product {
			ps, pwhy = productMatch(dev.Model, e.af.FullName)
			ps *= 0.95
		}
		if ps == 0 {
			continue
		}
		out = append(out, candidate{e: e, vs: vs, ps: ps, vwhy: vwhy, pwhy: pwhy})
	}
	return out
}

// statusRank orders findings of one device and advisory: the most urgent wins.
var statusRank = map[vuln.Status]int{
	vuln.StatusAffected: 5, vuln.StatusUnderInvestigation: 4, vuln.StatusFixed: 3,
	vuln.StatusNotAffected: 2, vuln.StatusNeedsReview: 1,
}

func better(a, b vuln.Finding) bool {
	if statusRank[a.Status] != statusRank[b.Status] {
		return statusRank[a.Status] > statusRank[b.Status]
	}
	return a.Confidence > b.Confidence
}

// match matches one candidate entry against dev's version.
func (e *deviceEntry) match(dev vuln.Device, c candidate) (vuln.Finding, bool) {
	vs, vwhy, ps, pwhy := c.vs, c.vwhy, c.ps, c.pwhy
	st, conf, vwhat, ok := e.versionStatus(dev.Version)
	if !ok {
		return vuln.Finding{}, false
	}
	if e.seriesText != "" && !strings.Contains(strings.ToLower(dev.Model), strings.ToLower(e.seriesText)) {
		switch {
		case unknownVersion(dev.Version):
		case !e.series.Contains(dev.Version):
			return vuln.Finding{}, false // another series of the product
		default:
			st, conf = e.af.Status, 0.9
			if st == "" {
				st = vuln.StatusAffected
			}
			vwhat = fmt.Sprintf("version %q is in the series %q that the product name gives, listed as %s", dev.Version, e.seriesText, st)
		}
	}
	f := vuln.Finding{
		Device: dev.ID, Advisory: e.adv.ID, Aliases: aliases(e), Method: vuln.MethodDevice,
		Confidence: round(vs * ps * conf), CVSS: e.af.CVSS, Fixed: e.fixed(), Status: st,
		Reason: fmt.Sprintf("manufacturer %q ~ vendor %q (%s); model %q ~ product %q (%s); %s",
			dev.Manufacturer, e.af.Vendor, vwhy, dev.Model, e.af.Product, pwhy, vwhat),
	}
	if f.CVSS == 0 {
		f.CVSS = e.adv.CVSS
	}
	return f, true
}

// versionStatus decides whether version v is covered by the entry: the
// status, the version confidence, an explanation, and false when the
// entry does not cover v.
func (e *deviceEntry) versionStatus(v string) (vuln.Status, float64, string, bool) {
	st := e.af.Status
	if st == "" {
		st = vuln.StatusAffected
	}
	expr := e.af.VersionExpr
	uncertain := unknownVersion(v) || expr == "" || e.err != nil && !sameText(v, expr)
	switch {
	case uncertain && !st.Actionable():
		return "", 0, "", false // an unknown version is not known to be fixed
	case unknownVersion(v):
		return vuln.StatusNeedsReview, 0.5, "the device has no usable version: review", true
	case expr == "":
		return vuln.StatusNeedsReview, 0.6, "the advisory gives no version for this product: review", true
	case sameText(v, expr):
		return st, 1, fmt.Sprintf("version %q is listed as %s", v, st), true
	case e.err != nil:
		return vuln.StatusNeedsReview, 0.5, fmt.Sprintf("advisory version %q could not be interpreted: review", expr), true
	case !e.expr.Contains(v):
		return "", 0, "", false
	case e.expr.All:
		return st, 0.9, fmt.Sprintf("the advisory lists all versions (%q) as %s", expr, st), true
	case e.expr.Loose:
		return st, 0.85, fmt.Sprintf("version %q is in %q (extra text in the advisory ignored) and %s", v, expr, st), true
	}
	return st, 1, fmt.Sprintf("version %q is in %q and %s", v, expr, st), true
}

// seriesRE finds a version series at the end of a product name: "8.0.x",
// "v2.1", "Version 3.4", "R2.5", "7.x". A bare number ("MX40", "8015")
// is a model, not a version: a dot is required.
var seriesRE = regexp.MustCompile(`(?i)(?:^|\s)(?:version\s*|ver\.?\s*|v|r)?(\d+(?:\.(?:\d+|x|\*))+)$`)

// nameSeries returns the version series a product name ends with, and its
// expression; "" when there is none.
func nameSeries(product string) (string, version.Expr) {
	m := seriesRE.FindStringSubmatch(strings.TrimSpace(product))
	if m == nil {
		return "", version.Expr{}
	}
	expr, err := version.ParseExpr(m[1])
	if err != nil || expr.All {
		return "", version.Expr{}
	}
	return m[1], expr
}

func unknownVersion(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "-", "?", "n/a", "na", "unknown", "none", "null":
		return true
	}
	return false
}

func sameText(a, b string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.Join(strings.Fields(s), " "))
		return strings.TrimPrefix(s, "v")
	}
	return norm(a) == norm(b)
}

func (e *deviceEntry) fixed() string {
	if e.af.Status != vuln.StatusAffected && e.af.Status != "" {
		return ""
	}
	if e.af.Fixed != "" {
		return e.af.Fixed
	}
	if e.err == nil {
		return e.expr.Fixed()
	}
	return ""
}

func aliases(e *deviceEntry) []string {
	if len(e.af.Aliases) > 0 {
		return e.af.Aliases
	}
	if e.adv.Aliases == nil {
		return []string{}
	}
	return e.adv.Aliases
}

func round(x float64) float64 { return math.Round(x*100) / 100 }
