package csaf

import (
	"regexp"
	"sort"
	"strings"

	"github.com/airtight/airtight/vuln"
)

// statusOf maps a CSAF product_status key to a finding status.
var statusOf = map[string]vuln.Status{
	"known_affected":      vuln.StatusAffected,
	"first_affected":      vuln.StatusAffected,
	"last_affected":       vuln.StatusAffected,
	"under_investigation": vuln.StatusUnderInvestigation,
	"fixed":               vuln.StatusFixed,
	"first_fixed":         vuln.StatusFixed,
	"known_not_affected":  vuln.StatusNotAffected,
}

// rank orders statuses when a product has several: the most urgent wins.
var rank = map[vuln.Status]int{
	vuln.StatusAffected: 4, vuln.StatusUnderInvestigation: 3, vuln.StatusFixed: 2, vuln.StatusNotAffected: 1,
}

// affected builds one vuln.Affected per product that has a status.
func affected(d *document, leaves map[string]*leaf) []vuln.Affected {
	byID := map[string]*vuln.Affected{}
	for _, v := range d.Vulnerabilities {
		for key, ids := range v.ProductStatus {
			st, ok := statusOf[key]
			if !ok {
				continue
			}
			for _, id := range ids {
				applyStatus(byID, leaves[id], v, st)
			}
		}
	}
	out := make([]vuln.Affected, 0, len(byID))
	for _, a := range byID {
		a.Fixed = fixedVersion(a, byID, d)
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ProductID < out[j].ProductID })
	return out
}

func applyStatus(byID map[string]*vuln.Affected, l *leaf, v vulnerability, st vuln.Status) {
	a := byID[l.id]
	if a == nil {
		a = &vuln.Affected{Vendor: l.vendor, Product: l.product, FullName: l.fullName,
			ProductID: l.id, VersionExpr: l.version}
		byID[l.id] = a
	}
	switch {
	case rank[st] > rank[a.Status]:
		a.Status, a.Aliases, a.CVSS, a.Vector = st, nil, 0, ""
	case rank[st] < rank[a.Status]:
		return
	}
	if v.CVE != "" && !contains(a.Aliases, v.CVE) {
		a.Aliases = append(a.Aliases, v.CVE)
	}
	for _, s := range v.Scores {
		if s.CVSSV3 != nil && s.CVSSV3.BaseScore > a.CVSS && (len(s.Products) == 0 || contains(s.Products, l.id)) {
			a.CVSS, a.Vector = s.CVSSV3.BaseScore, s.CVSSV3.VectorString
		}
	}
}

// fixedVersion is the version that fixes an affected product: a fixed
// sibling version of the same product, else one named by a vendor_fix
// remediation ("update to v1.2.1 or later").
func fixedVersion(a *vuln.Affected, byID map[string]*vuln.Affected, d *document) string {
	if a.Status != vuln.StatusAffected {
		return ""
	}
	for _, b := range byID {
		if b.Status == vuln.StatusFixed && b.Vendor == a.Vendor && b.Product == a.Product && b.VersionExpr != "" {
			return b.VersionExpr
		}
	}
	for _, v := range d.Vulnerabilities {
		for _, r := range v.Remediations {
			if r.Category == "vendor_fix" && contains(r.ProductIDs, a.ProductID) {
				if m := fixRE.FindStringSubmatch(r.Details); m != nil {
					return strings.TrimRight(m[1], ".,;")
				}
			}
		}
	}
	return ""
}

var fixRE = regexp.MustCompile(`(?i)(?:update|upgrade|patch)\w*\s+(?:\w+\s+){0,6}?(?:to\s+)?(?:the\s+)?(?:\w+\s+){0,4}?(?:version|v\.?|release|firmware|software)\s*([0-9][0-9A-Za-z._\-]*[0-9A-Za-z])`)
