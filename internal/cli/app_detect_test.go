package cli

import (
	"context"
	"net"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/sqlstore"
)

// shadowDelete is a Windows process-creation event, forwarded as RFC 5424
// syslog, of ransomware deleting shadow copies.
const shadowDelete = `<12>1 2026-11-14T22:36:10.400Z ws-rad-07.riverside.example Microsoft-Windows-Security-Auditing - 4688 ` +
	`[win@32473 NewProcessName="C:\\Windows\\System32\\vssadmin.exe" CommandLine="vssadmin.exe delete shadows /all /quiet" ` +
	`ParentProcessName="C:\\Windows\\System32\\cmd.exe"] A new process has been created.`

var syslogAddrRE = regexp.MustCompile(`receiving syslog" addr=udp://(127\.0\.0\.1:\d+)`)

// TestServeMonitoring: a syslog event sent to the running server becomes
// a stored alert in an incident, and stopping the server loses nothing
// that was received.
func TestServeMonitoring(t *testing.T) {
	data := t.TempDir()
	s := start(t, data, "demo", "--devices", "20", "--tls", "off", "--syslog-addr", "udp://127.0.0.1:0")
	s.url(t)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := syslogAddrRE.FindStringSubmatch(s.errOut.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("no syslog listener logged:\n%s", s.errOut.String())
	}
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte(shadowDelete))
	conn.Close()
	time.Sleep(200 * time.Millisecond) // UDP: give the listener time to read before the shutdown closes it
	s.stop(t)

	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(data, "airtight.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	org, err := inputOrg(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	actx := airtight.NewContext(ctx, airtight.SystemActor(org.ID, "test"))
	as, _, err := db.ListAlerts(actx, alert.Filter{Source: "detect"})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, a := range as {
		kinds = append(kinds, a.Kind)
		if a.Kind == "airtight.ransomware.inhibit_recovery" && (a.IncidentID == 0 || a.Technique != "T1490" || a.Severity != alert.Critical) {
			t.Errorf("alert = %+v", a)
		}
	}
	if !slices.Contains(kinds, "airtight.ransomware.inhibit_recovery") {
		t.Errorf("detect alerts = %v\n%s", kinds, s.errOut.String())
	}
	// The event rate for the dashboard was stored at stop.
	buckets, err := db.EventRates(actx, time.Now().Add(-24*time.Hour), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var syslogEvents int64
	for _, b := range buckets {
		syslogEvents += b.BySource["syslog"]
	}
	if syslogEvents != 1 {
		t.Errorf("stored syslog event rate = %d, want 1 (%+v)", syslogEvents, buckets)
	}
}
