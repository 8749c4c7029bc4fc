// Package testtool finds the external programs that some tests drive
// (openssl, swaks, dcmdump, softhsm2-util, ...) and decides what a missing
// one does to the test: it is skipped on a developer's machine, and fails
// where the environment sets AIRTIGHT_TEST_TOOLS=required (CI does), so
// that nothing CI should exercise is skipped silently.
package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Env is the environment variable that, set to "required", turns a
// missing tool or missing shared test data into a failure.
const Env = "AIRTIGHT_TEST_TOOLS"

// debianPackages names the Debian package that installs each program the
// tests use, for the message when it is missing.
var debianPackages = map[string]string{
	"c-icap-client": "c-icap",
	"curl":          "curl",
	"dcmdump":       "dcmtk",
	"gcc":           "gcc",
	"logger":        "bsdutils",
	"openssl":       "openssl",
	"postfix":       "postfix",
	"softhsm2-util": "softhsm2",
	"swaks":         "swaks",
}

// Required reports whether missing tools and data must fail the test
// instead of skipping it (AIRTIGHT_TEST_TOOLS=required).
func Required() bool { return os.Getenv(Env) == "required" }

// Missing skips the test with the formatted message, or fails it when
// Required. Use it for a prerequisite other than a program on PATH (a
// library, shared data, a kernel facility).
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		tb.Fatalf("%s (%s=required)", msg, Env)
	}
	tb.Skip(msg)
}

// Path returns the path of the program name found on PATH. When it is
// not there the test is skipped, or fails when Required.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, "%s", notFound(name))
	}
	return p
}

// Optional is Path for a check that a test can go without: when the
// program is missing it logs so and returns false (it still fails the
// test when Required).
func Optional(tb testing.TB, name string) (string, bool) {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p, true
	}
	if Required() {
		tb.Fatalf("%s (%s=required)", notFound(name), Env)
	}
	tb.Logf("%s: skipping the checks that need it", notFound(name))
	return "", false
}

// notFound says that name is missing and, when known, which Debian
// package installs it.
func notFound(name string) string {
	if pkg, ok := debianPackages[name]; ok {
		return fmt.Sprintf("%s not found on PATH (install the Debian package %s)", name, pkg)
	}
	return fmt.Sprintf("%s not found on PATH", name)
}
