package sigma

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/internal/shareddata"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

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
	root := shareddata.Dir(t, "detect", "sigma")
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
