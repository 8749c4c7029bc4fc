package correlate

import (
	"errors"
	"time"
)

// DistinctConfig configures a Distinct counter.
type DistinctConfig struct {
	Window    time.Duration // how long a value stays counted after it was last seen
	Threshold int           // distinct values within Window that cross the threshold
	MaxKeys   int           // default DefaultMaxKeys
	// MaxValues bounds the values kept per key (default 4×Threshold, at
	// least Threshold). When full, the least recently seen value is
	// evicted and counted in Stats.ValueEvictions.
	MaxValues int
}

func (c *DistinctConfig) check() error {
	if c.MaxValues == 0 {
		c.MaxValues = 4 * c.Threshold
	}
	switch {
	case c.Window <= 0:
		return errors.New("correlate: distinct window must be positive")
	case c.Threshold < 1:
		return errors.New("correlate: distinct threshold must be at least 1")
	case c.MaxValues < c.Threshold:
		return errors.New("correlate: distinct max values is below the threshold, which could never be reached")
	}
	return nil
}

// Distinct counts distinct values per key in a sliding window of event
// time (fan-out: distinct hosts a source contacts, distinct users it tries)
// and says when a key crosses the threshold: at most once per Window.
type Distinct[K, V comparable] struct {
	cfg       DistinctConfig
	t         *Table[K, distinctState[V]]
	valEvicts uint64
}

type distinctState[V comparable] struct {
	fired int64 // time of the last crossing; 0: never
	vals  []seenValue[V]
}

type seenValue[V comparable] struct {
	v    V
	seen int64
}

// NewDistinct returns a distinct counter, or an error when cfg is not usable.
func NewDistinct[K, V comparable](cfg DistinctConfig) (*Distinct[K, V], error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return &Distinct[K, V]{cfg: cfg, t: NewTable[K, distinctState[V]](cfg.MaxKeys, cfg.Window)}, nil
}

// Add records value v for key k at time at. It returns the number of
// distinct values within the window and whether this value crossed the
// threshold.
func (d *Distinct[K, V]) Add(k K, v V, at time.Time) (n int, crossed bool) {
	now := at.UnixNano()
	s, _ := d.t.get(k, now)
	s.prune(now - int64(d.cfg.Window))
	if !s.touch(v, now) {
		if len(s.vals) >= d.cfg.MaxValues {
			s.evictOldest()
			d.valEvicts++
		}
		s.vals = append(s.vals, seenValue[V]{v: v, seen: now})
	}
	n = len(s.vals)
	if n < d.cfg.Threshold || (s.fired != 0 && now-s.fired < int64(d.cfg.Window)) {
		return n, false
	}
	s.fired = now
	return n, true
}

// Values appends up to max of k's values, most recently seen first, to dst.
func (d *Distinct[K, V]) Values(dst []V, k K, max int) []V {
	s, ok := d.t.Peek(k)
	if !ok {
		return dst
	}
	for i := len(s.vals) - 1; i >= 0 && max > 0; i-- {
		dst = append(dst, s.vals[i].v)
		max--
	}
	return dst
}

// Count is the number of k's values held now.
func (d *Distinct[K, V]) Count(k K) int {
	if s, ok := d.t.Peek(k); ok {
		return len(s.vals)
	}
	return 0
}

// Stats reports keys and values held and evicted.
func (d *Distinct[K, V]) Stats() Stats {
	st := d.t.Stats()
	st.ValueEvictions = d.valEvicts
	return st
}

// prune drops values last seen before cutoff, keeping the order.
func (s *distinctState[V]) prune(cutoff int64) {
	j := 0
	for _, x := range s.vals {
		if x.seen >= cutoff {
			s.vals[j] = x
			j++
		}
	}
	clear(s.vals[j:])
	s.vals = s.vals[:j]
}

// touch marks v as seen now, moving it to the end (most recent), and
// reports whether it was there.
func (s *distinctState[V]) touch(v V, now int64) bool {
	for i, x := range s.vals {
		if x.v == v {
			copy(s.vals[i:], s.vals[i+1:])
			s.vals[len(s.vals)-1] = seenValue[V]{v: v, seen: max(x.seen, now)}
			return true
		}
	}
	return false
}

// evictOldest drops the least recently seen value, the first.
func (s *distinctState[V]) evictOldest() {
	copy(s.vals, s.vals[1:])
	var zero seenValue[V]
	s.vals[len(s.vals)-1] = zero
	s.vals = s.vals[:len(s.vals)-1]
}
