package sigma

import (
	"strings"
	"unsafe"
)

// node is a compiled piece of a detection: a selection, a field test, or
// a boolean combination of them.
type node interface {
	eval(c *evalCtx) bool
	// bind returns a copy of the node whose field references are resolved
	// to slots of the engine's field table.
	bind(ft *fieldTable) node
}

// fieldTable gives each field name the engine reads a slot number.
type fieldTable struct {
	ids   map[string]int
	names []string
}

func newFieldTable() *fieldTable { return &fieldTable{ids: map[string]int{}} }

func (t *fieldTable) id(name string) int {
	if id, ok := t.ids[name]; ok {
		return id
	}
	t.ids[name] = len(t.names)
	t.names = append(t.names, name)
	return len(t.names) - 1
}

// field slot states in evalCtx.
const (
	slotUnread uint8 = iota
	slotAbsent
	slotRaw   // raw value read
	slotLower // raw and lower-cased value read
)

// evalCtx holds one event's field values while rules are evaluated, so
// that each field is read and lower-cased at most once per event.
type evalCtx struct {
	ev    Event
	names []string
	st    []uint8
	raw   []string
	low   []string
	kwRaw []string // every value, for keyword search
	long  []string // values of kwRaw at least minDedup long
	kw    []string // kwRaw lower-cased, filled on first keyword test
	kwOK  bool
	kwLow bool
	// plain keeps repeated values in kwRaw (the engine's reference mode,
	// see Engine.plain).
	plain bool
	rec   map[string]any // evidence: set while re-evaluating a match
}

func (c *evalCtx) reset(ev Event, ft *fieldTable) {
	c.ev, c.names = ev, ft.names
	n := len(ft.names)
	if cap(c.st) < n {
		c.st, c.raw, c.low = make([]uint8, n), make([]string, n), make([]string, n)
	}
	c.st, c.raw, c.low = c.st[:n], c.raw[:n], c.low[:n]
	clear(c.st)
	c.kw, c.kwRaw, c.long, c.kwOK, c.kwLow, c.rec = c.kw[:0], c.kwRaw[:0], c.long[:0], false, false, nil
}

// get returns the raw value of a field slot.
func (c *evalCtx) get(id int) (string, bool) {
	switch c.st[id] {
	case slotAbsent:
		return "", false
	case slotUnread:
		v, ok := c.ev.Field(c.names[id])
		if !ok {
			c.st[id] = slotAbsent
			return "", false
		}
		c.raw[id], c.st[id] = v, slotRaw
	}
	return c.raw[id], true
}

// getLower returns the raw and lower-cased value of a field slot.
func (c *evalCtx) getLower(id int) (raw, lower string, ok bool) {
	raw, ok = c.get(id)
	if !ok {
		return "", "", false
	}
	if c.st[id] != slotLower {
		c.low[id], c.st[id] = lowerString(raw), slotLower
	}
	return raw, c.low[id], true
}

// rawValues returns every value of the event. A value of at least
// minDedup bytes that is the very same string as one already listed (same
// bytes in memory: an alias such as Image for NewProcessName, or the OCSF
// path a field was mapped to) is listed once: it would be scanned twice
// for the same literals, and a keyword test would only find it again after
// its first copy, with the same text as evidence.
func (c *evalCtx) rawValues() []string {
	if !c.kwOK {
		c.ev.Values(func(_, v string) bool {
			if !c.plain && len(v) >= minDedup {
				if sameString(c.long, v) {
					return true
				}
				c.long = append(c.long, v)
			}
			c.kwRaw = append(c.kwRaw, v)
			return true
		})
		c.kwOK = true
	}
	return c.kwRaw
}

// minDedup is the shortest value rawValues looks for repeats of: shorter
// ones cost less to scan again than to look up.
const minDedup = 16

// sameString reports whether list holds v itself: the same length and the
// same backing bytes (not merely equal text).
func sameString(list []string, v string) bool {
	p := unsafe.StringData(v)
	for _, s := range list {
		if len(s) == len(v) && unsafe.StringData(s) == p {
			return true
		}
	}
	return false
}

// keywords returns every value of the event, raw and lower-cased.
func (c *evalCtx) keywords() ([]string, []string) {
	raw := c.rawValues()
	if !c.kwLow {
		for _, v := range raw {
			c.kw = append(c.kw, lowerString(v))
		}
		c.kwLow = true
	}
	return raw, c.kw
}

func (c *evalCtx) record(name, value string) {
	if c.rec == nil {
		return
	}
	const maxEvidence = 1024
	if len(value) > maxEvidence {
		value = value[:maxEvidence] + "…"
	}
	c.rec[name] = value
}

type andNode struct{ kids []node }

func (n *andNode) eval(c *evalCtx) bool {
	for _, k := range n.kids {
		if !k.eval(c) {
			return false
		}
	}
	return true
}

func (n *andNode) bind(ft *fieldTable) node { return &andNode{kids: bindAll(n.kids, ft)} }

type orNode struct{ kids []node }

func (n *orNode) eval(c *evalCtx) bool {
	for _, k := range n.kids {
		if k.eval(c) {
			return true
		}
	}
	return false
}

func (n *orNode) bind(ft *fieldTable) node { return &orNode{kids: bindAll(n.kids, ft)} }

type notNode struct{ kid node }

func (n *notNode) eval(c *evalCtx) bool {
	if c.rec != nil {
		// Fields tested under "not" are not evidence of the match.
		saved := c.rec
		c.rec = nil
		r := !n.kid.eval(c)
		c.rec = saved
		return r
	}
	return !n.kid.eval(c)
}

func (n *notNode) bind(ft *fieldTable) node { return &notNode{kid: n.kid.bind(ft)} }

func bindAll(ns []node, ft *fieldTable) []node {
	out := make([]node, len(ns))
	for i, k := range ns {
		out[i] = k.bind(ft)
	}
	return out
}

// constNode is a fixed result (an empty selection, "1 of" nothing).
type constNode bool

func (n constNode) eval(*evalCtx) bool    { return bool(n) }
func (n constNode) bind(*fieldTable) node { return n }

// fieldNode tests one field against its values: any of them, or all of
// them with the "all" modifier. null matches a missing or empty field.
type fieldNode struct {
	field string
	id    int
	all   bool
	null  bool
	vals  []valueMatch
}

func (n *fieldNode) eval(c *evalCtx) bool {
	raw, low, ok := c.getLower(n.id)
	if !ok || raw == "" {
		if n.null {
			c.record(n.field, raw)
			return true
		}
		if !ok {
			return false
		}
	}
	r := n.test(raw, low)
	if r {
		c.record(n.field, raw)
	}
	return r
}

func (n *fieldNode) test(raw, low string) bool {
	if n.all {
		for i := range n.vals {
			if !n.vals[i].match(raw, low) {
				return false
			}
		}
		return len(n.vals) > 0
	}
	for i := range n.vals {
		if n.vals[i].match(raw, low) {
			return true
		}
	}
	return false
}

func (n *fieldNode) bind(ft *fieldTable) node {
	cp := *n
	cp.id = ft.id(n.field)
	return &cp
}

// existsNode is the "exists" modifier.
type existsNode struct {
	field string
	id    int
	want  bool
}

func (n *existsNode) eval(c *evalCtx) bool {
	raw, ok := c.get(n.id)
	if ok == n.want && ok {
		c.record(n.field, raw)
	}
	return ok == n.want
}

func (n *existsNode) bind(ft *fieldTable) node {
	cp := *n
	cp.id = ft.id(n.field)
	return &cp
}

// fieldrefNode compares a field with another field of the same event
// (the "fieldref" modifier), optionally as prefix, suffix or substring.
type fieldrefNode struct {
	field, ref string
	id, refID  int
	kind       matchKind
	cased      bool
}

func (n *fieldrefNode) eval(c *evalCtx) bool {
	raw, low, ok := c.getLower(n.id)
	rraw, rlow, rok := c.getLower(n.refID)
	if !ok || !rok {
		return false
	}
	if n.cased {
		low, rlow = raw, rraw
	}
	var r bool
	switch n.kind {
	case mPrefix:
		r = strings.HasPrefix(low, rlow)
	case mSuffix:
		r = strings.HasSuffix(low, rlow)
	case mContains:
		r = strings.Contains(low, rlow)
	default:
		r = low == rlow
	}
	if r {
		c.record(n.field, raw)
		c.record(n.ref, rraw)
	}
	return r
}

func (n *fieldrefNode) bind(ft *fieldTable) node {
	cp := *n
	cp.id, cp.refID = ft.id(n.field), ft.id(n.ref)
	return &cp
}

// keywordNode searches every value of the event (full-text search).
type keywordNode struct {
	all  bool
	vals []valueMatch
}

func (n *keywordNode) eval(c *evalCtx) bool {
	raws, lows := c.keywords()
	if n.all {
		for i := range n.vals {
			if !anyValue(&n.vals[i], raws, lows, c) {
				return false
			}
		}
		return len(n.vals) > 0
	}
	for i := range n.vals {
		if anyValue(&n.vals[i], raws, lows, c) {
			return true
		}
	}
	return false
}

func anyValue(m *valueMatch, raws, lows []string, c *evalCtx) bool {
	for j := range raws {
		if m.match(raws[j], lows[j]) {
			c.record("keyword", raws[j])
			return true
		}
	}
	return false
}

func (n *keywordNode) bind(*fieldTable) node { return n }
