// Package baseline learns what each device normally does — whom it talks
// to, on which ports, which DICOM AE titles and HL7 applications it deals
// with, at which hours it is active — and reports what departs from that
// once a device's learning period is over.
//
// Learning runs on event time, per device, from the first event a device
// is seen in; a device that joins the network later learns on its own
// schedule. After learning, each new value is reported once (rate limited
// per device) and then adopted into the baseline, so a change that is
// legitimate costs one alert, not one a day. Values that are too varied to
// baseline (a PACS with hundreds of clients) stop being checked once their
// set is full, rather than alerting on every newcomer.
//
// Memory is bounded: at most MaxDevices devices (least recently seen
// evicted) and a fixed number of values of each kind per device. State can
// be saved with Snapshot and loaded with Restore, so a restart keeps what
// was learned.
package baseline

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/correlate"
)

// Rule ids of the deviations.
const (
	RuleNewPeer      = "airtight.baseline.new_peer"
	RuleNewPort      = "airtight.baseline.new_port"
	RuleNewAETitle   = "airtight.baseline.new_ae_title"
	RuleNewHL7Sender = "airtight.baseline.new_hl7_sender"
	RuleUnusualHour  = "airtight.baseline.unusual_hour"
)

// DefaultSensitivePorts are the services where a new peer matters: remote
// administration, file sharing, DICOM, HL7, databases and industrial
// protocols.
var DefaultSensitivePorts = []uint16{
	20, 21, 22, 23, 69, 104, 135, 139, 161, 445, 502, 1433, 1521, 2575, 3306, 3389,
	4242, 5432, 5900, 5985, 5986, 11112, 20000, 44818,
}

// Config configures a Baseline. Zero fields take the defaults.
type Config struct {
	Learn          time.Duration  // learning period per device (default 7 days)
	Location       *time.Location // time zone of "hours" (default UTC)
	SensitivePorts []uint16       // default DefaultSensitivePorts
	MaxDevices     int            // default 100,000
	MaxPeers       int            // peer addresses per device (default 64)
	MaxPorts       int            // ports per device (default 32)
	MaxAETitles    int            // DICOM AE titles per device (default 16)
	MaxHL7Senders  int            // HL7 applications per device (default 16)
	// MinHourEvents is how many events a device must have shown while
	// learning before its hours are trusted (default 200).
	MinHourEvents int
	// AlertBurst detections a device may raise at once, then one every
	// AlertEvery (defaults 5 and 15 minutes); the rest are counted as
	// suppressed and their values still adopted.
	AlertBurst int
	AlertEvery time.Duration
	Logger     *slog.Logger
}

func (c *Config) defaults() error {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Learn == 0 {
		c.Learn = 7 * 24 * time.Hour
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.SensitivePorts == nil {
		c.SensitivePorts = DefaultSensitivePorts
	}
	if c.AlertEvery == 0 {
		c.AlertEvery = 15 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	def(&c.MaxDevices, correlate.DefaultMaxKeys)
	def(&c.MaxPeers, 64)
	def(&c.MaxPorts, 32)
	def(&c.MaxAETitles, 16)
	def(&c.MaxHL7Senders, 16)
	def(&c.MinHourEvents, 200)
	def(&c.AlertBurst, 5)
	for _, v := range []int{c.MaxDevices, c.MaxPeers, c.MaxPorts, c.MaxAETitles, c.MaxHL7Senders, c.MinHourEvents, c.AlertBurst} {
		if v < 0 {
			return errors.New("baseline: limits must not be negative")
		}
	}
	if c.Learn < 0 || c.AlertEvery < 0 {
		return errors.New("baseline: durations must not be negative")
	}
	return nil
}

// Key identifies a device: its inventory id when known, else its address.
type Key struct {
	ID int64
	IP netip.Addr
}

// String is the detection subject: the id as text, else the address.
func (k Key) String() string {
	if k.ID > 0 {
		return fmt.Sprint(k.ID)
	}
	return k.IP.String()
}

// Stats counts what a Baseline holds and did.
type Stats struct {
	Devices    int
	Evicted    uint64 // devices evicted at MaxDevices
	Detections uint64
	Suppressed uint64 // deviations not reported because of the rate limit
	Saturated  uint64 // value sets that filled up and stopped being checked
}

// Baseline is a detect.Detector that learns per-device baselines.
type Baseline struct {
	cfg       Config
	sensitive [65536 / 64]uint64 // bitmap of sensitive ports
	devs      *correlate.Table[Key, profile]
	stats     Stats
}

var _ detect.Detector = (*Baseline)(nil)

// New returns a Baseline with nothing learned.
func New(cfg Config) (*Baseline, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	b := &Baseline{cfg: cfg}
	b.devs = b.newTable()
	for _, p := range cfg.SensitivePorts {
		b.sensitive[p/64] |= 1 << (p % 64)
	}
	return b, nil
}

func (b *Baseline) newTable() *correlate.Table[Key, profile] {
	return correlate.NewTable[Key, profile](b.cfg.MaxDevices, 0)
}

func (b *Baseline) isSensitive(p uint16) bool { return b.sensitive[p/64]&(1<<(p%64)) != 0 }

// Stats reports devices held and detections raised.
func (b *Baseline) Stats() Stats {
	st := b.stats
	ts := b.devs.Stats()
	st.Devices, st.Evicted = ts.Keys, ts.KeyEvictions
	return st
}

// KeyOf returns the baseline key of an endpoint, and false for endpoints
// that are not hospital devices (unknown public addresses).
func KeyOf(ep detect.Endpoint) (Key, bool) {
	if ep.DeviceID > 0 {
		return Key{ID: ep.DeviceID}, true
	}
	ip := ep.IP.Unmap()
	if !ip.IsValid() || detect.IsPublic(ip) || ip.IsUnspecified() || ip.IsMulticast() || ip.IsLoopback() {
		return Key{}, false
	}
	return Key{IP: ip}, true
}

// Learning reports whether the device is still in its learning period at
// time at (true also for devices not seen yet).
func (b *Baseline) Learning(k Key, at time.Time) bool {
	p, ok := b.devs.Peek(k)
	return !ok || p.learning(at.UnixNano(), b.cfg.Learn)
}

// Observe learns from e and emits deviations once learning is over.
func (b *Baseline) Observe(e *detect.Event, emit func(*detect.Detection)) {
	if e.Time.IsZero() {
		return
	}
	if k, ok := KeyOf(e.Src); ok {
		b.observeSide(k, e, true, emit)
	}
	if k, ok := KeyOf(e.Dst); ok {
		b.observeSide(k, e, false, emit)
	}
}

// observeSide checks and learns e from the point of view of one device.
func (b *Baseline) observeSide(k Key, e *detect.Event, src bool, emit func(*detect.Detection)) {
	now := e.Time.UnixNano()
	p, created := b.devs.Get(k, e.Time)
	if created {
		p.first = now
	}
	o := sideFacts(e, src)
	learning := p.learning(now, b.cfg.Learn)
	devs := b.deviations(p, o, learning, b.localHour(e.Time))
	if learning && src {
		p.events++
	}
	for _, d := range devs {
		if !p.allow(now, b.cfg.AlertBurst, b.cfg.AlertEvery) {
			b.stats.Suppressed++
			continue
		}
		b.stats.Detections++
		emit(b.detection(k, e, d))
	}
}

func (b *Baseline) localHour(t time.Time) int { return t.In(b.cfg.Location).Hour() }

// facts are what one event says about one of its devices.
type facts struct {
	src    bool
	peer   netip.Addr
	port   uint16 // the service port: the destination port
	ae     string // the other side's DICOM AE title
	hl7app string // the HL7 sending application^facility that reached the device
}

func sideFacts(e *detect.Event, src bool) facts {
	o := facts{src: src, port: e.Dst.Port}
	if src {
		o.peer = e.Dst.IP.Unmap()
	} else {
		o.peer = e.Src.IP.Unmap()
	}
	if e.DICOM != nil {
		if src {
			o.ae = e.DICOM.CalledAE
		} else {
			o.ae = e.DICOM.CallingAE
		}
	}
	if !src && e.HL7 != nil && e.HL7.SendingApp != "" && !isAck(e.HL7) {
		o.hl7app = e.HL7.SendingApp
		if e.HL7.SendingFacility != "" {
			o.hl7app += "^" + e.HL7.SendingFacility
		}
	}
	return o
}

func isAck(h *detect.HL7) bool {
	return h.AckCode != "" || h.MessageType == "ACK" || len(h.MessageType) > 3 && h.MessageType[:4] == "ACK^"
}

// deviation is one departure from the baseline, before rate limiting.
type deviation struct {
	rule  string
	facts facts
	hour  int
}

// deviations learns o into p and returns what was new, unless learning.
func (b *Baseline) deviations(p *profile, o facts, learning bool, hour int) []deviation {
	var out []deviation
	add := func(isNew bool, rule string) {
		if isNew && !learning {
			out = append(out, deviation{rule: rule, facts: o, hour: hour})
		}
	}
	if o.peer.IsValid() {
		newPeer := b.learnSet(&p.peers, &p.peersFull, peerKey(o.peer), b.cfg.MaxPeers)
		// Ports are the device's own services: learned on the receiving side.
		newPort := !o.src && o.port != 0 && b.learnSet(&p.ports, &p.portsFull, uint64(o.port), b.cfg.MaxPorts)
		sensitive := b.isSensitive(o.port)
		add(newPeer && sensitive, RuleNewPeer)
		add(newPort && !newPeer && sensitive, RuleNewPort)
	}
	if o.ae != "" {
		add(b.learnSet(&p.aes, &p.aesFull, textKey(o.ae), b.cfg.MaxAETitles), RuleNewAETitle)
	}
	if o.hl7app != "" {
		add(b.learnSet(&p.hl7, &p.hl7Full, textKey(o.hl7app), b.cfg.MaxHL7Senders), RuleNewHL7Sender)
	}
	if o.src {
		unusual := p.hours[hour] == 0 && p.events >= uint32(b.cfg.MinHourEvents)
		if learning || unusual {
			p.hours[hour] = min(p.hours[hour]+1, 1<<31)
		}
		add(unusual, RuleUnusualHour)
	}
	return out
}

// learnSet adds v to a sorted set of at most max values and reports
// whether v was new and the set still checked. A set that fills up stops
// being checked: too varied to baseline.
func (b *Baseline) learnSet(set *[]uint64, full *bool, v uint64, max int) bool {
	if *full {
		return false
	}
	i, found := slices.BinarySearch(*set, v)
	if found {
		return false
	}
	if len(*set) >= max {
		*full = true
		*set = nil // no longer checked: give the memory back
		b.stats.Saturated++
		return false
	}
	*set = slices.Insert(*set, i, v)
	return true
}
