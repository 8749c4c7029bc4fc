// Package pipeline runs detectors over a stream of events: it takes events
// from a bounded queue, resolves their endpoints to inventory devices,
// feeds every detector (the built-ins, the baseline, the Sigma engine) and
// merges their detections by key into alerts (count, first and last seen,
// bounded evidence), which it hands to an output function.
//
// Live inputs call Event, which never blocks: when the queue is full the
// event is dropped and counted, so a burst slows nothing upstream. Offline
// use (a capture, last week's logs) goes through Replay, which orders
// events by time and loses none.
package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/correlate"
)

// Config configures a Pipeline. Zero fields take the defaults.
type Config struct {
	Directory detect.Directory  // resolves endpoint addresses to devices; may be nil
	Detectors []detect.Detector // fed in this order, from one goroutine
	// Output receives each new alert, and an ongoing alert again when
	// UpdateEvery of event time has passed since it was last output, or
	// its severity rose; pending updates go out when Run ends. It is
	// called from the goroutine running Run and must not keep the
	// Detection's maps or slices for changing.
	Output      func(detect.Detection)
	QueueSize   int           // events waiting for Run (default 8192)
	MaxAlerts   int           // alerts merged at once, least recently seen evicted (default 100,000)
	MaxEvidence int           // evidence entries an alert keeps (default 32)
	UpdateEvery time.Duration // default 5 minutes
	Logger      *slog.Logger
}

// Evidence limits.
const (
	maxEvidenceText = 256 // bytes of one text value
	maxEvidenceList = 16  // items of one list value
	maxAttack       = 16  // ATT&CK ids of one alert
)

func (c *Config) defaults() error {
	if c.QueueSize == 0 {
		c.QueueSize = 8192
	}
	if c.MaxAlerts == 0 {
		c.MaxAlerts = correlate.DefaultMaxKeys
	}
	if c.MaxEvidence == 0 {
		c.MaxEvidence = 32
	}
	if c.UpdateEvery == 0 {
		c.UpdateEvery = 5 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Output == nil {
		c.Output = func(detect.Detection) {}
	}
	if c.QueueSize < 0 || c.MaxAlerts < 0 || c.MaxEvidence < 0 || c.UpdateEvery < 0 {
		return errors.New("pipeline: limits must not be negative")
	}
	for i, d := range c.Detectors {
		if d == nil {
			return fmt.Errorf("pipeline: detector %d is nil", i)
		}
	}
	return nil
}

// Stats counts what went through a pipeline.
type Stats struct {
	Received   uint64 // events accepted into the queue
	Dropped    uint64 // events refused (queue full, or after Close) or left queued on cancel
	Processed  uint64 // events run through the detectors
	Detections uint64 // detections emitted by detectors
	Alerts     uint64 // distinct alerts (detection keys) merged so far
	Evicted    uint64 // alerts evicted at MaxAlerts
	Outputs    uint64 // calls of Output
	Panics     uint64 // detector panics recovered
}

// Pipeline feeds events to detectors and merges their detections.
type Pipeline struct {
	cfg    Config
	in     chan *detect.Event
	quit   chan struct{}
	closer sync.Once

	received, dropped, processed, detections, alerts, outputs, panics atomic.Uint64
	evicted                                                           atomic.Uint64

	// Touched only by the goroutine processing events.
	merged *correlate.Table[string, alert]
	last   time.Time // latest event time seen
	closed time.Time // event time detectors' windows were last closed at
	emitFn func(*detect.Detection)
}

// alert is one merged alert.
type alert struct {
	d     detect.Detection
	outAt time.Time // event time it was last output
	dirty bool      // changed since then
}

var _ detect.Sink = (*Pipeline)(nil)

// New returns a pipeline; call Run to start it.
func New(cfg Config) (*Pipeline, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	p := &Pipeline{
		cfg: cfg, in: make(chan *detect.Event, cfg.QueueSize), quit: make(chan struct{}),
		merged: correlate.NewTable[string, alert](cfg.MaxAlerts, 0),
	}
	p.emitFn = p.emit
	return p, nil
}

// Event queues a copy of e without blocking; when the queue is full, or
// after Close, e is dropped and counted.
func (p *Pipeline) Event(e *detect.Event) {
	select {
	case <-p.quit:
		p.drop(1)
		return
	default:
	}
	select {
	case p.in <- clone(e):
		p.received.Add(1)
	default:
		p.drop(1)
	}
}

// Submit queues a copy of e, waiting for room until ctx is done.
func (p *Pipeline) Submit(ctx context.Context, e *detect.Event) error {
	if err := ctx.Err(); err != nil {
		p.drop(1)
		return err
	}
	c := clone(e)
	select {
	case p.in <- c:
		p.received.Add(1)
		return nil
	case <-p.quit:
		p.drop(1)
		return errors.New("pipeline: closed")
	case <-ctx.Done():
		p.drop(1)
		return ctx.Err()
	}
}

func (p *Pipeline) drop(n uint64) {
	if d := p.dropped.Add(n); d&(d-1) == 0 { // log at 1, 2, 4, 8, … drops
		p.cfg.Logger.Warn("detection pipeline dropped events", "dropped", d, "queue", p.cfg.QueueSize)
	}
}

// Close ends the input: Run processes what is queued, outputs pending
// updates and returns nil. Events given after Close are dropped.
func (p *Pipeline) Close() { p.closer.Do(func() { close(p.quit) }) }

// Run processes events until Close (then nil) or until ctx is done (then
// ctx.Err(), with queued events counted as dropped). Pending alert
// updates are output either way. Run must be called once.
func (p *Pipeline) Run(ctx context.Context) error {
	defer p.flush()
	defer p.closeWindows()
	for {
		select {
		case <-ctx.Done():
			p.discardQueued()
			return ctx.Err()
		case e := <-p.in:
			p.process(e)
		case <-p.quit:
			return p.drain(ctx)
		}
	}
}

// drain processes what is left in the queue after Close.
func (p *Pipeline) drain(ctx context.Context) error {
	for {
		select {
		case e := <-p.in:
			p.process(e)
		default:
			return nil
		}
		if ctx.Err() != nil {
			p.discardQueued()
			return ctx.Err()
		}
	}
}

func (p *Pipeline) discardQueued() {
	for {
		select {
		case <-p.in:
			p.drop(1)
		default:
			return
		}
	}
}

// Stats reports the counters; safe to call at any time.
func (p *Pipeline) Stats() Stats {
	return Stats{
		Received: p.received.Load(), Dropped: p.dropped.Load(), Processed: p.processed.Load(),
		Detections: p.detections.Load(), Alerts: p.alerts.Load(), Evicted: p.evicted.Load(),
		Outputs: p.outputs.Load(), Panics: p.panics.Load(),
	}
}

// process resolves e's endpoints and runs it through every detector.
func (p *Pipeline) process(e *detect.Event) {
	if e.Time.IsZero() {
		e.Time = p.last // an input that knows no time: keep the stream's
	} else if e.Time.After(p.last) {
		p.last = e.Time
	}
	p.resolve(&e.Src)
	p.resolve(&e.Dst)
	for _, d := range p.cfg.Detectors {
		p.observe(d, e)
	}
	p.processed.Add(1)
	if p.last.Sub(p.closed) >= time.Minute {
		p.closeWindows()
	}
}

// Flusher is a detector with windows that can only be judged when they
// end ("fewer than N events in 10 minutes"): the pipeline calls Flush with
// the latest event time every minute of event time and when it stops.
type Flusher interface {
	Flush(now time.Time, emit func(*detect.Detection))
}

func (p *Pipeline) closeWindows() {
	p.closed = p.last
	for _, d := range p.cfg.Detectors {
		if f, ok := d.(Flusher); ok {
			func() {
				defer func() {
					if r := recover(); r != nil {
						p.panics.Add(1)
						p.cfg.Logger.Error("detector panicked in flush", "detector", fmt.Sprintf("%T", d), "panic", fmt.Sprint(r))
					}
				}()
				f.Flush(p.last, p.emitFn)
			}()
		}
	}
}

func (p *Pipeline) resolve(ep *detect.Endpoint) {
	if ep.DeviceID != 0 || p.cfg.Directory == nil || !ep.IP.IsValid() {
		return
	}
	if ref, ok := p.cfg.Directory.LookupIP(ep.IP); ok {
		ep.DeviceID = ref.ID
	}
}

// observe runs one detector, recovering a panic so that one faulty rule
// does not stop detection. The log names the detector, never the event.
func (p *Pipeline) observe(d detect.Detector, e *detect.Event) {
	defer func() {
		if r := recover(); r != nil {
			p.panics.Add(1)
			p.cfg.Logger.Error("detector panicked", "detector", fmt.Sprintf("%T", d), "panic", fmt.Sprint(r))
		}
	}()
	d.Observe(e, p.emitFn)
}

// emit merges one detection into its alert.
func (p *Pipeline) emit(d *detect.Detection) {
	p.detections.Add(1)
	key := d.Key
	if key == "" {
		key = d.Rule + "|" + d.Device
	}
	if d.LastSeen.IsZero() {
		d.LastSeen = p.last
	}
	if d.FirstSeen.IsZero() {
		d.FirstSeen = d.LastSeen
	}
	before := p.merged.Stats().KeyEvictions
	a, created := p.merged.Get(key, d.LastSeen)
	if ev := p.merged.Stats().KeyEvictions; ev != before {
		p.evicted.Add(ev - before)
	}
	if created {
		p.alerts.Add(1)
		a.d = *d
		a.d.Key, a.d.Count = key, max(d.Count, 1)
		a.d.Attack = slices.Clip(slices.Clone(d.Attack))
		a.d.Evidence = p.boundEvidence(d.Evidence)
		p.output(a)
		return
	}
	raised := merge(&a.d, d, p.boundEvidence(d.Evidence))
	a.dirty = true
	if raised || a.d.LastSeen.Sub(a.outAt) >= p.cfg.UpdateEvery {
		p.output(a)
	}
}

// merge folds d into the alert m and reports whether the severity rose.
func merge(m *detect.Detection, d *detect.Detection, ev map[string]any) bool {
	m.Count += max(d.Count, 1)
	if d.FirstSeen.Before(m.FirstSeen) {
		m.FirstSeen = d.FirstSeen
	}
	if d.LastSeen.After(m.LastSeen) {
		m.LastSeen = d.LastSeen
	}
	if ev != nil {
		m.Evidence = ev // the latest facts
	}
	for _, a := range d.Attack {
		if !slices.Contains(m.Attack, a) && len(m.Attack) < maxAttack {
			m.Attack = append(slices.Clip(m.Attack), a)
		}
	}
	if rank(d.Severity) > rank(m.Severity) {
		m.Severity = d.Severity
		return true
	}
	return false
}

func rank(s detect.Severity) int {
	return slices.Index([]detect.Severity{"info", "low", "medium", "high", "critical"}, s)
}

func (p *Pipeline) output(a *alert) {
	a.outAt, a.dirty = a.d.LastSeen, false
	p.outputs.Add(1)
	p.cfg.Output(a.d)
}

// flush outputs the alerts changed since their last output.
func (p *Pipeline) flush() {
	p.merged.Each(func(_ string, _ time.Time, a *alert) bool {
		if a.dirty {
			p.output(a)
		}
		return true
	})
}

// alertsInOrder returns every merged alert by first seen, then key.
func (p *Pipeline) alertsInOrder() []detect.Detection {
	out := make([]detect.Detection, 0, p.merged.Len())
	p.merged.Each(func(_ string, _ time.Time, a *alert) bool {
		out = append(out, a.d)
		return true
	})
	slices.SortFunc(out, func(a, b detect.Detection) int {
		return cmp.Or(a.FirstSeen.Compare(b.FirstSeen), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// boundEvidence copies at most MaxEvidence entries (by key order), with
// long texts and lists cut.
func (p *Pipeline) boundEvidence(ev map[string]any) map[string]any {
	if ev == nil {
		return nil
	}
	out := make(map[string]any, min(len(ev), p.cfg.MaxEvidence))
	for _, k := range slices.Sorted(maps.Keys(ev)) {
		if len(out) == p.cfg.MaxEvidence {
			break
		}
		out[k] = boundValue(ev[k])
	}
	return out
}

func boundValue(v any) any {
	switch v := v.(type) {
	case string:
		if len(v) > maxEvidenceText {
			return strings.ToValidUTF8(v[:maxEvidenceText], "")
		}
	case []string:
		v = slices.Clone(v[:min(len(v), maxEvidenceList)])
		for i, s := range v {
			if len(s) > maxEvidenceText {
				v[i] = strings.ToValidUTF8(s[:maxEvidenceText], "")
			}
		}
		return v
	}
	return v
}

// clone deep-copies an event: inputs may reuse theirs (detect.Sink).
func clone(e *detect.Event) *detect.Event {
	c := *e
	if e.DICOM != nil {
		x := *e.DICOM
		c.DICOM = &x
	}
	if e.HL7 != nil {
		x := *e.HL7
		c.HL7 = &x
	}
	if e.SMB != nil {
		x := *e.SMB
		x.Dialects = slices.Clone(x.Dialects)
		c.SMB = &x
	}
	if e.Process != nil {
		x := *e.Process
		c.Process = &x
	}
	if e.File != nil {
		x := *e.File
		c.File = &x
	}
	c.Fields = maps.Clone(e.Fields)
	return &c
}

// Replay runs events through a new pipeline built from cfg, in order of
// event time (stable for equal times), losing none, and returns the merged
// alerts by first seen. cfg.Output, when set, sees them as Run would.
func Replay(ctx context.Context, cfg Config, events []detect.Event) ([]detect.Detection, Stats, error) {
	p, err := New(cfg)
	if err != nil {
		return nil, Stats{}, err
	}
	order := make([]int, len(events))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return events[a].Time.Compare(events[b].Time) })
	for n, i := range order {
		if n%1024 == 0 && ctx.Err() != nil {
			return nil, p.Stats(), ctx.Err()
		}
		p.received.Add(1)
		p.process(clone(&events[i]))
	}
	p.flush()
	return p.alertsInOrder(), p.Stats(), nil
}
