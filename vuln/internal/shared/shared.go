// Package shared finds the staged test data beside the repository
// (../shared/data/vuln from the directory holding go.mod), for tests.
package shared

import (
	"os"
	"path/filepath"
	"testing"
)

// Path is the path of rel under the shared vulnerability data. The test
// is skipped when the data is absent, and fails instead when the
// environment sets AIRTIGHT_TEST_TOOLS=required.
func Path(t testing.TB, rel string) string {
	t.Helper()
	root, err := moduleRoot()
	if err == nil {
		p := filepath.Join(root, "..", "shared", "data", "vuln", rel)
		if _, err = os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("AIRTIGHT_TEST_TOOLS") == "required" {
		t.Fatalf("shared data %s not available: %v", rel, err)
	}
	t.Skipf("shared data %s not available: %v", rel, err)
	return ""
}

// moduleRoot walks up from the working directory to the one with go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
