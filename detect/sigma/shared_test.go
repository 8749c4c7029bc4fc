package sigma

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

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

// ruleDirs are the shared rule trees (regression_data is not rules).
var ruleDirs = []string{"rules", "rules-emerging-threats", "rules-threat-hunting"}

type sharedRules struct {
	rules []*Rule
	rejs  []Rejection
}

var (
	sharedOnce sync.Once
	sharedSet  sharedRules
	sharedErr  error
)

// loadShared loads the shared SigmaHQ subset once per test binary; file
// names are relative to the sigma directory.
func loadShared(t testing.TB) sharedRules {
	t.Helper()
	root := sharedData(t, "sigma")
	sharedOnce.Do(func() {
		for _, d := range ruleDirs {
			rules, rejs, err := LoadDir(filepath.Join(root, d), Config{})
			if err != nil {
				sharedErr = err
				return
			}
			for _, r := range rules {
				r.File = d + "/" + r.File
			}
			for i := range rejs {
				rejs[i].File = d + "/" + rejs[i].File
			}
			sharedSet.rules = append(sharedSet.rules, rules...)
			sharedSet.rejs = append(sharedSet.rejs, rejs...)
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedSet
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if d := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); d != "" {
		t.Errorf("%s differs (-want +got); run with -update if intended:\n%s", name, d)
	}
}
