package risk

import (
	"sort"
	"strings"
	"time"

	"github.com/airtight/airtight/vuln"
)

// Item is a finding with the asset it concerns.
type Item struct {
	Finding vuln.Finding
	Asset   Asset
}

// DeviceRisk is one device (or SBOM product) of a plan group.
type DeviceRisk struct {
	ID      string `json:"id"`
	Score   int    `json:"score"`
	Explain string `json:"explanation"`
}

// Group is one step of a patch plan: devices running one product version,
// with the version that fixes their findings.
type Group struct {
	Product    string       `json:"product"`
	Version    string       `json:"version"`
	Fixed      string       `json:"fixed"` // "" when no fix is known
	Advisories []string     `json:"advisories"`
	Top        int          `json:"top_score"`
	Explain    string       `json:"explanation"` // of the top device's top finding
	KEV        bool         `json:"kev"`
	Devices    []DeviceRisk `json:"devices"`
}

// Plan groups the actionable findings of items by product, version and
// fixed version; each device's risk in a group is its highest finding
// score there. Groups are ordered by their top device's risk, then by
// product and version; devices by risk, then id. Findings that are
// not_affected or fixed are left out.
func Plan(items []Item, now time.Time) []Group {
	groups := map[string]*Group{}
	type dk struct{ g, d string }
	devs := map[dk]*DeviceRisk{}
	members := map[string][]string{}
	var order []string
	for _, it := range items {
		f := it.Finding
		if !f.Status.Actionable() || f.Advisory == "" {
			continue
		}
		prod, ver := productVersion(it)
		key := prod + "\x00" + ver + "\x00" + f.Fixed
		g := groups[key]
		if g == nil {
			g = &Group{Product: prod, Version: ver, Fixed: f.Fixed}
			groups[key] = g
			order = append(order, key)
		}
		s := Finding(f, it.Asset, now)
		if !contains(g.Advisories, f.Advisory) {
			g.Advisories = append(g.Advisories, f.Advisory)
		}
		g.KEV = g.KEV || f.KEV
		id := it.Asset.ID
		if id == "" {
			id = f.Subject()
		}
		d := devs[dk{key, id}]
		if d == nil {
			d = &DeviceRisk{ID: id, Score: -1}
			devs[dk{key, id}] = d
			members[key] = append(members[key], id)
		}
		if s.Value > d.Score {
			d.Score, d.Explain = s.Value, f.Advisory+": "+s.Explain()
		}
		if s.Value > g.Top || g.Explain == "" {
			g.Top, g.Explain = max(g.Top, s.Value), f.Advisory+": "+s.Explain()
		}
	}
	out := make([]Group, 0, len(order))
	for _, key := range order {
		g := groups[key]
		for _, id := range members[key] {
			g.Devices = append(g.Devices, *devs[dk{key, id}])
		}
		sort.Slice(g.Devices, func(i, j int) bool {
			a, b := g.Devices[i], g.Devices[j]
			if a.Score != b.Score {
				return a.Score > b.Score
			}
			return a.ID < b.ID
		})
		sort.Strings(g.Advisories)
		out = append(out, *g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Top != b.Top {
			return a.Top > b.Top
		}
		if a.Product != b.Product {
			return a.Product < b.Product
		}
		return a.Version < b.Version
	})
	return out
}

// productVersion is what a finding's fix applies to: the device's product
// and version, or, for an SBOM component, the component and its version.
func productVersion(it Item) (string, string) {
	f := it.Finding
	if f.Device != "" && it.Asset.Product != "" {
		return it.Asset.Product, it.Asset.Version
	}
	c := f.Component
	if i := strings.LastIndexByte(c, '@'); i > 0 && i > strings.LastIndexByte(c, '/') {
		v := c[i+1:]
		v, _, _ = strings.Cut(v, "?")
		return c[:i], v
	}
	return c, ""
}

// Devices ranks assets by their highest finding score.
func Devices(items []Item, now time.Time) []DeviceRisk {
	best := map[string]*DeviceRisk{}
	for _, it := range items {
		id := it.Asset.ID
		if id == "" {
			id = it.Finding.Subject()
		}
		s := Finding(it.Finding, it.Asset, now)
		d := best[id]
		if d == nil {
			d = &DeviceRisk{ID: id, Score: -1}
			best[id] = d
		}
		if s.Value > d.Score {
			d.Score, d.Explain = s.Value, it.Finding.Advisory+": "+s.Explain()
		}
	}
	out := make([]DeviceRisk, 0, len(best))
	for _, d := range best {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
