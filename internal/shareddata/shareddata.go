// Package shareddata finds the project's shared public test data
// (../shared/data beside the repository) for tests.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared data directory, or the path under it named by
// rel. Without it the test is skipped, or fails when
// AIRTIGHT_TEST_TOOLS=required (CI has it).
func Dir(t testing.TB, rel ...string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(append([]string{dir, "..", "shared", "data"}, rel...)...)
			if _, err := os.Stat(p); err == nil {
				return p
			}
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	if os.Getenv("AIRTIGHT_TEST_TOOLS") == "required" {
		t.Fatalf("shared test data %v not found beside the repository", rel)
	}
	t.Skipf("shared test data %v not found beside the repository", rel)
	return ""
}
