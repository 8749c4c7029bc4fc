// Package observe accumulates what monitoring sees on the network, apart
// from detections, for the dashboard: who talks to whom (links between
// inventory devices and addresses, by application), how many events each
// input delivers per minute, and talkers that are not in the inventory
// (discovered devices).
//
// An Observer is a detect.Sink beside the detection pipeline. Its cost per
// event is constant: two or three directory lookups and a few map updates
// under one mutex. Its memory is bounded: past its limits, new links,
// rates and discovered devices are dropped and counted until the next
// Flush, which hands the accumulated deltas to storage and starts over.
package observe

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/airtight/airtight/detect"
)

// Default limits of one flush interval.
const (
	DefaultMaxLinks      = detect.MaxBatchLinks
	DefaultMaxDiscovered = detect.MaxBatchDiscovered
	DefaultMaxRates      = 8192
	// maxSources bounds distinct input sources; more are counted as "other".
	maxSources = 64
)

// Config configures an Observer. Zero fields take the defaults.
type Config struct {
	// Directory resolves endpoints to inventory devices; nil resolves
	// nothing (every talker is an address, every internal one discovered).
	Directory     detect.Directory
	MaxLinks      int
	MaxDiscovered int
	MaxRates      int
	// Now is the clock (default time.Now). It stands in for an event's
	// time when the event has none, or one more than MaxSkew away: a
	// sender with a wrong clock must not scatter the counts over the past
	// or the future, where the dashboard's last 24 hours do not look.
	Now func() time.Time
}

// MaxSkew is how far an event's own time may be from the Observer's clock
// and still be used.
const MaxSkew = 5 * time.Minute

// Stats counts what an Observer dropped at its limits, since it started.
type Stats struct {
	Events            int64 // events observed
	DroppedLinks      int64 // events whose new link did not fit
	DroppedDiscovered int64 // new discovered devices that did not fit
	DroppedRates      int64 // events whose new rate bucket did not fit
}

// Observer accumulates observations; it is safe for concurrent use.
type Observer struct {
	dir                         detect.Directory
	maxLinks, maxDisc, maxRates int
	now                         func() time.Time

	mu      sync.Mutex
	links   map[linkKey]*detect.Link
	rates   map[rateKey]int64
	disc    map[discKey]*discAcc
	sources map[string]bool // distinct sources seen, bounded by maxSources

	events, dropLinks, dropDisc, dropRates atomic.Int64
}

var _ detect.Sink = (*Observer)(nil)

// talkerKey identifies a talker without allocating: a device id, or an
// address when the device is unknown.
type talkerKey struct {
	dev int64
	ip  netip.Addr
}

type linkKey struct {
	src, dst talkerKey
	app      string
	proto    string
	port     uint16
}

// discKey identifies a discovered device without allocating, as
// Discovered.Ident does: by address, else AE title, else HL7 application.
type discKey struct {
	ip  netip.Addr
	ae  string
	hl7 string
}

func discKeyOf(d *detect.Discovered) discKey {
	switch {
	case d.IP.IsValid():
		return discKey{ip: d.IP.Unmap()}
	case d.AETitle != "":
		return discKey{ae: d.AETitle}
	case d.HL7App != "":
		return discKey{hl7: strings.ToUpper(d.HL7App)}
	}
	return discKey{ae: d.Ident()} // MAC or host name: only from Merge
}

// discAcc is a discovered device being accumulated; its services are
// named when flushed.
type discAcc struct {
	d    detect.Discovered
	svcs []svcKey
}

// svcKey is a service a device spoke: application, else protocol/port.
type svcKey struct {
	app, proto string
	port       uint16
}

func (k svcKey) name() string {
	l := detect.Link{App: k.app, Protocol: k.proto, Port: k.port}
	return l.Service()
}

type rateKey struct {
	minute int64 // Unix minutes
	source string
	class  detect.Class
}

// New returns an empty Observer.
func New(cfg Config) *Observer {
	o := &Observer{dir: cfg.Directory, maxLinks: cfg.MaxLinks, maxDisc: cfg.MaxDiscovered, maxRates: cfg.MaxRates, now: cfg.Now}
	if o.maxLinks <= 0 {
		o.maxLinks = DefaultMaxLinks
	}
	if o.maxDisc <= 0 {
		o.maxDisc = DefaultMaxDiscovered
	}
	if o.maxRates <= 0 {
		o.maxRates = DefaultMaxRates
	}
	if o.now == nil {
		o.now = time.Now
	}
	o.reset()
	return o
}

func (o *Observer) reset() {
	o.links = map[linkKey]*detect.Link{}
	o.rates = map[rateKey]int64{}
	o.disc = map[discKey]*discAcc{}
}

// Stats returns the counters.
func (o *Observer) Stats() Stats {
	return Stats{Events: o.events.Load(), DroppedLinks: o.dropLinks.Load(), DroppedDiscovered: o.dropDisc.Load(), DroppedRates: o.dropRates.Load()}
}

// Event observes e; it keeps nothing of e but copies of its values.
func (o *Observer) Event(e *detect.Event) {
	o.events.Add(1)
	t := o.now()
	if !e.Time.IsZero() && e.Time.Sub(t).Abs() <= MaxSkew {
		t = e.Time
	}
	t = t.UTC()
	var src, dst side
	linked := e.Src.IP.IsValid() && e.Dst.IP.IsValid()
	if linked {
		src, dst = o.resolve(e, true), o.resolve(e, false)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.countRate(t, e.Source, e.Class)
	if !linked {
		return
	}
	svc := o.addLink(e, t, &src, &dst)
	if !src.t.Known() {
		o.discover(t, &src, svc)
	}
	if !dst.t.Known() {
		o.discover(t, &dst, svc)
	}
}

func (o *Observer) countRate(t time.Time, source string, class detect.Class) {
	if source == "" {
		source = "unknown"
	}
	if !o.sources[source] {
		if o.sources == nil {
			o.sources = map[string]bool{}
		}
		if len(o.sources) >= maxSources {
			source = "other"
		} else {
			source = clipText(source, detect.MaxObservedText)
			o.sources[source] = true
		}
	}
	k := rateKey{minute: t.Unix() / 60, source: source, class: class}
	if _, ok := o.rates[k]; !ok && len(o.rates) >= o.maxRates {
		o.dropRates.Add(1)
		return
	}
	o.rates[k]++
}

// side is one endpoint of an event, resolved.
type side struct {
	t        detect.Talker
	ep       *detect.Endpoint
	ae, hl7  string // the side's own DICOM AE title and HL7 application
	internal bool   // a hospital address that may be a device
}

// resolve looks an endpoint up: by address, else (when the event carries
// none for it) by its AE title or HL7 application, for devices registered
// without an address. A registered title used from another address than
// its device's stays an address: impersonation or a moved device, which
// the map must not hide.
func (o *Observer) resolve(e *detect.Event, isSrc bool) side {
	s := side{ep: &e.Dst}
	if isSrc {
		s.ep = &e.Src
	}
	s.ae, s.hl7 = names(e, isSrc)
	ip := s.ep.IP.Unmap()
	s.t = detect.Talker{IP: ip}
	s.internal = mayBeDevice(ip)
	if o.dir == nil {
		return s
	}
	if ref, ok := o.dir.LookupIP(ip); ok {
		s.t = talker(ref, ip)
		return s
	}
	if ref, ok := o.lookupName(e, s); ok && !ref.IP.IsValid() {
		s.t = talker(ref, ip)
	}
	return s
}

func (o *Observer) lookupName(e *detect.Event, s side) (detect.DeviceRef, bool) {
	if s.ae != "" {
		return o.dir.LookupAE(s.ae)
	}
	if s.hl7 != "" && e.HL7 != nil {
		app, fac, _ := strings.Cut(s.hl7, "^")
		return o.dir.LookupHL7App(app, fac)
	}
	return detect.DeviceRef{}, false
}

func talker(ref detect.DeviceRef, seen netip.Addr) detect.Talker {
	return detect.Talker{DeviceID: ref.ID, IP: seen, Label: clipText(ref.AssetTag, detect.MaxObservedText), Zone: clipText(ref.Zone, detect.MaxObservedText)}
}

// names returns a side's DICOM AE title and HL7 application: the caller's
// (calling AE) and the sender's (MSH-3^MSH-4) belong to the source.
func names(e *detect.Event, isSrc bool) (ae, hl7 string) {
	if d := e.DICOM; d != nil {
		ae = d.CalledAE
		if isSrc {
			ae = d.CallingAE
		}
		ae = clipText(strings.TrimSpace(ae), 16)
	}
	if h := e.HL7; h != nil {
		app, fac := h.ReceivingApp, h.ReceivingFacility
		if isSrc {
			app, fac = h.SendingApp, h.SendingFacility
		}
		hl7 = hl7Name(app, fac)
	}
	return ae, hl7
}

func hl7Name(app, fac string) string {
	app, fac = strings.TrimSpace(app), strings.TrimSpace(fac)
	if app == "" {
		return ""
	}
	if fac != "" {
		app += "^" + fac
	}
	return clipText(app, 128)
}

// mayBeDevice reports whether an address can belong to a hospital device:
// an internal unicast address (not the internet, multicast, broadcast,
// loopback or unspecified).
func mayBeDevice(ip netip.Addr) bool {
	if !ip.IsValid() || detect.IsPublic(ip) || ip.IsMulticast() || ip.IsLoopback() || ip.IsUnspecified() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	return ip != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// addLink counts the event on its link and returns the link's service.
func (o *Observer) addLink(e *detect.Event, t time.Time, src, dst *side) svcKey {
	app := lowerClip(e.App, 32)
	proto := lowerClip(e.Protocol, 16)
	svc := svcKey{app: app, proto: proto, port: servicePort(e, app)}
	k := linkKey{src: key(src.t), dst: key(dst.t), app: app, proto: proto, port: svc.port}
	l, ok := o.links[k]
	if !ok {
		if len(o.links) >= o.maxLinks {
			o.dropLinks.Add(1)
			return svc
		}
		l = &detect.Link{Src: src.t, Dst: dst.t, App: app, Protocol: proto, Port: k.port, FirstSeen: t, LastSeen: t}
		o.links[k] = l
	}
	l.Events++
	l.Packets += max(e.Packets, 0)
	l.Bytes += max(e.BytesIn, 0) + max(e.BytesOut, 0)
	l.FirstSeen, l.LastSeen = minTime(l.FirstSeen, t), maxTime(l.LastSeen, t)
	if src.ae != "" || dst.ae != "" {
		l.AETitles = addName(l.AETitles, src.ae+">"+dst.ae, detect.MaxLinkNames)
	}
	if src.hl7 != "" || dst.hl7 != "" {
		l.HL7Apps = addName(l.HL7Apps, clipText(src.hl7+">"+dst.hl7, detect.MaxObservedText), detect.MaxLinkNames)
	}
	return svc
}

// lowerClip is clipText of the lower-case text, without allocating when
// it is lower-case ASCII already (protocol and application names are).
func lowerClip(s string, n int) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return clipText(strings.ToLower(s), n)
		}
	}
	return clipText(s, n)
}

func key(t detect.Talker) talkerKey {
	if t.DeviceID > 0 {
		return talkerKey{dev: t.DeviceID}
	}
	return talkerKey{ip: t.IP}
}

// ephemeral is where the IANA dynamic port range starts.
const ephemeral = 49152

// servicePort is the port that names the service: the destination port,
// or, for traffic of no known application whose destination port is a
// client's dynamic port (the answer of a flow), the source port.
func servicePort(e *detect.Event, app string) uint16 {
	if app == "" && e.Dst.Port >= ephemeral && e.Src.Port > 0 && e.Src.Port < ephemeral {
		return e.Src.Port
	}
	return e.Dst.Port
}

// discover records an unresolved talker.
func (o *Observer) discover(t time.Time, s *side, svc svcKey) {
	if !s.internal && s.ae == "" && s.hl7 == "" {
		return
	}
	d := detect.Discovered{AETitle: s.ae, HL7App: s.hl7}
	if s.internal {
		d.IP = s.t.IP
	}
	k := discKeyOf(&d)
	cur, ok := o.disc[k]
	if !ok {
		if len(o.disc) >= o.maxDisc {
			o.dropDisc.Add(1)
			return
		}
		d.FirstSeen, d.LastSeen, d.Status = t, t, detect.DiscoveredNew
		cur = &discAcc{d: d}
		o.disc[k] = cur
	}
	c := &cur.d
	c.Events++
	c.FirstSeen, c.LastSeen = minTime(c.FirstSeen, t), maxTime(c.LastSeen, t)
	fill(&c.AETitle, s.ae)
	fill(&c.HL7App, s.hl7)
	if c.MAC == "" && s.ep.MAC != "" {
		c.MAC = clipText(strings.ToLower(s.ep.MAC), 64)
	}
	if c.Hostname == "" && s.ep.Hostname != "" {
		c.Hostname = clipText(s.ep.Hostname, 253)
	}
	if svc != (svcKey{}) && !slices.Contains(cur.svcs, svc) && len(cur.svcs)+len(c.Apps) < detect.MaxApps {
		cur.svcs = append(cur.svcs, svc)
	}
}

// flushed is the discovered device with its services named.
func (a *discAcc) flushed() detect.Discovered {
	d := a.d
	d.Apps = slices.Clone(a.d.Apps)
	for _, k := range a.svcs {
		d.Apps = addName(d.Apps, k.name(), detect.MaxApps)
	}
	return d
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// addName adds v to a small set, keeping at most n entries.
func addName(set []string, v string, n int) []string {
	if slices.Contains(set, v) || len(set) >= n {
		return set
	}
	return append(set, v)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// clipText makes outside text storable: control characters become
// spaces, invalid UTF-8 is replaced, and it is cut to n bytes on a rune
// boundary.
func clipText(s string, n int) string {
	if goodShort(s, n) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func goodShort(s string, n int) bool {
	if len(s) > n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false // controls, or non-ASCII: let the slow path check
		}
	}
	return true
}

// Flush returns the observations accumulated since the last Flush and
// starts over. The result is ordered (links by source, destination and
// service; rates by minute, source and class; discovered devices by
// identity) so that storage writes rows in a stable order.
func (o *Observer) Flush() *detect.Observations {
	o.mu.Lock()
	links, rates, disc := o.links, o.rates, o.disc
	o.reset()
	o.mu.Unlock()
	out := &detect.Observations{}
	for _, l := range links {
		out.Links = append(out.Links, *l)
	}
	slices.SortFunc(out.Links, compareLinks)
	for k, n := range rates {
		out.Rates = append(out.Rates, detect.RateCount{Minute: time.Unix(k.minute*60, 0).UTC(), Source: k.source, Class: k.class.String(), Count: n})
	}
	slices.SortFunc(out.Rates, func(a, b detect.RateCount) int {
		return cmp.Or(a.Minute.Compare(b.Minute), cmp.Compare(a.Source, b.Source), cmp.Compare(a.Class, b.Class))
	})
	for _, d := range disc {
		out.Discovered = append(out.Discovered, d.flushed())
	}
	slices.SortFunc(out.Discovered, func(a, b detect.Discovered) int { return cmp.Compare(a.Ident(), b.Ident()) })
	return out
}

func compareLinks(a, b detect.Link) int {
	return cmp.Or(cmp.Compare(a.Src.Key(), b.Src.Key()), cmp.Compare(a.Dst.Key(), b.Dst.Key()),
		cmp.Compare(a.App, b.App), cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Port, b.Port))
}

// Merge adds a batch that could not be stored back into the Observer, so
// that the next Flush retries it; what does not fit the limits is dropped
// and counted.
func (o *Observer) Merge(b *detect.Observations) {
	if b.Empty() {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := range b.Links {
		o.mergeLink(&b.Links[i])
	}
	for _, r := range b.Rates {
		o.mergeRate(r)
	}
	for i := range b.Discovered {
		o.mergeDiscovered(&b.Discovered[i])
	}
}

func (o *Observer) mergeLink(in *detect.Link) {
	k := linkKey{src: key(in.Src), dst: key(in.Dst), app: in.App, proto: in.Protocol, port: in.Port}
	l, ok := o.links[k]
	if !ok {
		if len(o.links) >= o.maxLinks {
			o.dropLinks.Add(in.Events)
			return
		}
		c := *in
		c.AETitles, c.HL7Apps = slices.Clone(in.AETitles), slices.Clone(in.HL7Apps)
		o.links[k] = &c
		return
	}
	l.Events, l.Packets, l.Bytes = l.Events+in.Events, l.Packets+in.Packets, l.Bytes+in.Bytes
	l.FirstSeen, l.LastSeen = minTime(l.FirstSeen, in.FirstSeen), maxTime(l.LastSeen, in.LastSeen)
	for _, n := range in.AETitles {
		l.AETitles = addName(l.AETitles, n, detect.MaxLinkNames)
	}
	for _, n := range in.HL7Apps {
		l.HL7Apps = addName(l.HL7Apps, n, detect.MaxLinkNames)
	}
}

func (o *Observer) mergeRate(r detect.RateCount) {
	k := rateKey{minute: r.Minute.Unix() / 60, source: r.Source, class: classOf(r.Class)}
	if _, ok := o.rates[k]; !ok && len(o.rates) >= o.maxRates {
		o.dropRates.Add(r.Count)
		return
	}
	o.rates[k] += r.Count
}

func (o *Observer) mergeDiscovered(in *detect.Discovered) {
	k := discKeyOf(in)
	acc, ok := o.disc[k]
	if !ok {
		if len(o.disc) >= o.maxDisc {
			o.dropDisc.Add(1)
			return
		}
		c := *in
		c.Apps = slices.Clone(in.Apps)
		o.disc[k] = &discAcc{d: c}
		return
	}
	cur := &acc.d
	cur.Events += in.Events
	cur.FirstSeen, cur.LastSeen = minTime(cur.FirstSeen, in.FirstSeen), maxTime(cur.LastSeen, in.LastSeen)
	fill(&cur.MAC, in.MAC)
	fill(&cur.Hostname, in.Hostname)
	fill(&cur.AETitle, in.AETitle)
	fill(&cur.HL7App, in.HL7App)
	for _, a := range in.Apps {
		if len(cur.Apps)+len(acc.svcs) < detect.MaxApps {
			cur.Apps = addName(cur.Apps, a, detect.MaxApps)
		}
	}
}

// classOf maps a class name back to its Class (unknown names to
// ClassUnknown).
func classOf(name string) detect.Class {
	for _, c := range classes {
		if c.String() == name {
			return c
		}
	}
	if n, err := strconv.Atoi(name); err == nil {
		return detect.Class(n)
	}
	return detect.ClassUnknown
}

var classes = []detect.Class{
	detect.ClassFileActivity, detect.ClassProcessActivity, detect.ClassAuthentication, detect.ClassNetworkActivity,
	detect.ClassSMBActivity, detect.ClassDICOMActivity, detect.ClassHL7Activity, detect.ClassLog,
}
