package match

import (
	"fmt"
	"sort"
	"strings"

	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/version"
)

// Packages matches SBOM components to OSV packages by purl.
type Packages struct {
	byKey map[string][]pkgEntry
}

type pkgEntry struct {
	adv *vuln.Advisory
	af  *vuln.Affected
}

// NewPackages indexes the package (OSV) entries of advs.
func NewPackages(advs []vuln.Advisory) *Packages {
	p := &Packages{byKey: map[string][]pkgEntry{}}
	for i := range advs {
		p.add(&advs[i])
	}
	return p
}

// add indexes one advisory and returns the package keys it touches.
func (p *Packages) add(a *vuln.Advisory) []string {
	var keys []string
	for j := range a.Affected {
		af := &a.Affected[j]
		if af.Package == "" || af.Ecosystem == "" {
			continue
		}
		k := packageKey(af.Ecosystem, af.Package)
		p.byKey[k] = append(p.byKey[k], pkgEntry{a, af})
		keys = append(keys, k)
	}
	return keys
}

// componentKey is the index key of a component's purl, "" when it has none
// that maps to an OSV ecosystem.
func componentKey(c vuln.Component) string {
	pu, err := parsePURL(c.PURL)
	if err != nil {
		return ""
	}
	eco, name := pu.osvName()
	if eco == "" {
		return ""
	}
	return packageKey(eco, name)
}

// Match returns the findings for one component: one per advisory that
// affects it, or one needs_review finding (no advisory) when the component
// cannot be matched by purl at all.
func (p *Packages) Match(c vuln.Component) []vuln.Finding {
	if c.PURL == "" {
		return []vuln.Finding{review(c, "no package URL: cannot match by purl")}
	}
	pu, err := parsePURL(c.PURL)
	if err != nil {
		return []vuln.Finding{review(c, err.Error())}
	}
	eco, name := pu.osvName()
	if eco == "" {
		return []vuln.Finding{review(c, fmt.Sprintf("purl type %q has no OSV ecosystem: cannot match by purl", pu.typ))}
	}
	v := pu.version
	if v == "" {
		v = c.Version
	}
	var out []vuln.Finding
	seen := map[string]bool{}
	for _, e := range p.byKey[packageKey(eco, name)] {
		if seen[e.adv.ID] {
			continue
		}
		if f, ok := matchPackage(c, eco, v, e); ok {
			seen[e.adv.ID] = true
			out = append(out, f)
		}
	}
	sortFindings(out)
	return out
}

func review(c vuln.Component, why string) vuln.Finding {
	return vuln.Finding{Component: c.Key(), Aliases: []string{}, Method: vuln.MethodPURL,
		Reason: why, Status: vuln.StatusNeedsReview}
}

// matchPackage checks version v of component c against one OSV entry.
func matchPackage(c vuln.Component, eco, v string, e pkgEntry) (vuln.Finding, bool) {
	f := vuln.Finding{Component: c.Key(), Advisory: e.adv.ID, Aliases: cves(e.adv.Aliases),
		Method: vuln.MethodPURL, CVSS: e.adv.CVSS}
	if unknownVersion(v) {
		f.Status, f.Confidence = vuln.StatusNeedsReview, 0.5
		f.Reason = fmt.Sprintf("%s package %s has this advisory but the component has no version: review", eco, e.af.Package)
		return f, true
	}
	for _, lv := range e.af.Versions {
		if sameVersion(eco, v, lv) {
			f.Status, f.Confidence = vuln.StatusAffected, 1
			f.Reason = fmt.Sprintf("%s package %s version %s is listed as affected", eco, e.af.Package, v)
			return f, true
		}
	}
	for _, r := range e.af.Ranges {
		scheme := version.ForEcosystem(eco)
		if r.Type == "SEMVER" {
			scheme = version.SemVer
		} else if r.Type != "ECOSYSTEM" {
			continue // GIT ranges need commit history
		}
		in, fixed, err := inRange(scheme, v, r.Events)
		switch {
		case err != nil:
			f.Status, f.Confidence = vuln.StatusNeedsReview, 0.5
			f.Reason = fmt.Sprintf("%s package %s: %v: review", eco, e.af.Package, err)
			return f, true
		case in:
			f.Status, f.Confidence, f.Fixed = vuln.StatusAffected, 1, fixed
			f.Reason = fmt.Sprintf("%s package %s version %s is in an affected %s range%s",
				eco, e.af.Package, v, strings.ToLower(r.Type), fixedText(fixed))
			return f, true
		}
	}
	return f, false
}

func fixedText(fixed string) string {
	if fixed == "" {
		return " (no fix)"
	}
	return " (fixed in " + fixed + ")"
}

func sameVersion(eco, a, b string) bool {
	c, err := version.Compare(version.ForEcosystem(eco), a, b)
	if err != nil {
		return strings.TrimPrefix(a, "v") == strings.TrimPrefix(b, "v")
	}
	return c == 0
}

// inRange evaluates OSV range events for v: for each introduced version at
// or below v, the nearest fixed or last_affected event above it closes the
// interval; none closes it at infinity.
func inRange(s version.Scheme, v string, events []vuln.Event) (bool, string, error) {
	cmp := func(a, b string) (int, error) { return version.Compare(s, a, b) }
	if _, err := cmp(v, v); err != nil {
		return false, "", err
	}
	for _, ev := range events {
		if ev.Introduced == "" {
			continue
		}
		if ev.Introduced != "0" {
			c, err := cmp(v, ev.Introduced)
			if err != nil {
				return false, "", fmt.Errorf("range event: %w", err)
			}
			if c < 0 {
				continue
			}
		}
		in, fixed, err := closed(cmp, v, ev.Introduced, events)
		if err != nil || in {
			return in, fixed, err
		}
	}
	return false, "", nil
}

// closed finds the nearest bound after intro and says whether v is below it.
func closed(cmp func(a, b string) (int, error), v, intro string, events []vuln.Event) (bool, string, error) {
	var bound string
	var last bool
	for _, ev := range events {
		b, isLast := ev.Fixed, false
		if b == "" {
			b, isLast = ev.LastAffected, true
		}
		if b == "" {
			continue
		}
		if intro != "0" {
			if c, err := cmp(b, intro); err != nil || c < 0 {
				continue
			}
		}
		if bound != "" {
			if c, err := cmp(b, bound); err != nil || c >= 0 {
				continue
			}
		}
		bound, last = b, isLast
	}
	if bound == "" {
		return true, "", nil
	}
	c, err := cmp(v, bound)
	if err != nil {
		return false, "", err
	}
	if last {
		return c <= 0, "", nil
	}
	return c < 0, bound, nil
}

// cves keeps the CVE ids of aliases (others stay in the advisory).
func cves(aliases []string) []string {
	out := []string{}
	for _, a := range aliases {
		if strings.HasPrefix(a, "CVE-") {
			out = append(out, a)
		}
	}
	return out
}

func sortFindings(fs []vuln.Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Advisory < fs[j].Advisory })
}
