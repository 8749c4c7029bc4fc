package match

import (
	"runtime"
	"sort"
	"sync"

	"github.com/airtight/airtight/vuln"
)

// Index evaluates a fleet's product versions (each an SBOM: the
// components one firmware or software version ships) against advisories
// and keeps their findings, so that devices take the findings of the
// product version they run without being matched one by one, and a new
// advisory re-evaluates only the components it names. Advisories are
// indexed by OSV package and by CPE vendor:product; so are the products'
// components.
//
// Evaluate and Findings may run concurrently with each other; Add and
// AddProduct must not run concurrently with anything.
type Index struct {
	pkgs     *Packages
	cpes     *CPEs
	byID     map[string]bool
	products map[string]*productVersion
	order    []string
	byPkg    map[string][]compRef // package key → components
	byCPE    map[string][]compRef // CPE vendor:product → components
}

type productVersion struct {
	comps    []vuln.Component
	findings []vuln.Finding
}

type compRef struct {
	product string
	comp    int32
}

// NewIndex indexes advs.
func NewIndex(advs []vuln.Advisory) *Index {
	ix := &Index{pkgs: NewPackages(advs), cpes: NewCPEs(advs), byID: map[string]bool{},
		products: map[string]*productVersion{}, byPkg: map[string][]compRef{}, byCPE: map[string][]compRef{}}
	for _, a := range advs {
		ix.byID[a.ID] = true
	}
	return ix
}

// AddProduct registers product version id with its components; Evaluate
// computes its findings.
func (ix *Index) AddProduct(id string, comps []vuln.Component) {
	if _, dup := ix.products[id]; !dup {
		ix.order = append(ix.order, id)
	}
	ix.products[id] = &productVersion{comps: comps}
	for i, c := range comps {
		if k := componentKey(c); k != "" {
			ix.byPkg[k] = append(ix.byPkg[k], compRef{id, int32(i)})
		}
		if k := componentCPEKey(c); k != "" {
			ix.byCPE[k] = append(ix.byCPE[k], compRef{id, int32(i)})
		}
	}
}

// Evaluate matches every product version, spread over the CPUs, and
// returns the number of findings.
func (ix *Index) Evaluate() int {
	work := make(chan *productVersion)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pv := range work {
				pv.findings = Components(ix.pkgs, ix.cpes, pv.comps)
			}
		}()
	}
	for _, id := range ix.order {
		work <- ix.products[id]
	}
	close(work)
	wg.Wait()
	n := 0
	for _, pv := range ix.products {
		n += len(pv.findings)
	}
	return n
}

// Findings are the findings of product version id, as of the last
// Evaluate and Add calls.
func (ix *Index) Findings(id string) []vuln.Finding {
	if pv := ix.products[id]; pv != nil {
		return pv.findings
	}
	return nil
}

// Products are the registered product version ids, in order of addition.
func (ix *Index) Products() []string { return ix.order }

// Add indexes one new advisory, matches it against the components it
// names (and only those) and returns the product versions whose findings
// changed, sorted. An advisory whose id is already indexed is ignored:
// updates need a new Index.
func (ix *Index) Add(adv vuln.Advisory) []string {
	if ix.byID[adv.ID] {
		return nil
	}
	ix.byID[adv.ID] = true
	a := &adv
	pkgKeys, cpeKeys := ix.pkgs.add(a), ix.cpes.add(a)
	one := []vuln.Advisory{adv}
	onlyPkgs, onlyCPEs := NewPackages(one), NewCPEs(one)
	changed := map[string]bool{}
	visit := func(refs []compRef, match func(c vuln.Component, comps []vuln.Component) []vuln.Finding) {
		for _, r := range refs {
			pv := ix.products[r.product]
			for _, f := range match(pv.comps[r.comp], pv.comps) {
				if f.Advisory == adv.ID {
					pv.findings = append(pv.findings, f)
					changed[r.product] = true
				}
			}
		}
	}
	for _, k := range dedupe(pkgKeys) {
		visit(ix.byPkg[k], func(c vuln.Component, _ []vuln.Component) []vuln.Finding { return onlyPkgs.Match(c) })
	}
	for _, k := range dedupe(cpeKeys) {
		visit(ix.byCPE[k], func(c vuln.Component, comps []vuln.Component) []vuln.Finding { return onlyCPEs.MatchIn(c, comps) })
	}
	out := make([]string, 0, len(changed))
	for id := range changed {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func dedupe(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}
