package sigma

import (
	"container/list"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/airtight/airtight/detect"
)

// correlator keeps the state of one correlation rule: per group key, the
// recent matches of its member rules. Keys are capped; the least recently
// updated key is evicted first.
type correlator struct {
	rule    *Rule
	c       *Correlation
	members []*compiledRule
	pos     map[*compiledRule][]int    // positions in c.Rules
	groupBy map[*compiledRule][]string // group-by field names per member (aliases applied)
	field   map[*compiledRule]string   // value_count field per member

	mu        sync.Mutex
	keys      map[string]*list.Element
	lru       *list.List // of *corrState, most recent first
	max       int
	evictions uint64
	fired     uint64
}

// corrState is one group key's state.
type corrState struct {
	key      string
	group    []string
	times    []time.Time          // event_count: recent match times
	values   map[string]time.Time // value_count: distinct values, last seen
	seen     []time.Time          // temporal: per position, last match; ordered: chain start
	set      []bool
	start    time.Time // window mode: window start
	wlast    time.Time // window mode: last match inside the window
	count    int       // window mode: matches in the window
	first    time.Time
	last     time.Time
	device   string
	deviceID int64
}

func newCorrelator(r *Rule, byRef map[string]*compiledRule, ft *fieldTable, maxKeys int) (*correlator, error) {
	c := &correlator{
		rule: r, c: r.Correlation, pos: map[*compiledRule][]int{}, groupBy: map[*compiledRule][]string{},
		field: map[*compiledRule]string{}, keys: map[string]*list.Element{}, lru: list.New(), max: maxKeys,
	}
	for i, ref := range c.c.Rules {
		cr, ok := byRef[ref]
		if !ok {
			return nil, fmt.Errorf("correlation references unknown rule %q (correlations of correlations are not supported)", ref)
		}
		if _, dup := c.pos[cr]; !dup {
			c.members = append(c.members, cr)
		}
		c.pos[cr] = append(c.pos[cr], i)
	}
	for _, cr := range c.members {
		for _, g := range c.c.GroupBy {
			f := c.alias(g, cr)
			ft.id(f)
			c.groupBy[cr] = append(c.groupBy[cr], f)
		}
		if c.c.Condition.Field != "" {
			c.field[cr] = c.alias(c.c.Condition.Field, cr)
		}
	}
	return c, nil
}

// alias resolves a group-by name for one member rule.
func (c *correlator) alias(name string, cr *compiledRule) string {
	per, ok := c.c.Aliases[name]
	if !ok {
		return name
	}
	for _, ref := range []string{cr.r.ID, cr.r.Name} {
		if f, ok := per[ref]; ok && ref != "" {
			return f
		}
	}
	return name
}

func (c *correlator) counters() (evictions, fired uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.evictions, c.fired
}

// observe feeds one match of member cr.
func (c *correlator) observe(ev Event, cr *compiledRule, emit func(*detect.Detection)) {
	group := make([]string, len(c.groupBy[cr]))
	for i, f := range c.groupBy[cr] {
		group[i], _ = ev.Field(f)
	}
	key := strings.Join(group, "\x1f")
	t := ev.Time()
	c.mu.Lock()
	st := c.state(key, group)
	st.last = t
	if s, ok := ev.(Subject); ok {
		st.device, st.deviceID = s.Device()
	}
	var d *detect.Detection
	switch c.c.Type {
	case EventCount, ValueCount:
		d = c.count(st, ev, cr, t)
	case Temporal:
		d = c.temporal(st, cr, t)
	case TemporalOrdered:
		d = c.ordered(st, cr, t)
	}
	if d != nil {
		c.fired++
	}
	c.mu.Unlock()
	if d != nil {
		emit(d)
	}
}

// state returns the key's state, creating it (and evicting the oldest key
// at the cap).
func (c *correlator) state(key string, group []string) *corrState {
	if el, ok := c.keys[key]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*corrState)
	}
	if len(c.keys) >= c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.keys, old.Value.(*corrState).key)
		c.evictions++
	}
	n := len(c.c.Rules)
	st := &corrState{key: key, group: group, seen: make([]time.Time, n), set: make([]bool, n)}
	c.keys[key] = c.lru.PushFront(st)
	return st
}

func (c *correlator) drop(st *corrState) {
	if el, ok := c.keys[st.key]; ok {
		c.lru.Remove(el)
		delete(c.keys, st.key)
	}
}

// count handles event_count and value_count.
func (c *correlator) count(st *corrState, ev Event, cr *compiledRule, t time.Time) *detect.Detection {
	value := ""
	if c.c.Type == ValueCount {
		v, ok := ev.Field(c.field[cr])
		if !ok {
			return nil
		}
		value = v
	}
	if c.c.Condition.atWindowEnd() {
		return c.window(st, value, t)
	}
	cutoff := t.Add(-c.c.Timespan)
	limit := c.c.Condition.Value + 1
	if c.c.Type == EventCount {
		st.times = slices.DeleteFunc(st.times, func(x time.Time) bool { return x.Before(cutoff) })
		st.times = append(st.times, t)
		if len(st.times) > limit {
			st.times = st.times[len(st.times)-limit:]
		}
		return c.fireIfHolds(st, len(st.times), st.times[0])
	}
	if st.values == nil {
		st.values = map[string]time.Time{}
	}
	for v, at := range st.values {
		if at.Before(cutoff) {
			delete(st.values, v)
		}
	}
	st.values[value] = t
	trimOldest(st.values, limit)
	first := t
	for _, at := range st.values {
		if at.Before(first) {
			first = at
		}
	}
	return c.fireIfHolds(st, len(st.values), first)
}

func trimOldest(m map[string]time.Time, limit int) {
	for len(m) > limit {
		var oldK string
		var oldT time.Time
		for k, at := range m {
			if oldK == "" || at.Before(oldT) {
				oldK, oldT = k, at
			}
		}
		delete(m, oldK)
	}
}

func (c *correlator) fireIfHolds(st *corrState, n int, first time.Time) *detect.Detection {
	if !c.c.Condition.holds(n) {
		return nil
	}
	st.first = first
	d := c.detection(st, n)
	c.drop(st)
	return d
}

// window handles "lt", "lte" and "eq": a fixed window from the first match
// is judged when a later match falls outside it (or on Flush).
func (c *correlator) window(st *corrState, value string, t time.Time) *detect.Detection {
	var d *detect.Detection
	if st.count > 0 && t.Sub(st.start) > c.c.Timespan {
		d = c.closeWindow(st)
	}
	if st.count == 0 {
		st.start, st.first = t, t
	}
	st.count++
	st.wlast = t
	if c.c.Type == ValueCount {
		if st.values == nil {
			st.values = map[string]time.Time{}
		}
		st.values[value] = t
		trimOldest(st.values, c.c.Condition.Value+1)
	}
	return d
}

// closeWindow judges and resets a window.
func (c *correlator) closeWindow(st *corrState) *detect.Detection {
	n := st.count
	if c.c.Type == ValueCount {
		n = len(st.values)
	}
	var d *detect.Detection
	if c.c.Condition.holds(n) {
		saved := st.last
		st.last = st.wlast
		d = c.detection(st, n)
		st.last = saved
	}
	st.count, st.values = 0, nil
	return d
}

// temporal fires when every referenced rule matched within the timespan
// (or as many as the condition asks for).
func (c *correlator) temporal(st *corrState, cr *compiledRule, t time.Time) *detect.Detection {
	for _, p := range c.pos[cr] {
		st.seen[p], st.set[p] = t, true
	}
	cutoff := t.Add(-c.c.Timespan)
	n, first := 0, t
	for p := range st.seen {
		if st.set[p] && st.seen[p].Before(cutoff) {
			st.set[p] = false
		}
		if st.set[p] {
			n++
			if st.seen[p].Before(first) {
				first = st.seen[p]
			}
		}
	}
	return c.fireIfHolds(st, n, first)
}

// ordered fires when the referenced rules matched in their listed order
// within the timespan. seen[p] is the latest start time of an in-order
// chain ending at position p.
func (c *correlator) ordered(st *corrState, cr *compiledRule, t time.Time) *detect.Detection {
	ps := c.pos[cr]
	for i := len(ps) - 1; i >= 0; i-- { // backwards: one event fills one step
		p := ps[i]
		if p == 0 {
			st.seen[0], st.set[0] = t, true
			continue
		}
		if !st.set[p-1] || t.Sub(st.seen[p-1]) > c.c.Timespan {
			continue
		}
		if !st.set[p] || st.seen[p-1].After(st.seen[p]) {
			st.seen[p] = st.seen[p-1]
		}
		st.set[p] = true
	}
	last := len(st.set) - 1
	if !st.set[last] {
		return nil
	}
	st.first = st.seen[last]
	d := c.detection(st, len(st.set))
	c.drop(st)
	return d
}

// flush closes windows that ended before now and forgets stale keys.
func (c *correlator) flush(now time.Time, emit func(*detect.Detection)) {
	var out []*detect.Detection
	c.mu.Lock()
	for el := c.lru.Back(); el != nil; {
		prev := el.Prev()
		st := el.Value.(*corrState)
		if c.c.Condition.atWindowEnd() && st.count > 0 && now.Sub(st.start) > c.c.Timespan {
			if d := c.closeWindow(st); d != nil {
				out = append(out, d)
				c.fired++
			}
		}
		if now.Sub(st.last) > c.c.Timespan {
			c.drop(st)
		}
		el = prev
	}
	c.mu.Unlock()
	for _, d := range out {
		emit(d)
	}
}

func (c *correlator) detection(st *corrState, n int) *detect.Detection {
	r := c.rule
	ev := map[string]any{"count": n, "rules": c.c.Rules, "timespan": c.c.Timespan.String()}
	for i, g := range c.c.GroupBy {
		ev[g] = st.group[i]
	}
	return &detect.Detection{
		Rule: r.key(), Title: r.Title, Author: r.Author, Severity: r.Severity(), Attack: r.Attack(),
		Device: st.device, DeviceID: st.deviceID, FirstSeen: st.first, LastSeen: st.last, Count: n,
		Summary: r.Description, Evidence: ev, Key: r.key() + "|" + strings.Join(st.group, "|"),
	}
}
