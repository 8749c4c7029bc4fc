// Package ingesttest holds test helpers shared by the ingest packages:
// finding the shared test data and collecting events.
package ingesttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/airtight/airtight/detect"
)

// Required reports whether tests must fail instead of skipping when a tool
// or the shared data is missing (CI sets AIRTIGHT_TEST_TOOLS=required).
func Required() bool { return os.Getenv("AIRTIGHT_TEST_TOOLS") == "required" }

// Missing skips the test, or fails it when AIRTIGHT_TEST_TOOLS=required.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if Required() {
		tb.Fatalf(format+" (AIRTIGHT_TEST_TOOLS=required)", args...)
	}
	tb.Skipf(format, args...)
}

// SharedData returns the path of rel under the shared test data
// (../shared/data next to the module root), skipping the test when it is
// absent.
func SharedData(tb testing.TB, rel string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			Missing(tb, "module root not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		Missing(tb, "shared test data %s not found", rel)
	}
	return p
}

// Tool returns the path of an external program, skipping the test (or
// failing it when required) when it is not installed.
func Tool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, "%s not on PATH", name)
	}
	return p
}

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
