package pcap

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/airtight/airtight/detect"
)

// collect reads a capture file and returns its events (copies) and stats.
func collect(t testing.TB, path string, opts Options) ([]detect.Event, Stats) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []detect.Event
	st, err := Read(context.Background(), f, detect.SinkFunc(func(e *detect.Event) { evs = append(evs, *e) }), opts)
	if err != nil {
		t.Fatalf("Read(%s): %v", filepath.Base(path), err)
	}
	return evs, st
}
