// Package correlate holds the bounded, stateful building blocks of
// detections that span several events: a sliding-window counter, a
// distinct-value counter and an ordered sequence, each per key.
//
// Time is the events' time, never the wall clock, so a replay of last
// week's logs gives the same answers as the live stream did. Memory is
// bounded: each primitive keeps at most MaxKeys keys (evicting the least
// recently seen) and, where it keeps values, at most MaxValues a key; every
// eviction is counted. Keys idle for longer than the window are dropped as
// time moves on.
//
// The primitives are not safe for concurrent use: detectors are fed from
// one goroutine (see detect.Detector).
package correlate

import "time"

// Stats counts what a primitive holds and what it had to let go.
type Stats struct {
	Keys           int    // keys held now
	KeyEvictions   uint64 // keys evicted because MaxKeys was reached
	ValueEvictions uint64 // values evicted because MaxValues was reached
	Expired        uint64 // keys dropped after being idle for a window
}

// DefaultMaxKeys bounds the keys of a primitive whose configuration leaves
// MaxKeys at zero.
const DefaultMaxKeys = 100_000

const none = -1

// entry is one key's slot in a table; prev and next link the recency list.
type entry[K comparable, S any] struct {
	key        K
	seen       int64 // latest event time, Unix nanoseconds
	prev, next int32
	state      S
}

// Table maps keys to state, at most MaxKeys keys, evicting the least
// recently seen; keys idle for longer than its idle time are dropped as
// event time moves on. Slots live in one slice linked by index, so a key
// costs its map entry and one slot, and no pointers for the collector to
// chase. The other primitives are built on it; detectors use it directly
// for per-key state of their own.
type Table[K comparable, S any] struct {
	idx        map[K]int32
	ents       []entry[K, S]
	head, tail int32 // most and least recently seen
	free       int32 // free slot list, linked through next
	max        int
	idle       int64 // keys not seen for this long are dropped; 0: never
	evictions  uint64
	expired    uint64
}

// NewTable returns a table of at most maxKeys keys (DefaultMaxKeys when
// zero) that drops keys not seen for idle (never when zero).
func NewTable[K comparable, S any](maxKeys int, idle time.Duration) *Table[K, S] {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return &Table[K, S]{idx: make(map[K]int32), head: none, tail: none, free: none, max: maxKeys, idle: int64(idle)}
}

// Get returns the state of k, creating a zero state when absent, and marks
// k as seen at time at. The pointer is valid until the next Get.
func (t *Table[K, S]) Get(k K, at time.Time) (s *S, created bool) {
	return t.get(k, at.UnixNano())
}

func (t *Table[K, S]) get(k K, now int64) (s *S, created bool) {
	if i, ok := t.idx[k]; ok {
		e := &t.ents[i]
		e.seen = max(e.seen, now)
		t.moveFront(i)
		t.expire(now)
		return &t.ents[i].state, false
	}
	t.expire(now)
	if len(t.idx) >= t.max {
		t.remove(t.tail)
		t.evictions++
	}
	i := t.alloc()
	t.ents[i] = entry[K, S]{key: k, seen: now, prev: none, next: none}
	t.idx[k] = i
	t.pushFront(i)
	return &t.ents[i].state, true
}

// Peek returns the state of k without creating or touching it.
func (t *Table[K, S]) Peek(k K) (*S, bool) {
	i, ok := t.idx[k]
	if !ok {
		return nil, false
	}
	return &t.ents[i].state, true
}

// Delete forgets k.
func (t *Table[K, S]) Delete(k K) {
	if i, ok := t.idx[k]; ok {
		t.remove(i)
	}
}

// expire drops up to two keys idle since before now-idle: a little work on
// every call keeps the table clean without a sweep.
func (t *Table[K, S]) expire(now int64) {
	if t.idle <= 0 {
		return
	}
	for n := 0; n < 2 && t.tail != none && t.ents[t.tail].seen < now-t.idle; n++ {
		t.remove(t.tail)
		t.expired++
	}
}

// Each calls f for every key with the time it was last seen, least
// recently seen first (so that Gets in that order rebuild the same
// recency), until f returns false. f must not change the table.
func (t *Table[K, S]) Each(f func(k K, seen time.Time, s *S) bool) {
	for i := t.tail; i != none; i = t.ents[i].prev {
		if !f(t.ents[i].key, time.Unix(0, t.ents[i].seen).UTC(), &t.ents[i].state) {
			return
		}
	}
}

// Len is the number of keys held.
func (t *Table[K, S]) Len() int { return len(t.idx) }

func (t *Table[K, S]) alloc() int32 {
	if t.free != none {
		i := t.free
		t.free = t.ents[i].next
		return i
	}
	t.ents = append(t.ents, entry[K, S]{})
	return int32(len(t.ents) - 1)
}

func (t *Table[K, S]) remove(i int32) {
	t.unlink(i)
	delete(t.idx, t.ents[i].key)
	t.ents[i] = entry[K, S]{prev: none, next: t.free}
	t.free = i
}

func (t *Table[K, S]) moveFront(i int32) {
	if t.head == i {
		return
	}
	t.unlink(i)
	t.pushFront(i)
}

func (t *Table[K, S]) pushFront(i int32) {
	e := &t.ents[i]
	e.prev, e.next = none, t.head
	if t.head != none {
		t.ents[t.head].prev = i
	}
	t.head = i
	if t.tail == none {
		t.tail = i
	}
}

func (t *Table[K, S]) unlink(i int32) {
	e := &t.ents[i]
	if e.prev != none {
		t.ents[e.prev].next = e.next
	} else {
		t.head = e.next
	}
	if e.next != none {
		t.ents[e.next].prev = e.prev
	} else {
		t.tail = e.prev
	}
	e.prev, e.next = none, none
}

// Stats reports keys held, evicted and expired.
func (t *Table[K, S]) Stats() Stats {
	return Stats{Keys: len(t.idx), KeyEvictions: t.evictions, Expired: t.expired}
}
