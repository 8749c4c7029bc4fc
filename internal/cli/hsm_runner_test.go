//go:build !pkcs11 || !cgo

package cli

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/airtight/airtight/internal/testtool"
)

// TestCAInHSMWithCgo runs TestCLICAInHSM (hsm_test.go), which needs cgo and
// the pkcs11 build tag, in a child `go test` built that way, so that the
// project's one test command exercises 'ca init --hsm' against a real
// SoftHSM2 token. It skips when a C compiler or SoftHSM2 is missing, unless
// AIRTIGHT_TEST_TOOLS=required.
func TestCAInHSMWithCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the cgo tests")
	}
	testtool.Path(t, "gcc")
	testtool.Path(t, "softhsm2-util")
	cmd := exec.Command("go", "test", "-count=1", "-tags", "pkcs11", "-run", "^TestCLICAInHSM$", "-v", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.CombinedOutput()
	t.Logf("go test -tags pkcs11 -run TestCLICAInHSM (CGO_ENABLED=1):\n%s", out)
	if err != nil {
		t.Fatalf("HSM CLI test failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestCLICAInHSM") {
		t.Fatal("TestCLICAInHSM did not run")
	}
}
