package match

import (
	"fmt"
	"strings"

	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/nvd"
	"github.com/airtight/airtight/vuln/version"
)

// CPEs matches SBOM components that carry a CPE to the CPE configurations
// of NVD CVE records. Vendor and product must be equal (after a small
// table of known renames and a symmetric trim of corporate affixes such as
// "the_" and "_project"): there is no fuzzy product matching, which is
// what floods other scanners with unrelated CVEs.
type CPEs struct {
	byKey map[string][]cpeEntry
}

type cpeEntry struct {
	adv  *vuln.Advisory
	cfg  *vuln.Configuration
	node int
	m    *vuln.CPEMatch
	cpe  nvd.CPE
}

// cpeAliases maps "vendor:product" pairs NVD has renamed, or that SBOM
// tools commonly write, to the pair NVD uses today. Keys and values are
// after normCPEVendor.
var cpeAliases = map[string]string{
	"amazon:amazon_web_services_freertos": "amazon:freertos",
	"aws:freertos":                        "amazon:freertos",
	"freertos:freertos":                   "amazon:freertos",
	"real_time_engineers:freertos":        "amazon:freertos",
	"yassl:wolfssl":                       "wolfssl:wolfssl",
	"wolfssl_inc:wolfssl":                 "wolfssl:wolfssl",
	"mysql:mysql":                         "oracle:mysql",
	"sun:mysql":                           "oracle:mysql",
	"openssl_project:openssl":             "openssl:openssl",
}

var vendorPrefixes = []string{"the_"}
var vendorSuffixes = []string{"_software_foundation", "_foundation", "_project", "_inc.", "_inc", "_corporation", "_corp", "_ltd", "_llc"}

// normCPEVendor trims corporate affixes from a CPE vendor: both sides of a
// comparison go through it, so "the_apache_software_foundation" and
// "apache" meet.
func normCPEVendor(v string) string {
	for _, p := range vendorPrefixes {
		v = strings.TrimPrefix(v, p)
	}
	for _, s := range vendorSuffixes {
		if t := strings.TrimSuffix(v, s); t != v && t != "" {
			v = t
			break
		}
	}
	return v
}

// cpeKey is the index key of a CPE and whether it differs from the plain
// vendor:product pair (an alias or trimmed vendor was used).
func cpeKey(c nvd.CPE) (string, bool) {
	v, p := c.Get(nvd.Vendor), c.Get(nvd.Product)
	if v.Kind != nvd.Value || p.Kind != nvd.Value || v.Glob || p.Glob {
		return "", false
	}
	k := normCPEVendor(v.S) + ":" + p.S
	if a, ok := cpeAliases[k]; ok {
		k = a
	}
	return k, k != v.S+":"+p.S
}

// NewCPEs indexes the vulnerable CPE matches of the NVD records in advs.
func NewCPEs(advs []vuln.Advisory) *CPEs {
	m := &CPEs{byKey: map[string][]cpeEntry{}}
	for i := range advs {
		m.add(&advs[i])
	}
	return m
}

// add indexes one advisory and returns the vendor:product keys it touches.
func (m *CPEs) add(a *vuln.Advisory) []string {
	var keys []string
	{
		for j := range a.Configurations {
			cfg := &a.Configurations[j]
			for n := range cfg.Nodes {
				for k := range cfg.Nodes[n].Matches {
					cm := &cfg.Nodes[n].Matches[k]
					if !cm.Vulnerable {
						continue
					}
					c, err := nvd.ParseCPE(cm.Criteria)
					if err != nil {
						continue // nvd.Parse rejects these; advisories built elsewhere may not
					}
					key, _ := cpeKey(c)
					if key == "" {
						continue // vendor or product not named: would match everything
					}
					m.byKey[key] = append(m.byKey[key], cpeEntry{adv: a, cfg: cfg, node: n, m: cm, cpe: c})
					keys = append(keys, key)
				}
			}
		}
	}
	return keys
}

// componentCPEKey is the index key of a component's CPE, "" when none.
func componentCPEKey(c vuln.Component) string {
	if c.CPE == "" {
		return ""
	}
	cc, err := nvd.ParseCPE(c.CPE)
	if err != nil {
		return ""
	}
	k, _ := cpeKey(cc)
	return k
}

// Match returns the findings for one component's CPE, one per NVD record,
// sorted by advisory id.
func (m *CPEs) Match(c vuln.Component) []vuln.Finding {
	return m.MatchIn(c, nil)
}

// MatchIn is Match for a component of an SBOM whose components are sbom:
// a "running on" platform condition is checked against their CPEs.
func (m *CPEs) MatchIn(c vuln.Component, sbom []vuln.Component) []vuln.Finding {
	return m.MatchOn(c, Platform{Components: sbom})
}

// MatchOn is Match for a component of a product whose identity is p: each
// NVD configuration is evaluated exactly (nodes and cpeMatch entries with
// their operators and negations), the component standing for the entry it
// matches and p for the others. A configuration p cannot decide gives a
// needs_review finding.
func (m *CPEs) MatchOn(c vuln.Component, p Platform) []vuln.Finding {
	if c.CPE == "" {
		return nil
	}
	cc, err := nvd.ParseCPE(c.CPE)
	if err != nil {
		return []vuln.Finding{{Component: c.Key(), Aliases: []string{}, Method: vuln.MethodCPE,
			Status: vuln.StatusNeedsReview, Reason: fmt.Sprintf("component CPE does not parse: %v: review", err)}}
	}
	key, aliased := cpeKey(cc)
	if key == "" {
		return nil
	}
	v := componentVersion(c, cc)
	ev := &evidence{self: parsedComp{c: c, cpe: cc, key: key}, p: p}
	best := map[string]vuln.Finding{}
	var order []string
	for i := range m.byKey[key] {
		e := &m.byKey[key][i]
		f, ok := e.match(c, cc, v, aliased, ev)
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

// componentVersion is the version CPE criteria are compared with: the
// CPE's own version, else the component's.
func componentVersion(c vuln.Component, cc nvd.CPE) string {
	if a := cc.Get(nvd.Version); a.Kind == nvd.Value && !a.Glob {
		return a.S
	}
	if unknownVersion(c.Version) {
		return ""
	}
	return c.Version
}

// usableCPE reports whether c has a CPE that names vendor, product and a
// version: CPE matching can then decide for it.
func usableCPE(c vuln.Component) bool {
	cc, err := nvd.ParseCPE(c.CPE)
	if err != nil {
		return false
	}
	k, _ := cpeKey(cc)
	return k != "" && componentVersion(c, cc) != ""
}

func (e *cpeEntry) match(c vuln.Component, cc nvd.CPE, v string, aliased bool, ev *evidence) (vuln.Finding, bool) {
	crit := e.cpe
	if !sameQualifiers(crit, cc) {
		return vuln.Finding{}, false // e.g. another target_sw
	}
	conf := 1.0
	var notes []string
	if aliased {
		conf *= 0.95
		notes = append(notes, "vendor/product equal after alias")
	} else {
		notes = append(notes, "vendor and product equal")
	}
	if a, b := crit.Get(nvd.Part), cc.Get(nvd.Part); a.Kind == nvd.Value && b.Kind == nvd.Value && a.S != b.S {
		conf *= 0.9
		notes = append(notes, fmt.Sprintf("part %s in NVD, %s in the SBOM", a.S, b.S))
	}
	f := vuln.Finding{Component: c.Key(), Advisory: e.adv.ID, Aliases: cves(e.adv.Aliases),
		Method: vuln.MethodCPE, CVSS: e.adv.CVSS}
	head := fmt.Sprintf("CPE %s matches NVD criteria %s (%s)", c.CPE, e.m.Criteria, strings.Join(notes, "; "))

	st, vconf, vwhy, fixed, ok := e.versionStatus(v)
	if !ok {
		return f, false
	}
	conf *= vconf
	reason := head + "; " + vwhy
	switch holds, what := configHolds(e.cfg, e.m, ev), e.conditions(); {
	case holds == no:
		return f, false
	case what == "":
	case holds == yes:
		conf *= 0.95
		reason += "; configuration condition met by the product's identity: " + what
	default:
		conf *= 0.7
		st = vuln.StatusNeedsReview
		reason += "; only when " + what + " (neither the SBOM nor the device shows it): review"
	}
	f.Status, f.Confidence, f.Fixed, f.Reason = st, round(conf), fixed, reason
	return f, true
}

// versionStatus checks version v against the criteria's version and bounds.
func (e *cpeEntry) versionStatus(v string) (vuln.Status, float64, string, string, bool) {
	cv := e.cpe.Get(nvd.Version)
	m := e.m
	bounded := m.StartIncluding != "" || m.StartExcluding != "" || m.EndIncluding != "" || m.EndExcluding != ""
	if v == "" {
		return vuln.StatusNeedsReview, 0.5, "the component has no version: review", "", true
	}
	switch {
	case cv.Kind == nvd.Value:
		same := version.CompareGeneric(v, cv.S) == 0
		if cv.Glob {
			same = cv.Accepts(nvd.Attr{Kind: nvd.Value, S: strings.ToLower(v)})
		}
		if same {
			return vuln.StatusAffected, 1, fmt.Sprintf("version %s is the affected version %s", v, cv.S), "", true
		}
		return "", 0, "", "", false
	case cv.Kind == nvd.NA && !bounded:
		return vuln.StatusAffected, 0.8, "NVD gives no version for this product (any version affected)", "", true
	case !bounded:
		return vuln.StatusAffected, 0.9, "NVD lists all versions as affected", "", true
	}
	var conds []string
	check := func(bound string, ok func(c int) bool, text string) bool {
		if bound == "" {
			return true
		}
		conds = append(conds, text+" "+bound)
		return ok(version.CompareGeneric(v, bound))
	}
	if !check(m.StartIncluding, func(c int) bool { return c >= 0 }, "from") ||
		!check(m.StartExcluding, func(c int) bool { return c > 0 }, "after") ||
		!check(m.EndIncluding, func(c int) bool { return c <= 0 }, "up to and including") ||
		!check(m.EndExcluding, func(c int) bool { return c < 0 }, "before") {
		return "", 0, "", "", false
	}
	return vuln.StatusAffected, 1, fmt.Sprintf("version %s is in the affected range %s%s", v,
		strings.Join(conds, ", "), fixedText(m.EndExcluding)), m.EndExcluding, true
}

// conditions describes what the configuration requires besides the
// matched entry: "running on X", "" when the entry alone decides.
func (e *cpeEntry) conditions() string {
	if d := describe(e.cfg, e.node); d != "" {
		return "running on " + d
	}
	if n := &e.cfg.Nodes[e.node]; n.Operator == "AND" && len(n.Matches) > 1 || n.Negate || e.cfg.Negate {
		return "with " + describeNode(n, e.m)
	}
	return ""
}

// Components matches the components of one SBOM by purl (OSV) and by CPE
// (NVD). A component whose CPE names vendor, product and a version is
// decided by CPE matching, so the purl matcher's "cannot match" review
// finding is dropped for it; components CPE cannot decide keep it.
func Components(p *Packages, c *CPEs, sbom []vuln.Component) []vuln.Finding {
	return ComponentsOn(p, c, sbom, nil)
}

// ComponentsOn is Components for the SBOM of a device (nil when none):
// NVD platform conditions are checked against the SBOM and the device.
func ComponentsOn(p *Packages, c *CPEs, sbom []vuln.Component, dev *vuln.Device) []vuln.Finding {
	var out []vuln.Finding
	for _, comp := range sbom {
		var pf []vuln.Finding
		if p != nil {
			pf = p.Match(comp)
		}
		if c != nil && comp.CPE != "" {
			if usableCPE(comp) {
				kept := pf[:0]
				for _, f := range pf {
					if f.Advisory != "" || f.Status != vuln.StatusNeedsReview {
						kept = append(kept, f)
					}
				}
				pf = kept
			}
			pf = append(pf, c.MatchOn(comp, Platform{Components: sbom, Device: dev})...)
		}
		out = append(out, pf...)
	}
	return out
}
