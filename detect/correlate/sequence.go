package correlate

import (
	"errors"
	"time"
)

// SequenceConfig configures a Sequence.
type SequenceConfig struct {
	Steps   int           // steps in the sequence, 2 to 255
	Within  time.Duration // from the first step to the last
	MaxKeys int           // default DefaultMaxKeys
}

// Sequence follows ordered steps per key (A, then B, … within a time) and
// says when a key completes them. Step 0 starts (or restarts) a key; a
// later step counts only when it is the next one expected and arrives
// within Within of the start. Keys that never complete are dropped once
// Within has passed.
type Sequence[K comparable] struct {
	cfg SequenceConfig
	t   *Table[K, seqState]
}

type seqState struct {
	start int64 // time of step 0
	next  uint8 // the step expected next
}

// NewSequence returns a sequence, or an error when cfg is not usable.
func NewSequence[K comparable](cfg SequenceConfig) (*Sequence[K], error) {
	switch {
	case cfg.Steps < 2 || cfg.Steps > 255:
		return nil, errors.New("correlate: a sequence has 2 to 255 steps")
	case cfg.Within <= 0:
		return nil, errors.New("correlate: sequence time must be positive")
	}
	return &Sequence[K]{cfg: cfg, t: NewTable[K, seqState](cfg.MaxKeys, cfg.Within)}, nil
}

// Step records step i for k at time at and reports whether it completed
// the sequence; a completed key starts over.
func (q *Sequence[K]) Step(k K, i int, at time.Time) (done bool) {
	now := at.UnixNano()
	if i == 0 {
		s, created := q.t.get(k, now)
		if created || s.next <= 1 || now-s.start > int64(q.cfg.Within) {
			*s = seqState{start: now, next: 1}
		}
		return false
	}
	s, ok := q.t.Peek(k)
	if !ok || int(s.next) != i {
		return false
	}
	if now-s.start > int64(q.cfg.Within) || now < s.start {
		q.t.Delete(k)
		return false
	}
	s.next++
	if int(s.next) == q.cfg.Steps {
		q.t.Delete(k)
		return true
	}
	q.t.get(k, now) // mark as seen
	return false
}

// Pending reports whether k has started and not yet completed.
func (q *Sequence[K]) Pending(k K) bool {
	_, ok := q.t.Peek(k)
	return ok
}

// Stats reports keys held and evicted.
func (q *Sequence[K]) Stats() Stats { return q.t.Stats() }
