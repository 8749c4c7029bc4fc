package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// tree makes <tmp>/repo/go.mod, <tmp>/repo/a/b and <tmp>/shared/data/x/y.txt
// and moves into <tmp>/repo/a/b, as a package directory.
func tree(t *testing.T) (repo string) {
	t.Helper()
	tmp := t.TempDir()
	repo = filepath.Join(tmp, "repo")
	for _, d := range []string{filepath.Join(repo, "a", "b"), filepath.Join(tmp, "shared", "data", "x")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(repo, "go.mod"), filepath.Join(tmp, "shared", "data", "x", "y.txt")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(filepath.Join(repo, "a", "b"))
	return repo
}

func TestPath(t *testing.T) {
	repo := tree(t)
	data := filepath.Join(repo, "..", "shared", "data")
	tests := []struct {
		name string
		rel  []string
		want string
		ok   bool
	}{
		{"root", nil, data, true},
		{"directory", []string{"x"}, filepath.Join(data, "x"), true},
		{"file", []string{"x", "y.txt"}, filepath.Join(data, "x", "y.txt"), true},
		{"absent", []string{"x", "z.txt"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Path(tt.rel...)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Path(%q) = %q, %v; want %q, %v", tt.rel, got, ok, tt.want, tt.ok)
			}
		})
	}
	if got := Dir(t, "x", "y.txt"); got != filepath.Join(data, "x", "y.txt") {
		t.Errorf("Dir = %q", got)
	}
}

// TestPathStopsAtModuleRoot: data beside an outer module is not used for an
// inner one that lacks it.
func TestPathStopsAtModuleRoot(t *testing.T) {
	repo := tree(t)
	inner := filepath.Join(repo, "a", "inner")
	if err := os.MkdirAll(filepath.Join(inner, "pkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inner, "go.mod"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(inner, "pkg"))
	if got, ok := Path("x"); ok {
		t.Errorf("Path(x) = %q from a module without shared data", got)
	}
}

// TestNoModule: outside any module there is no shared data.
func TestNoModule(t *testing.T) {
	t.Chdir(t.TempDir())
	if got, ok := Path(); ok {
		t.Errorf("Path() = %q outside a module", got)
	}
}
