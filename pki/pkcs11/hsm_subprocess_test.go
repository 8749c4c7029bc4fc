//go:build !pkcs11 || !cgo

package pkcs11

import (
	"os"
	"os/exec"
	"testing"

	"github.com/airtight/airtight/internal/testtool"
)

// TestWithSoftHSM runs this package's HSM tests, which need cgo and the
// pkcs11 build tag, in a child `go test` built that way, so that the
// project's one test command (`go test ./...`, with the default
// CGO_ENABLED=0 binary) still exercises a real SoftHSM2 token. It skips when
// a C compiler or SoftHSM2 is missing, unless AIRTIGHT_TEST_TOOLS=required.
func TestWithSoftHSM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the cgo tests")
	}
	testtool.Path(t, "gcc")
	testtool.Path(t, "softhsm2-util")
	cmd := exec.Command("go", "test", "-count=1", "-tags", "pkcs11", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "AIRTIGHT_TEST_TOOLS=required")
	out, err := cmd.CombinedOutput()
	t.Logf("go test -tags pkcs11 (CGO_ENABLED=1):\n%s", out)
	if err != nil {
		t.Fatalf("HSM tests failed: %v", err)
	}
}
