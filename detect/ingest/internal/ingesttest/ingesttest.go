// Package ingesttest holds test helpers shared by the ingest packages:
// collecting and counting events.
package ingesttest

import (
	"sync"

	"github.com/airtight/airtight/detect"
)

// Collector is a sink that keeps copies of the events it receives; safe
// for concurrent use.
type Collector struct {
	mu     sync.Mutex
	events []detect.Event
	notify chan struct{}
}

// NewCollector returns an empty collector.
func NewCollector() *Collector { return &Collector{notify: make(chan struct{}, 1)} }

// Event keeps a copy of e.
func (c *Collector) Event(e *detect.Event) {
	c.mu.Lock()
	c.events = append(c.events, *e)
	c.mu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// Events returns the events received so far.
func (c *Collector) Events() []detect.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]detect.Event(nil), c.events...)
}

// Notify is signalled (without blocking the sender) after each event.
func (c *Collector) Notify() <-chan struct{} { return c.notify }

// Count returns the events for which keep returns true.
func Count(events []detect.Event, keep func(*detect.Event) bool) int {
	n := 0
	for i := range events {
		if keep(&events[i]) {
			n++
		}
	}
	return n
}
