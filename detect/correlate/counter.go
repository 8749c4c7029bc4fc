package correlate

import (
	"errors"
	"fmt"
	"time"
)

// MaxBuckets is the most buckets a Counter window may have.
const MaxBuckets = 16

// CounterConfig configures a Counter.
type CounterConfig struct {
	Window    time.Duration // how far back events count
	Threshold int           // events within Window that cross the threshold
	// Buckets splits Window into this many slots (default 8, at most
	// MaxBuckets). An event counts for between Window-Window/Buckets and
	// Window after its time: more buckets, finer edges, more memory.
	Buckets int
	MaxKeys int // default DefaultMaxKeys
}

func (c *CounterConfig) check() error {
	if c.Buckets == 0 {
		c.Buckets = 8
	}
	switch {
	case c.Window <= 0:
		return errors.New("correlate: counter window must be positive")
	case c.Threshold < 1:
		return errors.New("correlate: counter threshold must be at least 1")
	case c.Buckets < 1 || c.Buckets > MaxBuckets:
		return fmt.Errorf("correlate: counter buckets must be 1 to %d", MaxBuckets)
	case c.Window < time.Duration(c.Buckets):
		return errors.New("correlate: counter window is shorter than its buckets")
	}
	return nil
}

// Counter counts events per key in a sliding window of event time and says
// when a key crosses the threshold. After a crossing the key starts again
// from zero, so a sustained burst crosses once per Threshold events.
type Counter[K comparable] struct {
	cfg   CounterConfig
	width int64 // one bucket, nanoseconds
	t     *Table[K, counterState]
}

type counterState struct {
	head   int64 // bucket number (time / width) of the newest bucket
	total  uint32
	counts [MaxBuckets]uint32
}

// NewCounter returns a counter, or an error when cfg is not usable.
func NewCounter[K comparable](cfg CounterConfig) (*Counter[K], error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return &Counter[K]{cfg: cfg, width: int64(cfg.Window) / int64(cfg.Buckets), t: NewTable[K, counterState](cfg.MaxKeys, cfg.Window)}, nil
}

// Add counts one event for k at time at. It returns the count within the
// window and whether this event crossed the threshold. Events older than
// the window relative to the key's newest event are not counted.
func (c *Counter[K]) Add(k K, at time.Time) (n int, crossed bool) {
	now := at.UnixNano()
	s, _ := c.t.get(k, now)
	b := now / c.width
	if !s.advance(b, c.cfg.Buckets) {
		return int(s.total), false
	}
	s.counts[slot(b, c.cfg.Buckets)]++
	s.total++
	n = int(s.total)
	if n >= c.cfg.Threshold {
		*s = counterState{head: s.head}
		return n, true
	}
	return n, false
}

// Count is k's count within the window ending at its newest event.
func (c *Counter[K]) Count(k K) int {
	if s, ok := c.t.Peek(k); ok {
		return int(s.total)
	}
	return 0
}

// Reset forgets k.
func (c *Counter[K]) Reset(k K) { c.t.Delete(k) }

// Stats reports keys held and evicted.
func (c *Counter[K]) Stats() Stats { return c.t.Stats() }

// advance moves the window so that bucket b is inside it, clearing the
// buckets that fall out. It reports false when b is already outside.
func (s *counterState) advance(b int64, n int) bool {
	if s.total == 0 && s.head == 0 {
		s.head = b
		return true
	}
	if b <= s.head {
		return b > s.head-int64(n)
	}
	if b-s.head >= int64(n) {
		*s = counterState{head: b}
		return true
	}
	for x := s.head + 1; x <= b; x++ {
		i := slot(x, n)
		s.total -= s.counts[i]
		s.counts[i] = 0
	}
	s.head = b
	return true
}

// slot is bucket b's index in a ring of n, for negative b too.
func slot(b int64, n int) int {
	i := int(b % int64(n))
	if i < 0 {
		i += n
	}
	return i
}
