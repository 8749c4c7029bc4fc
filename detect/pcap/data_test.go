package pcap

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/airtight/airtight/detect"
)

// sharedData returns ../shared/data/detect/<rel> next to the module root,
// skipping the test when it is absent (failing when
// AIRTIGHT_TEST_TOOLS=required).
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", "detect", rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("AIRTIGHT_TEST_TOOLS") == "required" {
			t.Fatalf("shared test data missing: %v", err)
		}
		t.Skipf("shared test data missing: %v", err)
	}
	return p
}

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
