package web

import (
	"cmp"
	"slices"

	"github.com/airtight/airtight/inventory"
)

// summaryBuilder counts devices into an inventory.Summary, for lists that
// have no stored summary (a device maker's installed base).
type summaryBuilder struct {
	total                                 int
	kind, dept, zone, crit, status, maker map[string]int
	orgs                                  map[int64]bool
}

func newSummaryBuilder() *summaryBuilder {
	return &summaryBuilder{
		kind: map[string]int{}, dept: map[string]int{}, zone: map[string]int{},
		crit: map[string]int{}, status: map[string]int{}, maker: map[string]int{},
		orgs: map[int64]bool{},
	}
}

func (b *summaryBuilder) add(d *inventory.Device) {
	b.total++
	b.kind[string(d.Kind)]++
	b.dept[d.Department]++
	b.zone[d.NetworkZone]++
	b.crit[string(d.Criticality)]++
	b.status[string(d.Status)]++
	b.maker[d.Manufacturer]++
	b.orgs[d.OrgID] = true
}

func (b *summaryBuilder) summary() *inventory.Summary {
	return &inventory.Summary{
		Total:          b.total,
		ByKind:         sortedCounts(b.kind),
		ByDepartment:   sortedCounts(b.dept),
		ByZone:         sortedCounts(b.zone),
		ByCriticality:  sortedCounts(b.crit),
		ByStatus:       sortedCounts(b.status),
		ByManufacturer: sortedCounts(b.maker),
	}
}

// sortedCounts orders buckets by count descending, then key, as stores do.
func sortedCounts(m map[string]int) []inventory.Count {
	out := make([]inventory.Count, 0, len(m))
	for k, n := range m {
		out = append(out, inventory.Count{Key: k, N: n})
	}
	slices.SortFunc(out, func(a, b inventory.Count) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out
}
