// Package fleet generates synthetic, deterministic fleets for benchmarks
// and tests: product versions with realistic components (Go, PyPI, npm,
// Maven and Debian package URLs, CPEs for the Debian and firmware ones),
// devices running them, and OSV- and NVD-shaped advisories touching a
// fraction of the packages.
package fleet

import (
	"fmt"
	"math/rand/v2"

	"github.com/airtight/airtight/vuln"
)

// Config sizes a fleet.
type Config struct {
	Seed       uint64
	Devices    int     // N devices
	Products   int     // M product versions
	Components int     // K components per product version
	Advisories int     // A advisories
	Packages   int     // distinct packages to draw components from (default 200 × K)
	Touched    float64 // fraction of packages with advisories (default 0.2)
}

// Device is a generated device and the product version it runs.
type Device struct {
	ID      string
	Product string
}

// Product is a generated product version.
type Product struct {
	ID         string
	Components []vuln.Component
}

// Fleet is a generated fleet.
type Fleet struct {
	Products   []Product
	Devices    []Device
	Advisories []vuln.Advisory
	packages   []pkg
	touched    []int
	rng        *rand.Rand
	next       int
}

type pkg struct {
	eco, purlType, namespace, name string
	cpeVendor                      string // set for CPE-matched packages
	versions                       []string
}

var ecosystems = []struct{ eco, typ string }{
	{"Go", "golang"}, {"PyPI", "pypi"}, {"npm", "npm"}, {"Maven", "maven"}, {"Debian", "deb"},
}

// Generate makes a fleet from c; the same c gives the same fleet.
func Generate(c Config) *Fleet {
	if c.Packages == 0 {
		c.Packages = 200 * c.Components
	}
	if c.Touched == 0 {
		c.Touched = 0.2
	}
	f := &Fleet{rng: rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))}
	f.packages = make([]pkg, c.Packages)
	for i := range f.packages {
		f.packages[i] = f.newPackage(i)
	}
	for i := range c.Packages {
		if f.rng.Float64() < c.Touched {
			f.touched = append(f.touched, i)
		}
	}
	if len(f.touched) == 0 {
		f.touched = []int{0}
	}
	f.Products = make([]Product, c.Products)
	for i := range f.Products {
		f.Products[i] = f.newProduct(i, c.Components)
	}
	f.Devices = make([]Device, c.Devices)
	for i := range f.Devices {
		f.Devices[i] = Device{ID: fmt.Sprintf("DEV-%07d", i), Product: f.Products[f.rng.IntN(len(f.Products))].ID}
	}
	f.Advisories = make([]vuln.Advisory, 0, c.Advisories)
	for range c.Advisories {
		f.Advisories = append(f.Advisories, f.NewAdvisory())
	}
	return f
}

func (f *Fleet) newPackage(i int) pkg {
	e := ecosystems[i%len(ecosystems)]
	p := pkg{eco: e.eco, purlType: e.typ}
	switch e.typ {
	case "golang":
		p.namespace, p.name = fmt.Sprintf("github.com/org%d", i%97), fmt.Sprintf("mod%d", i)
	case "maven":
		p.namespace, p.name = fmt.Sprintf("org.example%d", i%89), fmt.Sprintf("lib%d", i)
	case "deb":
		p.namespace, p.name, p.cpeVendor = "debian", fmt.Sprintf("libdeb%d", i), fmt.Sprintf("vendor%d", i%53)
	default:
		p.name = fmt.Sprintf("%s-pkg%d", e.typ, i)
	}
	n := 5 + f.rng.IntN(20)
	for j := range n {
		v := fmt.Sprintf("%d.%d.%d", 1+j/8, j%8, f.rng.IntN(4))
		if e.typ == "golang" {
			v = "v" + v
		}
		p.versions = append(p.versions, v)
	}
	return p
}

func (f *Fleet) newProduct(i, k int) Product {
	p := Product{ID: fmt.Sprintf("PV-%05d", i), Components: make([]vuln.Component, 0, k)}
	seen := map[int]bool{}
	for len(p.Components) < k && len(seen) < len(f.packages) {
		j := f.rng.IntN(len(f.packages))
		if seen[j] {
			continue
		}
		seen[j] = true
		pk := &f.packages[j]
		p.Components = append(p.Components, pk.component(pk.versions[f.rng.IntN(len(pk.versions))]))
	}
	return p
}

func (p *pkg) component(v string) vuln.Component {
	c := vuln.Component{Name: p.name, Version: v, Type: "library"}
	ns := ""
	if p.namespace != "" {
		ns = p.namespace + "/"
	}
	c.PURL = fmt.Sprintf("pkg:%s/%s%s@%s", p.purlType, ns, p.name, v)
	if p.cpeVendor != "" {
		c.CPE = fmt.Sprintf("cpe:2.3:a:%s:%s:%s:*:*:*:*:*:*:*", p.cpeVendor, p.name, v)
	}
	return c
}

func (p *pkg) osvName() string {
	switch p.purlType {
	case "maven":
		return p.namespace + ":" + p.name
	case "golang":
		return p.namespace + "/" + p.name
	}
	return p.name
}

// NewAdvisory makes one more advisory on a touched package: OSV-shaped
// (an introduced/fixed range) for package ecosystems, NVD-shaped (a CPE
// criteria with versionEndExcluding) for Debian packages.
func (f *Fleet) NewAdvisory() vuln.Advisory {
	f.next++
	p := &f.packages[f.touched[f.rng.IntN(len(f.touched))]]
	fixed := p.versions[f.rng.IntN(len(p.versions))]
	cve := fmt.Sprintf("CVE-2099-%06d", f.next)
	if p.cpeVendor != "" {
		return vuln.Advisory{ID: cve, Aliases: []string{cve}, CVSS: 5 + float64(f.next%50)/10,
			Configurations: []vuln.Configuration{{Nodes: []vuln.Node{{Matches: []vuln.CPEMatch{{Vulnerable: true,
				Criteria: fmt.Sprintf("cpe:2.3:a:%s:%s:*:*:*:*:*:*:*:*", p.cpeVendor, p.name), EndExcluding: fixed}}}}}}}
	}
	rangeType := "ECOSYSTEM"
	if p.eco == "Go" || p.eco == "npm" {
		rangeType = "SEMVER"
	}
	return vuln.Advisory{ID: fmt.Sprintf("SYN-%06d", f.next), Aliases: []string{cve}, CVSS: 4 + float64(f.next%60)/10,
		Affected: []vuln.Affected{{Ecosystem: p.eco, Package: p.osvName(), Status: vuln.StatusAffected,
			Ranges: []vuln.Range{{Type: rangeType, Events: []vuln.Event{{Introduced: "0"}, {Fixed: fixed}}}}}}}
}
