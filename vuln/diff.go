package vuln

import (
	"slices"
	"sort"
	"strings"
)

// SBOMDiff is what changed between two versions of an SBOM.
type SBOMDiff struct {
	Added   []Component `json:"added"`
	Removed []Component `json:"removed"`
	Changed []Change    `json:"changed"`
}

// Change is one component present in both SBOMs with different content.
type Change struct {
	Old    Component `json:"old"`
	New    Component `json:"new"`
	Fields []string  `json:"fields"` // version, purl, cpe, supplier, hashes, level_of_support, end_of_support
}

// Empty reports whether the SBOMs have the same components.
func (d SBOMDiff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0
}

// DiffComponents compares two SBOMs' components. A component is the same
// one in both when its identity — the package URL without version and
// qualifiers, else its type and name — is the same; several components
// with one identity are paired in version order, the rest are added or
// removed. Results are sorted by identity.
func DiffComponents(old, new []Component) SBOMDiff {
	a, b := byIdentity(old), byIdentity(new)
	var d SBOMDiff
	for _, id := range unionKeys(a, b) {
		x, y := a[id], b[id]
		n := min(len(x), len(y))
		for i := range n {
			if f := changedFields(x[i], y[i]); len(f) > 0 {
				d.Changed = append(d.Changed, Change{Old: x[i], New: y[i], Fields: f})
			}
		}
		d.Removed = append(d.Removed, x[n:]...)
		d.Added = append(d.Added, y[n:]...)
	}
	return d
}

// Identity is the name of a component across versions of an SBOM.
func (c Component) Identity() string {
	if c.PURL != "" {
		p := c.PURL
		p, _, _ = strings.Cut(p, "#")
		p, _, _ = strings.Cut(p, "?")
		if i := strings.LastIndexByte(p, '@'); i > strings.LastIndexByte(p, '/') {
			p = p[:i]
		}
		return strings.ToLower(p)
	}
	return strings.ToLower(c.Type + ":" + c.Name)
}

func byIdentity(cs []Component) map[string][]Component {
	m := map[string][]Component{}
	for _, c := range cs {
		id := c.Identity()
		m[id] = append(m[id], c)
	}
	for _, v := range m {
		sort.SliceStable(v, func(i, j int) bool { return v[i].Version < v[j].Version })
	}
	return m
}

func unionKeys(a, b map[string][]Component) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func changedFields(a, b Component) []string {
	var f []string
	add := func(name string, differ bool) {
		if differ {
			f = append(f, name)
		}
	}
	add("version", a.Version != b.Version)
	add("purl", a.PURL != b.PURL)
	add("cpe", a.CPE != b.CPE)
	add("supplier", a.Supplier != b.Supplier)
	add("hashes", !slices.Equal(a.Hashes, b.Hashes))
	add("level_of_support", a.LevelOfSupport != b.LevelOfSupport)
	add("end_of_support", a.EndOfSupport != b.EndOfSupport)
	return f
}
