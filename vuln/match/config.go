package match

import (
	"fmt"
	"strings"

	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/nvd"
)

// Platform is the identity evidence NVD "running on/with" conditions are
// checked against: the other components of the SBOM (by their CPEs) and
// the inventoried device itself, when known.
//
// What counts as evidence:
//   - an SBOM component satisfies a cpeMatch when its CPE has the same
//     vendor:product (after aliases) and its version is within the
//     cpeMatch's version and bounds; a hardware component without a version
//     satisfies criteria that do not pin a version;
//   - the device satisfies a hardware (part h) cpeMatch when its
//     manufacturer is the criteria's vendor (same name or alias) and its
//     model has the same words as the criteria's product; it satisfies an
//     operating-system (part o) cpeMatch for "<model>_firmware" or
//     "<model>" when, in addition, its software version is within the
//     bounds (the device's version is its firmware's).
//
// A cpeMatch is false when the evidence shows the product with another
// version (an SBOM component of that vendor:product, all out of range) or
// shows another model of the same maker (the device is one piece of
// hardware); it is unknown when the evidence says nothing about it. An
// unknown platform condition makes the finding needs_review, never a
// silent miss nor a confirmed affected.
type Platform struct {
	Components []vuln.Component
	Device     *vuln.Device
}

// tri is a three-valued truth: no, unknown, yes (Kleene logic: AND is
// the minimum, OR the maximum, NOT the mirror).
type tri int8

const (
	no tri = iota
	unknown
	yes
)

func (t tri) not() tri { return yes - t }

// parsedComp is an SBOM component with its parsed CPE.
type parsedComp struct {
	c   vuln.Component
	cpe nvd.CPE
	key string
}

// evidence is a Platform with the component under test, its CPEs parsed
// once, lazily.
type evidence struct {
	self   parsedComp
	p      Platform
	parsed []parsedComp
	done   bool
}

func (ev *evidence) comps() []parsedComp {
	if ev.done {
		return ev.parsed
	}
	ev.done = true
	for _, c := range ev.p.Components {
		if c.CPE == "" {
			continue
		}
		cc, err := nvd.ParseCPE(c.CPE)
		if err != nil {
			continue
		}
		if k, _ := cpeKey(cc); k != "" {
			ev.parsed = append(ev.parsed, parsedComp{c: c, cpe: cc, key: k})
		}
	}
	return ev.parsed
}

// configHolds evaluates a configuration with cm (matched by the component
// under test) taken as true: its nodes joined by its operator, negated
// when it says so.
func configHolds(cfg *vuln.Configuration, cm *vuln.CPEMatch, ev *evidence) tri {
	var r tri
	if len(cfg.Nodes) == 0 {
		r = no
	}
	for i := range cfg.Nodes {
		v := nodeHolds(&cfg.Nodes[i], cm, ev)
		switch {
		case i == 0:
			r = v
		case cfg.Operator == "AND":
			r = min(r, v)
		default:
			r = max(r, v)
		}
	}
	if cfg.Negate {
		r = r.not()
	}
	return r
}

// nodeHolds evaluates one node: its cpeMatch entries joined by its
// operator, negated when it says so.
func nodeHolds(n *vuln.Node, cm *vuln.CPEMatch, ev *evidence) tri {
	r := no
	for i := range n.Matches {
		m := &n.Matches[i]
		v := yes
		if m != cm {
			v = matchHolds(m, ev)
		}
		switch {
		case i == 0:
			r = v
		case n.Operator == "AND":
			r = min(r, v)
		default:
			r = max(r, v)
		}
	}
	if n.Negate {
		r = r.not()
	}
	return r
}

// matchHolds evaluates one cpeMatch against the evidence.
func matchHolds(m *vuln.CPEMatch, ev *evidence) tri {
	crit, err := nvd.ParseCPE(m.Criteria)
	if err != nil {
		return unknown
	}
	key, _ := cpeKey(crit)
	if key == "" {
		return unknown
	}
	e := cpeEntry{cpe: crit, m: m}
	r := unknown
	items := append([]parsedComp{ev.self}, ev.comps()...)
	for _, it := range items {
		if it.key != key || !sameQualifiers(crit, it.cpe) {
			continue
		}
		switch v := e.holdsFor(it.c, it.cpe); v {
		case yes:
			return yes
		case no:
			r = no // the product is there, with another version
		}
	}
	if ev.p.Device != nil {
		if v := deviceHolds(crit, &e, *ev.p.Device); v == yes || v == no && r == unknown {
			r = v
		}
	}
	return r
}

// holdsFor checks one component against the entry's version and bounds:
// unknown when the component has no version but the criteria pin one.
func (e *cpeEntry) holdsFor(c vuln.Component, cc nvd.CPE) tri {
	v := componentVersion(c, cc)
	if v == "" {
		if e.pinsVersion() {
			return unknown
		}
		return yes // hardware without a version: its presence is what counts
	}
	if st, _, _, _, ok := e.versionStatus(v); ok && st == vuln.StatusAffected {
		return yes
	}
	return no
}

// pinsVersion reports whether the criteria name a version or bounds.
func (e *cpeEntry) pinsVersion() bool {
	m := e.m
	return e.cpe.Get(nvd.Version).Kind == nvd.Value || m.StartIncluding != "" || m.StartExcluding != "" ||
		m.EndIncluding != "" || m.EndExcluding != ""
}

// sameQualifiers reports whether the CPE's update, edition, target
// software... do not contradict the criteria's.
func sameQualifiers(crit, cc nvd.CPE) bool {
	for _, i := range []int{nvd.Update, nvd.Edition, nvd.Language, nvd.SWEdition, nvd.TargetSW, nvd.TargetHW, nvd.Other} {
		if a, b := crit.Get(i), cc.Get(i); a.Kind == nvd.Value && b.Kind == nvd.Value && !a.Accepts(b) {
			return false
		}
	}
	return true
}

// deviceHolds checks hardware and firmware criteria against the device's
// manufacturer, model and version (see Platform).
func deviceHolds(crit nvd.CPE, e *cpeEntry, d vuln.Device) tri {
	part := crit.Get(nvd.Part)
	vendor, product := crit.Get(nvd.Vendor), crit.Get(nvd.Product)
	if part.Kind != nvd.Value || part.S == "a" || vendor.Kind != nvd.Value || product.Kind != nvd.Value {
		return unknown
	}
	if vs, _ := vendorMatch(d.Manufacturer, strings.ReplaceAll(vendor.S, "_", " ")); vs < 0.9 {
		return unknown // another maker: the device says nothing about it
	}
	name := product.S
	if part.S == "o" {
		name = strings.TrimSuffix(name, "_firmware")
	}
	if ps, _ := productMatch(d.Model, strings.ReplaceAll(name, "_", " ")); ps < 1 {
		return no // another model of the same maker
	}
	if part.S == "h" {
		if v := crit.Get(nvd.Version); v.Kind == nvd.Value && v.S != "-" {
			return unknown // a hardware revision the inventory does not record
		}
		return yes
	}
	var anyVersion nvd.CPE
	anyVersion.Attrs[nvd.Version] = nvd.Attr{Kind: nvd.Any}
	return e.holdsFor(vuln.Component{Version: d.Version}, anyVersion)
}

// describe names the conditions of a configuration besides the matched
// entry's node: "cpe:2.3:h:acme:pump:-:… and not cpe:…".
func describe(cfg *vuln.Configuration, node int) string {
	var parts []string
	for n := range cfg.Nodes {
		if n == node {
			continue
		}
		nd := &cfg.Nodes[n]
		var names []string
		for k := range nd.Matches {
			if len(names) == 3 {
				names = append(names, fmt.Sprintf("%d more", len(nd.Matches)-3))
				break
			}
			names = append(names, nd.Matches[k].Criteria)
		}
		join := " or "
		if nd.Operator == "AND" {
			join = " with "
		}
		s := strings.Join(names, join)
		if nd.Negate {
			s = "not " + s
		}
		parts = append(parts, s)
	}
	join := " and "
	if cfg.Operator != "AND" {
		join = " or "
	}
	s := strings.Join(parts, join)
	if cfg.Negate {
		s = "not (" + s + ")"
	}
	return s
}

// describeNode names the entries of a node other than cm.
func describeNode(n *vuln.Node, cm *vuln.CPEMatch) string {
	var names []string
	for k := range n.Matches {
		if m := &n.Matches[k]; m != cm && len(names) < 3 {
			names = append(names, m.Criteria)
		}
	}
	s := strings.Join(names, " and ")
	if n.Negate {
		s = "not (" + s + ")"
	}
	return s
}
