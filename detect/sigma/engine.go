package sigma

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airtight/airtight/detect"
)

// Options configure an Engine.
type Options struct {
	// Workers is how many goroutines MatchBatch uses; 0 means GOMAXPROCS.
	Workers int
	// MaxCorrelationKeys caps the group keys each correlation rule keeps;
	// the least recently updated key is evicted beyond it. Default 10,000.
	MaxCorrelationKeys int
	// MaxLogSources caps the cached per-log-source rule subsets. Default 1,024.
	MaxLogSources int
	// Logger receives rule-level diagnostics; never event values.
	Logger *slog.Logger
}

// Engine evaluates compiled rules against events. Match, MatchFunc and
// MatchBatch are safe for concurrent use; correlation state is shared and
// guarded.
type Engine struct {
	rules  []*compiledRule
	corrs  []*correlator
	ft     *fieldTable
	opts   Options
	sets   sync.Map // LogSource.key() → *ruleSet
	nsets  atomic.Int64
	build  sync.Mutex // one rule set built at a time; ft is fixed after NewEngine
	pool   sync.Pool
	events atomic.Uint64
	hits   atomic.Uint64
	// plain turns off the value de-duplication of evalCtx: the reference
	// mode tests compare the engine's detections against.
	plain bool
}

// Stats are engine counters.
type Stats struct {
	Events       uint64 // events matched
	Detections   uint64 // base rule matches
	Evictions    uint64 // correlation keys evicted by the cap
	Correlated   uint64 // correlation detections
	Rules        int    // detection rules loaded
	Correlations int    // correlation rules loaded
}

type scratch struct {
	ctx   evalCtx
	bits  []uint64
	cands []int32
	mark  []uint32 // per-rule stamps for candidates
	gen   uint32
}

// NewEngine compiles rules into an engine. Correlation rules whose
// references cannot be resolved are returned as rejections; the rest load.
func NewEngine(rules []*Rule, opts Options) (*Engine, []Rejection) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.MaxCorrelationKeys <= 0 {
		opts.MaxCorrelationKeys = 10000
	}
	if opts.MaxLogSources <= 0 {
		opts.MaxLogSources = 1024
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{ft: newFieldTable(), opts: opts}
	byRef := map[string]*compiledRule{}
	var corrRules []*Rule
	for _, r := range rules {
		if r.Correlation != nil {
			corrRules = append(corrRules, r)
			continue
		}
		cr := &compiledRule{r: r, det: r.det.bind(e.ft), emit: true}
		cr.need = needOf(cr.det)
		cr.exact = exactNeed(cr.det)
		e.rules = append(e.rules, cr)
		for _, ref := range []string{r.ID, r.Name} {
			if ref != "" {
				byRef[ref] = cr
			}
		}
	}
	var rejs []Rejection
	for _, r := range corrRules {
		c, err := newCorrelator(r, byRef, e.ft, opts.MaxCorrelationKeys)
		if err != nil {
			rejs = append(rejs, Rejection{File: r.File, Line: r.Line, Title: r.Title, ID: r.ID, Reason: err.Error()})
			continue
		}
		e.corrs = append(e.corrs, c)
	}
	e.applyGenerate()
	e.pool.New = func() any { return &scratch{} }
	opts.Logger.Info("sigma engine compiled", "rules", len(e.rules), "correlations", len(e.corrs), "rejected", len(rejs))
	return e, rejs
}

// applyGenerate silences base rules that only feed correlations, unless a
// correlation over them asks for generate: true.
func (e *Engine) applyGenerate() {
	gen := map[*compiledRule]bool{}
	for _, c := range e.corrs {
		for _, cr := range c.members {
			cr.corrs = append(cr.corrs, c)
			gen[cr] = gen[cr] || c.rule.Correlation.Generate
		}
	}
	for cr, g := range gen {
		cr.emit = g
	}
}

// ruleSet returns the compiled subset for an event's log source.
func (e *Engine) ruleSet(src LogSource) *ruleSet {
	k := src.key()
	if rs, ok := e.sets.Load(k); ok {
		return rs.(*ruleSet)
	}
	e.build.Lock()
	defer e.build.Unlock()
	if rs, ok := e.sets.Load(k); ok {
		return rs.(*ruleSet)
	}
	rs := newRuleSet(e.rules, src, e.ft)
	e.opts.Logger.Debug("sigma rule subset compiled", "logsource", k, "rules", len(rs.rules),
		"literals", rs.nlits, "always", len(rs.always), "full_text", rs.scanAll)
	if e.nsets.Load() < int64(e.opts.MaxLogSources) {
		e.sets.Store(k, rs)
		e.nsets.Add(1)
	}
	return rs
}

// Match returns the detections the event raises.
func (e *Engine) Match(ev Event) []*detect.Detection {
	var out []*detect.Detection
	e.MatchFunc(ev, func(d *detect.Detection) { out = append(out, d) })
	return out
}

// MatchFunc evaluates the event and calls emit for each detection, from
// base rules (in rule order) and then from correlations they complete.
func (e *Engine) MatchFunc(ev Event, emit func(*detect.Detection)) {
	matched := e.matchRules(ev)
	e.finish(ev, matched, emit)
}

// matchRules evaluates the base rules and returns those that matched with
// their evidence. It touches no shared mutable state.
func (e *Engine) matchRules(ev Event) []ruleHit {
	rs := e.ruleSet(ev.LogSource())
	sc := e.pool.Get().(*scratch)
	defer e.pool.Put(sc)
	sc.ctx.reset(ev, e.ft)
	sc.ctx.plain = e.plain
	words := (rs.nlits + 63) / 64
	if cap(sc.bits) < words {
		sc.bits = make([]uint64, words)
	}
	sc.bits = sc.bits[:words]
	clear(sc.bits)
	if len(sc.mark) < len(e.rules) {
		sc.mark = make([]uint32, len(e.rules))
	}
	sc.gen += 2 // candidates uses gen and gen+1
	if sc.gen < 2 {
		clear(sc.mark)
		sc.gen = 2
	}
	sc.cands = rs.candidates(&sc.ctx, sc.bits, sc.mark, sc.gen, sc.cands[:0])
	var hits []ruleHit
	for _, i := range sc.cands {
		if r := rs.rules[i]; r.det.eval(&sc.ctx) {
			hits = append(hits, ruleHit{r: r, evidence: evidenceOf(&sc.ctx, r)})
		}
	}
	e.events.Add(1)
	return hits
}

type ruleHit struct {
	r        *compiledRule
	evidence map[string]any
}

// evidenceOf re-evaluates a matched rule, recording the fields that took
// part in the match.
func evidenceOf(c *evalCtx, r *compiledRule) map[string]any {
	c.rec = map[string]any{}
	r.det.eval(c)
	rec := c.rec
	c.rec = nil
	return rec
}

// finish emits base detections and feeds correlations, in order.
func (e *Engine) finish(ev Event, hits []ruleHit, emit func(*detect.Detection)) {
	for _, h := range hits {
		e.hits.Add(1)
		if h.r.emit {
			emit(baseDetection(h.r.r, ev, h.evidence))
		}
		for _, c := range h.r.corrs {
			c.observe(ev, h.r, emit)
		}
	}
}

// MatchBatch evaluates events with Options.Workers goroutines and emits
// their detections in event order (correlations see events in order).
// emit is called from the calling goroutine only.
func (e *Engine) MatchBatch(events []Event, emit func(*detect.Detection)) {
	results := make([][]ruleHit, len(events))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(e.opts.Workers, len(events)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(events) {
					return
				}
				results[i] = e.matchRules(events[i])
			}
		})
	}
	wg.Wait()
	for i, ev := range events {
		e.finish(ev, results[i], emit)
	}
}

// Observe makes the engine a detect.Detector. The adapter it wraps ev in
// is reused: neither detections nor correlation state keep the event.
func (e *Engine) Observe(ev *detect.Event, emit func(*detect.Detection)) {
	d := detectEvents.Get().(*DetectEvent)
	d.E, d.src = ev, cachedLogSource(ev)
	e.MatchFunc(d, emit)
	*d = DetectEvent{}
	detectEvents.Put(d)
}

var detectEvents = sync.Pool{New: func() any { return new(DetectEvent) }}

var _ detect.Detector = (*Engine)(nil)

// Flush closes correlation windows that ended before now (event time),
// emitting the "fewer than" and "exactly" correlations they satisfy.
func (e *Engine) Flush(now time.Time, emit func(*detect.Detection)) {
	for _, c := range e.corrs {
		c.flush(now, emit)
	}
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	s := Stats{Events: e.events.Load(), Detections: e.hits.Load(), Rules: len(e.rules), Correlations: len(e.corrs)}
	for _, c := range e.corrs {
		ev, n := c.counters()
		s.Evictions += ev
		s.Correlated += n
	}
	return s
}

// matchNaive evaluates every rule on the event with no index or prefilter:
// the baseline the compiled path is measured and checked against.
func (e *Engine) matchNaive(ev Event, c *evalCtx) []*compiledRule {
	c.reset(ev, e.ft)
	src := ev.LogSource()
	var out []*compiledRule
	for _, r := range e.rules {
		if r.r.LogSource.Accepts(src) && r.det.eval(c) {
			out = append(out, r)
		}
	}
	return out
}

// baseDetection is the detection of one base rule match.
func baseDetection(r *Rule, ev Event, evidence map[string]any) *detect.Detection {
	d := &detect.Detection{
		Rule: r.key(), Title: r.Title, Author: r.Author, Severity: r.Severity(), Attack: r.Attack(),
		FirstSeen: ev.Time(), LastSeen: ev.Time(), Count: 1,
		Summary: r.Description, Evidence: evidence,
	}
	if s, ok := ev.(Subject); ok {
		d.Device, d.DeviceID = s.Device()
	}
	d.Key = fmt.Sprintf("%s|%s", r.key(), d.Device)
	return d
}
