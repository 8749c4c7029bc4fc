package syslog

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
	"github.com/airtight/airtight/detect/ingest/internal/ingesttest"
	"github.com/airtight/airtight/internal/shareddata"
)

var refNow = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

func newTestParser() *Parser {
	return NewParser(Options{Now: func() time.Time { return refNow }})
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		check func(t *testing.T, e *detect.Event)
	}{
		{"sshd failed password", "<38>Nov 14 22:35:13 ehr-app01 sshd[23014]: Failed password for root from 10.20.9.77 port 50130 ssh2",
			func(t *testing.T, e *detect.Event) {
				want(t, e.Class, detect.ClassAuthentication)
				want(t, e.Status, "failure")
				want(t, e.User, "root")
				want(t, e.Src.IP, netip.MustParseAddr("10.20.9.77"))
				want(t, e.Src.Port, uint16(50130))
				want(t, e.Time, time.Date(2023, 11, 14, 22, 35, 13, 0, time.UTC)) // November is in the future on 1 March 2024
			}},
		{"sshd invalid user over IPv6", "<38>Feb 12 10:00:00 h sshd[1]: Invalid user oracle from 2001:db8::7 port 4022",
			func(t *testing.T, e *detect.Event) {
				want(t, e.Status, "failure")
				want(t, e.User, "oracle")
				want(t, e.Src.IP, netip.MustParseAddr("2001:db8::7"))
				want(t, e.Fields["invalid_user"], "true")
				want(t, e.Time.Year(), 2024)
			}},
		{"sshd accepted key without PRI", "Feb 22 16:48:04 slave22 sshd[2805]: Accepted publickey for drewr from 69.245.39.97 port 34202 ssh2: RSA 01:67",
			func(t *testing.T, e *detect.Event) {
				want(t, e.Status, "success")
				want(t, e.User, "drewr")
				want(t, e.Fields["auth_method"], "publickey")
				want(t, e.Fields["facility"], "") // guessed PRI is not reported
			}},
		{"sudo refused", "<85>Feb 24 00:13:02 precise32 sudo:      tsg : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/ls",
			func(t *testing.T, e *detect.Event) {
				want(t, e.Class, detect.ClassProcessActivity)
				want(t, e.Status, "failure")
				want(t, e.User, "tsg")
				want(t, e.Process.CommandLine, "/bin/ls")
				want(t, e.Fields["reason"], "user NOT in sudoers")
			}},
		{"useradd", "<86>Feb 22 11:47:05 localhost useradd[6995]: new user: name=apache, UID=48, GID=48, home=/usr/share/httpd, shell=/sbin/nologin",
			func(t *testing.T, e *detect.Event) {
				want(t, e.Class, detect.ClassLog)
				want(t, e.Activity, "new-user")
				want(t, e.User, "apache")
				want(t, e.Fields["UID"], "48")
			}},
		{"windows 4625 in structured data", `<13>1 2023-11-14T22:35:00.000Z ws Microsoft-Windows-Security-Auditing - 4625 [win@32473 TargetUserName="administrator" IpAddress="10.20.9.77" IpPort="51000" LogonType="3"] An account failed to log on.`,
			func(t *testing.T, e *detect.Event) {
				want(t, e.Class, detect.ClassAuthentication)
				want(t, e.Status, "failure")
				want(t, e.Fields["EventID"], "4625")
				want(t, e.Fields["LogonType"], "3")
				want(t, e.Src.Port, uint16(51000))
			}},
		{"windows 4688 with EventID parameter", `<12>1 2023-11-14T22:36:10Z ws NXLog - - [win@1 EventID="4688" NewProcessName="C:\\Windows\\System32\\vssadmin.exe" CommandLine="vssadmin delete shadows" ParentProcessName="C:\\Windows\\explorer.exe" NewProcessId="0x1a4"]`,
			func(t *testing.T, e *detect.Event) {
				want(t, e.Class, detect.ClassProcessActivity)
				want(t, e.Fields["Image"], `C:\Windows\System32\vssadmin.exe`)
				want(t, e.Fields["ParentImage"], `C:\Windows\explorer.exe`)
				want(t, e.Process.Name, "vssadmin.exe")
				want(t, e.Process.PID, 0x1a4)
			}},
		{"netfilter drop", "<4>Mar 1 00:00:00 gw kernel: [123.4] IPT-DROP IN=eth0 OUT= SRC=10.1.2.3 DST=8.8.8.8 LEN=60 PROTO=TCP SPT=40000 DPT=443",
			func(t *testing.T, e *detect.Event) {
				want(t, e.Class, detect.ClassNetworkActivity)
				want(t, e.Activity, "deny")
				want(t, e.Dst.Port, uint16(443))
				want(t, e.Protocol, "tcp")
				want(t, e.Fields["DST"], "8.8.8.8")
			}},
		{"unknown producer is a log event", "<14>1 2023-01-01T00:00:00Z h app 1 - - hello world",
			func(t *testing.T, e *detect.Event) {
				want(t, e.Class, detect.ClassLog)
				want(t, e.Message, "hello world")
				want(t, e.Product, "app")
			}},
		{"parameter clash keeps both", `<14>1 2023-01-01T00:00:00Z h app 1 - [a@1 x="1"][b@1 x="2"]`,
			func(t *testing.T, e *detect.Event) {
				want(t, e.Fields["x"], "1")
				want(t, e.Fields["b@1.x"], "2")
			}},
		{"one element clashing with the header", `<14>1 2023-01-01T00:00:00Z h app 1 - [a@1 hostname="other" x="1"]`,
			func(t *testing.T, e *detect.Event) {
				want(t, e.Fields["hostname"], "h")
				want(t, e.Fields["a@1.hostname"], "other")
				want(t, e.Fields["x"], "1")
				want(t, len(e.Fields), 7) // facility severity hostname appname procid, x, a@1.hostname
			}},
		{"trailing CR LF NUL dropped", "<14>1 2023-01-01T00:00:00Z h app 1 - - hello\r\n\x00",
			func(t *testing.T, e *detect.Event) {
				want(t, e.Message, "hello")
			}},
	}
	p := newTestParser()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := p.Parse([]byte(tt.line))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want(t, e.Source, Source)
			tt.check(t, e)
		})
	}
}

func TestParseRejects(t *testing.T) {
	p := NewParser(Options{Limits: feed.Limits{MaxLine: 200, MaxFields: 4}})
	tests := []struct {
		name string
		line string
		want error
	}{
		{"empty", "  \r\n", ErrEmpty},
		{"priority out of range", "<999>Nov 14 22:35:13 h x: y", ErrNotSyslog},
		{"not syslog", "hello world, this is not syslog", ErrNotSyslog},
		{"too long", "<13>Nov 14 22:35:13 h x: " + strings.Repeat("A", 300), feed.ErrLineTooLong},
		{"too many SD params", `<13>1 2023-01-01T00:00:00Z h a - - [a@1 p="1" q="2" r="3" s="4"]`, feed.ErrTooManyFields},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Parse([]byte(tt.line))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestBadLinesNamedNotQuoted: a bad line is reported by file and line
// number, its content (possibly PHI) never appears in the error.
func TestBadLinesNamedNotQuoted(t *testing.T) {
	input := "<13>Nov 14 22:35:13 h app: fine\n" +
		"<999>Nov 14 22:35:13 h app: patient DOE^JANE MRN 12345678\n" +
		"<13>Nov 14 22:35:14 h app: fine again\n"
	st, err := newTestParser().ReadFile(context.Background(), "in.log", strings.NewReader(input), detect.SinkFunc(func(*detect.Event) {}))
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 3 || st.Events != 2 || st.Bad != 1 || len(st.Errors) != 1 {
		t.Fatalf("stats = %+v, want 3 records, 2 events, 1 bad", st)
	}
	msg := st.Errors[0].Error()
	if !strings.HasPrefix(msg, "in.log:2: ") {
		t.Errorf("error %q does not name in.log:2", msg)
	}
	for _, phi := range []string{"DOE", "JANE", "12345678"} {
		if strings.Contains(msg, phi) {
			t.Errorf("error %q quotes the input (%s)", msg, phi)
		}
	}
}

func TestYearInference(t *testing.T) {
	jan := time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC)
	p := NewParser(Options{Now: func() time.Time { return jan }})
	for _, tt := range []struct {
		line string
		year int
	}{
		{"<13>Dec 31 23:59:59 h a: last year", 2024},
		{"<13>Jan  2 10:00:00 h a: this year", 2025},
		{"<13>Jan 20 10:00:00 h a: clock skew within 30 days", 2025},
	} {
		e, err := p.Parse([]byte(tt.line))
		if err != nil {
			t.Fatal(err)
		}
		if e.Time.Year() != tt.year {
			t.Errorf("%q: year %d, want %d", tt.line, e.Time.Year(), tt.year)
		}
	}
}

func readShared(t *testing.T, rel string) []detect.Event {
	t.Helper()
	f, err := os.Open(shareddata.Dir(t, "detect", "syslog", rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := ingesttest.NewCollector()
	st, err := newTestParser().ReadFile(context.Background(), rel, f, c)
	if err != nil {
		t.Fatal(err)
	}
	if st.Bad != 0 || st.Events != st.Records {
		t.Fatalf("%s: %+v: every line should parse", rel, st)
	}
	return c.Events()
}

func TestSharedBruteForce(t *testing.T) {
	events := readShared(t, "linux-auth-elastic-beats/secure-rhel7.excerpt.log")
	if len(events) != 49 {
		t.Fatalf("%d events, want 49 (one per line)", len(events))
	}
	attacker := netip.MustParseAddr("202.109.143.106")
	from := func(ip netip.Addr, status, method string) int {
		return ingesttest.Count(events, func(e *detect.Event) bool {
			return e.Class == detect.ClassAuthentication && e.Src.IP == ip && e.Status == status &&
				e.Fields["auth_method"] == method && e.User == "root"
		})
	}
	// 13 "Failed password" lines and 2 pam_unix failures from the
	// attacker; 3 + 1 from the second address (counted with grep).
	if n := from(attacker, "failure", "password"); n != 13 {
		t.Errorf("attacker password failures = %d, want 13", n)
	}
	if n := from(attacker, "failure", "pam"); n != 2 {
		t.Errorf("attacker PAM failures = %d, want 2", n)
	}
	if n := from(netip.MustParseAddr("116.31.116.27"), "failure", "password"); n != 3 {
		t.Errorf("second attacker failures = %d, want 3", n)
	}
	ok := ingesttest.Count(events, func(e *detect.Event) bool { return e.Status == "success" })
	if ok != 1 {
		t.Errorf("%d successful logons, want 1 (drewr)", ok)
	}
	if e := events[45]; e.User != "drewr" || e.Src.IP != netip.MustParseAddr("69.245.39.97") || e.Time != time.Date(2024, 2, 22, 16, 48, 4, 0, time.UTC) {
		t.Errorf("line 46 = %+v", e)
	}
}

func TestSharedAuthLog(t *testing.T) {
	events := readShared(t, "linux-auth-elastic-beats/test.log")
	classes := map[detect.Class]int{}
	for _, e := range events {
		classes[e.Class]++
	}
	// 4 sshd logons, 3 sudo commands, 3 others (identification string,
	// groupadd, useradd).
	wantCounts(t, classes, map[detect.Class]int{detect.ClassAuthentication: 4, detect.ClassProcessActivity: 3, detect.ClassLog: 3})
	want(t, events[2].User, "test")
	want(t, events[7].Status, "failure") // user NOT in sudoers
	want(t, events[9].Fields["shell"], "/sbin/nologin")
}

func TestSharedRFC5424(t *testing.T) {
	events := readShared(t, "synthetic/rfc5424_hospital.log")
	classes := map[detect.Class]int{}
	for _, e := range events {
		classes[e.Class]++
	}
	wantCounts(t, classes, map[detect.Class]int{
		detect.ClassDICOMActivity: 2, detect.ClassHL7Activity: 2, detect.ClassNetworkActivity: 2,
		detect.ClassAuthentication: 4, detect.ClassProcessActivity: 2, detect.ClassFileActivity: 2, detect.ClassLog: 2,
	})
	rogue := events[1]
	want(t, rogue.DICOM.CallingAE, "ROGUE_AE")
	want(t, rogue.DICOM.RejectReason, 3)
	want(t, rogue.Src.IP, netip.MustParseAddr("10.20.9.77"))
	want(t, events[3].HL7.AckCode, "AR")
	deny := events[4]
	want(t, deny.Activity, "deny")
	want(t, deny.Fields["zone_dst"], "INTERNET")
	want(t, deny.Dst.IP, netip.MustParseAddr("198.51.100.23"))
	failures := ingesttest.Count(events, func(e *detect.Event) bool {
		return e.Fields["EventID"] == "4625" && e.Status == "failure" && e.User == "administrator" && e.Src.IP == netip.MustParseAddr("10.20.9.77")
	})
	want(t, failures, 3)
	vss := events[10]
	want(t, vss.Fields["CommandLine"], "vssadmin.exe delete shadows /all /quiet")
	want(t, vss.Fields["ParentImage"], `C:\Windows\System32\cmd.exe`)
	want(t, events[12].File.Signed, "yes")
	unsigned := events[13]
	want(t, unsigned.File.Signed, "no")
	want(t, unsigned.Dst.Hostname, "PUMP-0043")
	want(t, events[15].Fields["eventID"], "1011")
}

func TestSharedRFC3164(t *testing.T) {
	events := readShared(t, "synthetic/rfc3164_hospital.log")
	want(t, len(events), 9)
	want(t, events[1].Class, detect.ClassHL7Activity)
	want(t, events[1].Status, "failure")
	want(t, ingesttest.Count(events, func(e *detect.Event) bool {
		return e.Class == detect.ClassAuthentication && e.Product == "sshd" && e.Status == "failure"
	}), 3)
	want(t, events[5].Process.CommandLine, "/usr/bin/tar czf /tmp/export.tgz /srv/ehr/exports")
	want(t, events[6].Activity, "deny")
	win := events[7]
	want(t, win.Class, detect.ClassProcessActivity)
	want(t, win.Fields["EventID"], "4688")
	want(t, win.Process.Name, "vssadmin.exe")
	want(t, events[8].User, "lonvick")
}

func want[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func wantCounts[K comparable](t *testing.T, got, want map[K]int) {
	t.Helper()
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%v: %d, want %d", k, got[k], n)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %v: %d", k, n)
		}
	}
}
