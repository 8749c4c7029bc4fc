// Package shareddata finds the project's shared public test data
// (../shared/data beside the repository) for tests.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/airtight/airtight/internal/testtool"
)

// Dir returns the shared data directory, or the path under it named by
// rel. Without it the test is skipped, or fails when
// AIRTIGHT_TEST_TOOLS=required (CI has it).
func Dir(t testing.TB, rel ...string) string {
	t.Helper()
	if p, ok := Path(rel...); ok {
		return p
	}
	testtool.Missing(t, "shared test data %s not found beside the repository (../shared/data)", filepath.Join(rel...))
	return ""
}

// Path is Dir for what must not skip, such as fuzz seeds that use the
// shared samples when they are there and the inline seeds otherwise: it
// returns the path and whether it exists.
func Path(rel ...string) (string, bool) {
	root, ok := moduleRoot()
	if !ok {
		return "", false
	}
	p := filepath.Join(append([]string{root, "..", "shared", "data"}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		return "", false
	}
	return p, true
}

// moduleRoot walks up from the working directory (a test's package
// directory) to the nearest one holding go.mod.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
