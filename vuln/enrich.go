package vuln

import "strings"

// KEVLookup says whether a CVE is in CISA's Known Exploited
// Vulnerabilities catalog.
type KEVLookup interface {
	Listed(cve string) bool
}

// EPSSLookup gives a CVE's EPSS probability of exploitation (0 to 1).
type EPSSLookup interface {
	Score(cve string) (float64, bool)
}

// Enrich fills the kev and epss fields of findings from their advisory id
// and aliases: kev when any of them is listed, epss the highest score.
// Either lookup may be nil.
func Enrich(fs []Finding, kev KEVLookup, epss EPSSLookup) {
	for i := range fs {
		f := &fs[i]
		for _, id := range f.ids() {
			if kev != nil && kev.Listed(id) {
				f.KEV = true
			}
			if epss == nil {
				continue
			}
			if s, ok := epss.Score(id); ok && s > f.EPSS {
				f.EPSS = s
			}
		}
	}
}

// ids are the CVE ids a finding names.
func (f Finding) ids() []string {
	var out []string
	if strings.HasPrefix(f.Advisory, "CVE-") {
		out = append(out, f.Advisory)
	}
	for _, a := range f.Aliases {
		if strings.HasPrefix(a, "CVE-") {
			out = append(out, a)
		}
	}
	return out
}

// IDs are the advisory id and aliases of a finding.
func (f Finding) IDs() []string {
	out := []string{}
	if f.Advisory != "" {
		out = append(out, f.Advisory)
	}
	return append(out, f.Aliases...)
}

// Subject is what a finding is about: the device id, else the component.
func (f Finding) Subject() string {
	if f.Device != "" {
		return f.Device
	}
	return f.Component
}
