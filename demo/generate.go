package demo

import (
	"encoding/hex"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/airtight/airtight/inventory"
)

// Base is the fixed time generated fleets are seen around: first and last
// seen times lie before it, so that a seed always yields the same fleet.
var Base = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)

// AssetTagPrefix starts every generated asset tag.
const AssetTagPrefix = "RGH-"

// site is a place of the demo hospital. Outpatient sites host only some
// departments.
type site struct {
	name, code string
	depts      []string // nil: every department
}

var sites = []site{
	{name: "Main Campus", code: "mc"},
	{name: "Northside Outpatient Center", code: "ns", depts: []string{deptRadiology, deptLab, deptCardiology, deptPharmacy, deptDialysis, deptEndoscopy}},
	{name: "Riverside Cancer Center", code: "cc", depts: []string{deptOncology, deptRadiology, deptLab, deptPharmacy}},
}

// outpatientShare is the percentage of devices, in departments an outpatient
// site has, that are placed at one.
const outpatientShare = 20

// deptInfo gives each department a short code (for hostnames and rooms) and
// the floor it is on.
var deptInfo = map[string]struct {
	code  string
	floor int
}{
	deptRadiology: {"rad", 1}, deptEmergency: {"ed", 1}, deptICU: {"icu", 3}, deptNICU: {"nicu", 5},
	deptCardiology: {"card", 2}, deptOncology: {"onc", 6}, deptLab: {"lab", 0}, deptPharmacy: {"rx", 0},
	deptOR: {"or", 2}, deptMedSurg3E: {"3e", 3}, deptMedSurg4W: {"4w", 4}, deptDialysis: {"dial", 1},
	deptEndoscopy: {"endo", 2}, deptIT: {"dc", 0},
}

// The IP plan: each zone owns eight /16 networks from 10.<base>.0.0, and
// hands out .4 to .253 of each /24 in turn (.1-.3 are for gateways; 250 a
// /24, 64,000 a /16), so a zone holds 512,000 devices, more than
// inventory.MaxCSVRows. Addresses therefore never repeat in a fleet. They
// are data only: nothing is ever contacted.
var zoneBase = map[string]int{
	ZoneCorporate: 8, ZoneImaging: 16, ZoneClinicalWired: 24, ZoneClinicalWireless: 32,
	ZoneLab: 40, ZoneBiomed: 48, ZoneDMZ: 56,
}

// generator holds the state of one fleet generation.
type generator struct {
	rng      *rand.Rand
	zoneNext map[string]int // next host number per zone
	aeNext   map[string]int // next AE title number per prefix and site
	ouis     map[string][3]byte
	offset   uint32 // seed-dependent offset of MACs and serial numbers
}

// GenerateRecords returns a deterministic fleet of n devices for seed: the
// same n and seed always give the same records. Kinds are spread by their
// share of a typical hospital (many pumps and monitors, few CT or MR
// scanners), every kind appearing at least once when n is at least four
// times the number of kinds. Asset tags, serial numbers, hostnames, MACs,
// AE titles and IPs are unique in the fleet. Every record passes
// inventory.Record.Validate. n is meant for up to inventory.MaxCSVRows.
func GenerateRecords(n int, seed int64) []inventory.Record {
	if n <= 0 {
		return nil
	}
	g := &generator{
		rng:      rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x5eed_a1b2_c3d4_e5f6)),
		zoneNext: make(map[string]int, len(zoneBase)),
		aeNext:   make(map[string]int),
		ouis:     make(map[string][3]byte),
	}
	g.offset = g.rng.Uint32()
	kinds := g.allocate(n)
	recs := make([]inventory.Record, n)
	for i, k := range kinds {
		g.fill(&recs[i], i, &profiles[k])
	}
	return recs
}

// allocate returns the profile index of each of n devices, shuffled.
func (g *generator) allocate(n int) []int {
	counts := shareCounts(n)
	kinds := make([]int, 0, n)
	for k, c := range counts {
		for range c {
			kinds = append(kinds, k)
		}
	}
	g.rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	return kinds
}

// shareCounts splits n devices over the profiles by share, with the largest
// remainder method, giving every kind one first when n allows.
func shareCounts(n int) []int {
	counts := make([]int, len(profiles))
	rest := n
	if n >= 4*len(profiles) {
		for k := range counts {
			counts[k] = 1
		}
		rest -= len(profiles)
	}
	total := 0
	for _, p := range profiles {
		total += p.share
	}
	rems := make([]int, len(profiles))
	given := 0
	for k, p := range profiles {
		counts[k] += rest * p.share / total
		given += rest * p.share / total
		rems[k] = rest * p.share % total
	}
	for ; given < rest; given++ {
		best := 0
		for k := range rems {
			if rems[k] > rems[best] {
				best = k
			}
		}
		counts[best]++
		rems[best] = -1
	}
	return counts
}

// fill writes device i of kind p into r.
func (g *generator) fill(r *inventory.Record, i int, p *kindProfile) {
	m := p.complete(g.pickModel(p.models))
	dept := p.depts[g.rng.IntN(len(p.depts))]
	s := g.pickSite(dept)
	di := deptInfo[dept]

	r.Manufacturer, r.Model, r.Kind = m.Manufacturer, m.Model, m.Kind
	r.FDAProductCode, r.Criticality = m.FDACode, m.Criticality
	r.Version = g.pickVersion(m.Versions)

	d := &r.Device
	d.AssetTag = AssetTagPrefix + pad(i+1, 6)
	d.SerialNumber = serialPrefix(m.Manufacturer) + pad(int(g.scramble(uint32(i), 100_000_000)), 8)
	d.Site, d.Department = s.name, dept
	d.Room = strings.ToUpper(di.code) + " " + strconv.Itoa(di.floor) + "-" + pad(1+g.rng.IntN(40), 2)
	d.NetworkZone = m.Zone
	d.IP = g.nextIP(m.Zone)
	d.MAC = g.mac(m, uint32(i))
	d.Hostname = s.code + "-" + di.code + "-" + p.host + "-" + pad(i+1, 5)
	if p.ae != "" {
		d.AETitle = g.aeTitle(p.ae, s.code)
	}
	d.HL7Application = m.HL7
	d.Owner = p.owner
	g.lifecycle(d)
}

func (g *generator) pickModel(models []Model) Model {
	total := 0
	for _, m := range models {
		total += max(m.Weight, 1)
	}
	x := g.rng.IntN(total)
	for _, m := range models {
		if x -= max(m.Weight, 1); x < 0 {
			return m
		}
	}
	return models[len(models)-1]
}

// pickVersion prefers newer versions: version j (oldest first) has weight j+1.
func (g *generator) pickVersion(versions []string) string {
	n := len(versions)
	x := g.rng.IntN(n * (n + 1) / 2)
	for j := range versions {
		if x -= j + 1; x < 0 {
			return versions[j]
		}
	}
	return versions[n-1]
}

func (g *generator) pickSite(dept string) *site {
	if g.rng.IntN(100) >= outpatientShare {
		return &sites[0]
	}
	var choices []*site
	for k := 1; k < len(sites); k++ {
		for _, d := range sites[k].depts {
			if d == dept {
				choices = append(choices, &sites[k])
			}
		}
	}
	if len(choices) == 0 {
		return &sites[0]
	}
	return choices[g.rng.IntN(len(choices))]
}

// nextIP hands out the next address of zone (see zoneBase).
func (g *generator) nextIP(zone string) string {
	k := g.zoneNext[zone]
	g.zoneNext[zone] = k + 1
	second := zoneBase[zone] + k/64_000
	third := k % 64_000 / 250
	fourth := 4 + k%250
	return "10." + strconv.Itoa(second) + "." + strconv.Itoa(third) + "." + strconv.Itoa(fourth)
}

// mac returns a MAC of the model's maker: its OUI and a per-device suffix
// that is a bijection of i, so no two devices share one.
func (g *generator) mac(m Model, i uint32) string {
	oui := g.oui(m)
	x := g.scramble(i, 1<<24)
	b := [6]byte{oui[0], oui[1], oui[2], byte(x >> 16), byte(x >> 8), byte(x)}
	var out [17]byte
	for j, c := range b {
		hex.Encode(out[j*3:], []byte{c})
		if j < 5 {
			out[j*3+2] = ':'
		}
	}
	return string(out[:])
}

// oui returns the model's OUI, or for makers without a known one a stable
// OUI-looking prefix derived from the maker's name (globally unique, unicast
// bits; not a claim that the maker owns it).
func (g *generator) oui(m Model) [3]byte {
	key := m.Manufacturer + "|" + m.OUI
	if o, ok := g.ouis[key]; ok {
		return o
	}
	var o [3]byte
	if b, err := hex.DecodeString(strings.ReplaceAll(m.OUI, ":", "")); err == nil && len(b) == 3 {
		copy(o[:], b)
	} else {
		h := fnv.New32a()
		h.Write([]byte(m.Manufacturer))
		s := h.Sum32()
		o = [3]byte{byte(s>>16) &^ 0x03, byte(s >> 8), byte(s)}
	}
	g.ouis[key] = o
	return o
}

// scramble maps i < mod to a number < mod, one to one for mod a power of
// two or a power of ten (the multiplier is odd and not a multiple of five),
// so that sequential devices get random-looking but unique numbers.
func (g *generator) scramble(i, mod uint32) uint32 {
	return uint32((uint64(i)*2_654_435_761 + uint64(g.offset)) % uint64(mod))
}

func (g *generator) aeTitle(prefix, siteCode string) string {
	key := prefix + "_" + strings.ToUpper(siteCode)
	g.aeNext[key]++
	return key + strconv.Itoa(g.aeNext[key])
}

// lifecycle sets the status and the first and last seen times.
func (g *generator) lifecycle(d *inventory.Device) {
	const day = 24 * time.Hour
	switch x := g.rng.IntN(100); {
	case x < 90:
		d.Status = inventory.StatusActive
		d.LastSeen = Base.Add(-g.seconds(36 * time.Hour))
	case x < 95:
		d.Status = inventory.StatusMaintenance
		d.LastSeen = Base.Add(-g.seconds(14 * day))
	case x < 98:
		d.Status = inventory.StatusDecommissioned
		d.LastSeen = Base.Add(-30*day - g.seconds(365*day))
	default:
		d.Status = inventory.StatusQuarantined
		d.LastSeen = Base.Add(-g.seconds(3 * day))
	}
	d.FirstSeen = d.LastSeen.Add(-30*day - g.seconds(8*365*day))
}

// seconds returns a random whole number of seconds below max.
func (g *generator) seconds(max time.Duration) time.Duration {
	return time.Duration(g.rng.Int64N(int64(max/time.Second))) * time.Second
}

// serialPrefix makes a serial number prefix from a maker's initials.
func serialPrefix(maker string) string {
	var b []byte
	for _, w := range strings.Fields(maker) {
		if c := w[0]; c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			b = append(b, c&^0x20)
		}
		if len(b) == 3 {
			break
		}
	}
	return string(b)
}

// pad formats n with at least width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) >= width {
		return s
	}
	return strings.Repeat("0", width-len(s)) + s
}
