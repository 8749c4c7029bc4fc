//go:build !pkcs11 || !cgo

package cli

import (
	"os"
	"os/exec"
	"strings"
	"testing"
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
	for _, tool := range []string{"gcc", "softhsm2-util"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("AIRTIGHT_TEST_TOOLS") == "required" {
				t.Fatalf("%s not found (AIRTIGHT_TEST_TOOLS=required)", tool)
			}
			t.Skipf("%s not found", tool)
		}
	}
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
