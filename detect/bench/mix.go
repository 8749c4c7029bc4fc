// Package bench measures detection end to end: raw log lines normalised
// to detect.Event by the ingest parsers, then run through the compiled
// Sigma engine with the shared SigmaHQ subset loaded. Baseline in the same
// run: normalisation alone.
//
// Lines, the benchmark's input, is exported so that the engine's tests can
// check their fast paths on exactly the events measured here.
package bench

import (
	"fmt"
	"time"
)

// Lines returns n forwarded log lines, a realistic mix from a hospital
// network: Windows process creation and logons (RFC 5424 with structured
// data), sshd on Linux appliances, and RFC 3164 lines from network gear.
// The same n gives the same lines.
func Lines(n int) [][]byte {
	base := time.Date(2026, 11, 14, 8, 0, 0, 0, time.UTC)
	tmpl := []string{
		`<14>1 %s ws-ward-%02d.hosp.example Microsoft-Windows-Security-Auditing - 4688 [win@32473 NewProcessName="C:\\Program Files\\EpicCare\\epic%d.exe" CommandLine="epic.exe --profile ward%d" ParentProcessName="C:\\Windows\\explorer.exe"] A new process has been created.`,
		`<14>1 %s ws-ward-%02d.hosp.example Microsoft-Windows-Security-Auditing - 4624 [win@32473 TargetUserName="nurse%03d" IpAddress="10.20.%d.17" LogonType="3"] An account was successfully logged on.`,
		`<38>1 %s lab-gw-%02d sshd 2211 - - Accepted publickey for svc%03d from 10.20.%d.40 port 52211 ssh2`,
		`<86>%s core-sw-%02d dhcpd: DHCPACK on 10.20.%d.%d to 02:00:0a:14:01:15 via eth1`,
	}
	out := make([][]byte, n)
	for i := range out {
		t := base.Add(time.Duration(i) * time.Second)
		switch k := i % len(tmpl); k {
		case 3:
			out[i] = fmt.Appendf(nil, tmpl[k], t.Format(time.Stamp), i%50, i%200, i%250)
		default:
			out[i] = fmt.Appendf(nil, tmpl[k], t.Format(time.RFC3339Nano), i%50, i%500, i%200)
		}
	}
	return out
}
