package ingest

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/airtight/airtight/detect"
)

// maxSources bounds the per-source drop counters; further sources are
// counted together under "other".
const maxSources = 64

// Queue is a bounded buffer between inputs and detection: Offer never
// blocks, an event that finds the queue full is dropped and counted
// against its source, and workers hand queued events to the sink. Its
// memory is fixed by its capacity, whatever the burst.
type Queue struct {
	ch      chan detect.Event
	sink    detect.Sink
	workers int

	received, processed, dropped atomic.Int64
	mu                           sync.Mutex
	dropsBySource                map[string]int64

	wg      sync.WaitGroup
	started atomic.Bool
	// gate lets Stop close the channel while inputs may still offer:
	// offers hold it for reading, Stop for writing.
	gate   sync.RWMutex
	closed bool
}

// QueueStats counts a queue's traffic.
type QueueStats struct {
	Received  int64 // events offered
	Processed int64 // events handed to the sink
	Dropped   int64 // events refused because the queue was full
	// DroppedBySource splits Dropped by Event.Source.
	DroppedBySource map[string]int64
	Len, Cap        int
}

// NewQueue returns a queue of capacity events whose workers (at least one)
// feed sink. With more than one worker the sink must be safe for
// concurrent use; detectors want one.
func NewQueue(capacity, workers int, sink detect.Sink) *Queue {
	return &Queue{
		ch:            make(chan detect.Event, max(capacity, 1)),
		sink:          sink,
		workers:       max(workers, 1),
		dropsBySource: map[string]int64{},
	}
}

// Offer copies e into the queue without blocking; it reports false, and
// counts a drop, when the queue is full. The copy is shallow: Fields and
// the extension pointers are shared, so an input must not change them
// after offering (the parsers here allocate them per event).
// After Stop every offer is dropped and counted: inputs may still be
// delivering while the server shuts down.
func (q *Queue) Offer(e *detect.Event) bool {
	q.received.Add(1)
	q.gate.RLock()
	defer q.gate.RUnlock()
	if !q.closed {
		select {
		case q.ch <- *e:
			return true
		default:
		}
	}
	q.dropped.Add(1)
	q.countDrop(e.Source)
	return false
}

// Event offers e: a Queue is a Sink for inputs.
func (q *Queue) Event(e *detect.Event) { q.Offer(e) }

func (q *Queue) countDrop(source string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.dropsBySource[source]; !ok && len(q.dropsBySource) >= maxSources {
		source = "other"
	}
	q.dropsBySource[source]++
}

// Start runs the workers until Stop.
func (q *Queue) Start(ctx context.Context) {
	if !q.started.CompareAndSwap(false, true) {
		return
	}
	for range q.workers {
		q.wg.Go(func() {
			for e := range q.ch {
				q.sink.Event(&e)
				q.processed.Add(1)
			}
		})
	}
}

// Stop closes the queue to offers, lets the workers drain what is queued
// and waits for them, or for ctx. Offers after Stop are dropped and
// counted.
func (q *Queue) Stop(ctx context.Context) error {
	q.gate.Lock()
	if q.closed {
		q.gate.Unlock()
		return nil
	}
	q.closed = true
	close(q.ch)
	q.gate.Unlock()
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats returns the queue's counters so far.
func (q *Queue) Stats() QueueStats {
	q.mu.Lock()
	bySource := make(map[string]int64, len(q.dropsBySource))
	for k, v := range q.dropsBySource {
		bySource[k] = v
	}
	q.mu.Unlock()
	return QueueStats{
		Received: q.received.Load(), Processed: q.processed.Load(), Dropped: q.dropped.Load(),
		DroppedBySource: bySource, Len: len(q.ch), Cap: cap(q.ch),
	}
}
