package builtin

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
)

var t0 = time.Date(2026, 11, 14, 22, 0, 0, 0, time.UTC)

func sec(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

var (
	ctIP      = netip.MustParseAddr("10.16.0.21")
	pacsIP    = netip.MustParseAddr("10.16.0.5")
	pumpIP    = netip.MustParseAddr("10.32.0.40")
	lisIP     = netip.MustParseAddr("10.40.0.9")
	anaIP     = netip.MustParseAddr("10.40.0.20")
	hisIP     = netip.MustParseAddr("10.50.0.10")
	wsIP      = netip.MustParseAddr("10.60.0.15")
	fileSrvIP = netip.MustParseAddr("10.60.0.2")
	rogueIP   = netip.MustParseAddr("10.20.9.77")
	inetIP    = netip.MustParseAddr("198.51.100.23")
	extPACS   = netip.MustParseAddr("203.0.113.50")
)

// hospital is the inventory the tests run against.
func hospital(t testing.TB) *detect.MemDirectory {
	t.Helper()
	dir := detect.NewMemDirectory()
	for _, d := range []detect.DeviceRef{
		{ID: 1, Name: "ct-0101", Kind: "ct-scanner", Zone: "imaging-vlan", Criticality: "diagnostic", IP: ctIP, AETitle: "CT_MC0101"},
		{ID: 2, Name: "pacs", Kind: "pacs-server", Zone: "imaging-vlan", Criticality: "diagnostic", IP: pacsIP, AETitle: "PACS_MAIN"},
		{ID: 3, Name: "pump-0103", Kind: "infusion-pump", Zone: "clinical-wireless", Criticality: "life-sustaining", IP: pumpIP},
		{ID: 4, Name: "lis", Kind: "lis", Zone: "lab-vlan", Criticality: "diagnostic", IP: lisIP, HL7App: "LIS"},
		{ID: 5, Name: "analyzer", Kind: "lab-analyzer", Zone: "lab-vlan", Criticality: "diagnostic", IP: anaIP, HL7App: "ANALYZER01^LAB"},
		{ID: 6, Name: "his", Kind: "hl7-interface-engine", Zone: "dmz", Criticality: "administrative", IP: hisIP, HL7App: "HIS_ADT"},
		{ID: 7, Name: "nurse-pc", Kind: "nurse-station-pc", Zone: "corporate", Criticality: "administrative", IP: wsIP},
		{ID: 8, Name: "files", Kind: "file-server", Zone: "corporate", Criticality: "administrative", IP: fileSrvIP},
	} {
		if err := dir.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func host(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 70, byte(i >> 8), byte(i)}) }

func flow(at time.Time, src, dst netip.Addr, port uint16) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassNetworkActivity, Activity: "traffic", Source: "netflow", Protocol: "tcp",
		Src: detect.Endpoint{IP: src, Port: 49152}, Dst: detect.Endpoint{IP: dst, Port: port}, BytesOut: 1200}
}

func smbEv(at time.Time, src, dst netip.Addr, s detect.SMB) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassSMBActivity, Source: "pcap", Protocol: "tcp", App: "smb",
		Src: detect.Endpoint{IP: src, Port: 50000}, Dst: detect.Endpoint{IP: dst, Port: 445}, SMB: &s}
}

func fileEv(at time.Time, hostName, activity, path, newPath string) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassFileActivity, Activity: activity, Source: "jsonl", Host: hostName,
		User: "rad", File: &detect.File{Path: path, NewPath: newPath}, Process: &detect.Process{Name: "svch0st.exe", PID: 6120}}
}

func procEv(at time.Time, cmd, program string) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassProcessActivity, Activity: "launch", Source: "syslog",
		Product: "Microsoft-Windows-Security-Auditing", Host: "ws-rad-07",
		Process: &detect.Process{CommandLine: cmd, Path: program, ParentPath: `C:\Windows\System32\cmd.exe`, User: "rad"}}
}

func dicomEv(at time.Time, src, dst netip.Addr, sport, dport uint16, dc detect.DICOM) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassDICOMActivity, Source: "pcap", Protocol: "tcp", App: "dicom",
		Src: detect.Endpoint{IP: src, Port: sport}, Dst: detect.Endpoint{IP: dst, Port: dport}, DICOM: &dc}
}

func hl7Ev(at time.Time, src, dst netip.Addr, h detect.HL7) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassHL7Activity, Source: "pcap", Protocol: "tcp", App: "hl7",
		Src: detect.Endpoint{IP: src, Port: 40000}, Dst: detect.Endpoint{IP: dst, Port: 2575}, HL7: &h}
}

func authEv(at time.Time, status, user string, src netip.Addr) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassAuthentication, Activity: "logon", Status: status, Source: "syslog",
		Product: "sshd", Host: "ehr-app01", User: user, Src: detect.Endpoint{IP: src, Port: 50122}}
}

// series makes n events with make(i, time), i seconds apart by step.
func series(n int, step float64, mk func(i int, at time.Time) detect.Event) []detect.Event {
	out := make([]detect.Event, n)
	for i := range out {
		out[i] = mk(i, sec(float64(i)*step))
	}
	return out
}

func concat(parts ...[]detect.Event) []detect.Event { return slices.Concat(parts...) }

type caseT struct {
	name   string
	cfg    func(c *Config)
	events []detect.Event
	want   []string // rule ids raised, sorted and unique
	check  func(t *testing.T, ds []*detect.Detection)
}

func runCases(t *testing.T, tests []caseT) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Directory: hospital(t)}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			ds := run(t, cfg, tc.events)
			var rules []string
			for _, d := range ds {
				rules = append(rules, d.Rule)
				checkComplete(t, d)
			}
			slices.Sort(rules)
			rules = slices.Compact(rules)
			if fmt.Sprint(rules) != fmt.Sprint(tc.want) {
				t.Fatalf("rules %v, want %v", rules, tc.want)
			}
			if tc.check != nil {
				tc.check(t, ds)
			}
		})
	}
}

func run(t *testing.T, cfg Config, events []detect.Event) []*detect.Detection {
	t.Helper()
	dets, err := All(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []*detect.Detection
	for i := range events {
		for _, d := range dets {
			d.Observe(&events[i], func(x *detect.Detection) { out = append(out, x) })
		}
	}
	return out
}

// checkComplete checks what every detection must carry, and that its
// evidence holds no fake patient data of the tests.
func checkComplete(t *testing.T, d *detect.Detection) {
	t.Helper()
	if !strings.HasPrefix(d.Rule, "airtight.") || strings.Count(d.Rule, ".") != 2 {
		t.Errorf("rule id %q is not airtight.<area>.<name>", d.Rule)
	}
	if d.Title == "" || d.Summary == "" || d.Action == "" || len(d.Attack) == 0 || d.Device == "" || d.Key == "" || d.FirstSeen.IsZero() {
		t.Errorf("incomplete detection %+v", d)
	}
	if rank := slices.Index([]detect.Severity{"info", "low", "medium", "high", "critical"}, d.Severity); rank < 0 {
		t.Errorf("severity %q", d.Severity)
	}
	for _, a := range d.Attack {
		if len(a) < 5 || a[0] != 'T' {
			t.Errorf("ATT&CK id %q", a)
		}
	}
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, phi := range []string{"DOE", "JANE", "Documents"} {
		if strings.Contains(string(js), phi) {
			t.Errorf("detection carries %q: %s", phi, js)
		}
	}
}

func only(rule string, f func(t *testing.T, d *detect.Detection)) func(t *testing.T, ds []*detect.Detection) {
	return func(t *testing.T, ds []*detect.Detection) {
		t.Helper()
		var last *detect.Detection
		for _, d := range ds {
			if d.Rule == rule {
				last = d
			}
		}
		if last == nil {
			t.Fatalf("no %s", rule)
		}
		f(t, last)
	}
}

func wantSeverity(rule string, s detect.Severity) func(t *testing.T, ds []*detect.Detection) {
	return only(rule, func(t *testing.T, d *detect.Detection) {
		if d.Severity != s {
			t.Errorf("%s severity %s, want %s", rule, d.Severity, s)
		}
	})
}

func wantDevice(rule, dev string) func(t *testing.T, ds []*detect.Detection) {
	return only(rule, func(t *testing.T, d *detect.Detection) {
		if d.Device != dev {
			t.Errorf("%s device %s, want %s", rule, d.Device, dev)
		}
	})
}

func all(fs ...func(t *testing.T, ds []*detect.Detection)) func(t *testing.T, ds []*detect.Detection) {
	return func(t *testing.T, ds []*detect.Detection) {
		for _, f := range fs {
			f(t, ds)
		}
	}
}
