package testtool

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeTB records what a helper did to the test; Skip and Fatalf stop the
// helper as the real ones do (by unwinding to run).
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
	logs            []string
}

type stopped struct{}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Skip(args ...any) {
	f.skipped, f.msg = true, fmt.Sprint(args...)
	panic(stopped{})
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	panic(stopped{})
}

func (f *fakeTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

// run calls fn with a fresh fakeTB and returns it once fn returns or the
// fake stops it.
func run(fn func(tb testing.TB)) *fakeTB {
	f := &fakeTB{}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(stopped); !ok {
					panic(r)
				}
			}
		}()
		fn(f)
	}()
	return f
}

// fakePATH points PATH at a directory holding one executable, "present",
// and returns its path.
func fakePATH(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake program is a shell script")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "present")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	return p
}

func TestPath(t *testing.T) {
	tests := []struct {
		name, program, env string
		wantSkip, wantFail bool
		wantMsg            []string
	}{
		{name: "found", program: "present"},
		{name: "found when required", program: "present", env: "required"},
		{name: "missing skips", program: "openssl", wantSkip: true,
			wantMsg: []string{"openssl not found on PATH", "Debian package openssl"}},
		{name: "missing fails when required", program: "c-icap-client", env: "required", wantFail: true,
			wantMsg: []string{"c-icap-client not found", "Debian package c-icap", "AIRTIGHT_TEST_TOOLS=required"}},
		{name: "other values do not require", program: "dcmdump", env: "yes", wantSkip: true,
			wantMsg: []string{"Debian package dcmtk"}},
		{name: "unknown program has no package", program: "no-such-tool", wantSkip: true,
			wantMsg: []string{"no-such-tool not found on PATH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			present := fakePATH(t)
			t.Setenv(Env, tt.env)
			var got string
			f := run(func(tb testing.TB) { got = Path(tb, tt.program) })
			if f.skipped != tt.wantSkip || f.failed != tt.wantFail {
				t.Fatalf("skipped=%v failed=%v (%q), want skipped=%v failed=%v", f.skipped, f.failed, f.msg, tt.wantSkip, tt.wantFail)
			}
			if !tt.wantSkip && !tt.wantFail && got != present {
				t.Errorf("Path = %q, want %q", got, present)
			}
			checkMsg(t, f.msg, tt.wantMsg)
			if tt.program == "no-such-tool" && strings.Contains(f.msg, "Debian") {
				t.Errorf("message %q names a package for an unknown program", f.msg)
			}
		})
	}
}

func TestOptional(t *testing.T) {
	tests := []struct {
		name, program, env string
		wantOK, wantFail   bool
		wantLog            bool
	}{
		{name: "found", program: "present", wantOK: true},
		{name: "missing logs and goes on", program: "openssl", wantLog: true},
		{name: "missing fails when required", program: "openssl", env: "required", wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			present := fakePATH(t)
			t.Setenv(Env, tt.env)
			var got string
			var ok bool
			f := run(func(tb testing.TB) { got, ok = Optional(tb, tt.program) })
			if f.skipped || f.failed != tt.wantFail || ok != tt.wantOK {
				t.Fatalf("ok=%v skipped=%v failed=%v (%q), want ok=%v failed=%v", ok, f.skipped, f.failed, f.msg, tt.wantOK, tt.wantFail)
			}
			if ok && got != present || !ok && got != "" {
				t.Errorf("Optional = %q, %v", got, ok)
			}
			if (len(f.logs) > 0) != tt.wantLog {
				t.Errorf("logs %q, want a log: %v", f.logs, tt.wantLog)
			}
		})
	}
}

func TestMissing(t *testing.T) {
	for _, env := range []string{"", "required"} {
		t.Run("env="+env, func(t *testing.T) {
			t.Setenv(Env, env)
			f := run(func(tb testing.TB) { Missing(tb, "libsofthsm2.so not found in %d places", 5) })
			if f.failed != (env == "required") || f.skipped == f.failed {
				t.Fatalf("skipped=%v failed=%v", f.skipped, f.failed)
			}
			checkMsg(t, f.msg, []string{"libsofthsm2.so not found in 5 places"})
			if got := Required(); got != (env == "required") {
				t.Errorf("Required() = %v", got)
			}
		})
	}
}

func checkMsg(t *testing.T, msg string, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}
}
