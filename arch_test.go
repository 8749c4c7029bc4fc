package airtight_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Domain packages import only the standard library (and the root airtight
// package), so that the domain stays independent of storage, transport and
// third-party libraries.
func TestDomainPackagesImportOnlyStandardLibrary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	domain := []string{".", "./inventory", "./auth", "./audit", "./pki", "./alert", "./vuln", "./dlp", "./dlp/hl7", "./dlp/fhir", "./vuln/nvd", "./detect"}
	for _, pkg := range domain {
		t.Run(pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				if !strings.HasPrefix(dep, "github.com/airtight/airtight") {
					t.Errorf("%s depends on %s: domain packages may import only the standard library", pkg, dep)
				}
				if strings.Contains(dep, "/sqlstore") || strings.Contains(dep, "/httpapi") || strings.Contains(dep, "/web") {
					t.Errorf("%s depends on implementation package %s", pkg, dep)
				}
			}
		})
	}
}

// The binary builds without cgo, so it runs on any Linux without a C toolchain.
func TestBinaryBuildsWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), "airtight"), "./cmd/airtight")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
}
