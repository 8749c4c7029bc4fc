package builtin

import (
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/correlate"
)

// Rule ids of the SMB detections.
const (
	RuleSMBSpread       = "airtight.smb.worm_spread"
	RuleSMBExploit      = "airtight.smb.exploit"
	RuleSMBv1           = "airtight.smb.smbv1"
	RuleSMBToolTransfer = "airtight.smb.tool_transfer"
)

var smbSpreadRule = rule{
	id: RuleSMBSpread, title: "One computer is contacting many others over Windows file sharing (SMB)",
	severity: sevHigh, attack: []string{"T1046"},
	summary: "A single device reached many different computers on the Windows file-sharing ports (445/139) " +
		"within minutes. That is how network worms such as WannaCry and NotPetya look for their next victims, " +
		"and how attackers map a network before spreading ransomware. Medical devices running old Windows are " +
		"often the first to be hit.",
	action: "Disconnect the source device from the network now (unplug it or move it to a quarantine VLAN), " +
		"unless it is a scanner or backup server you know about; then add that to the allowed list. Check the " +
		"devices it reached for infection, and make sure they have the MS17-010 patch or SMBv1 disabled.",
}

var smbExploitRule = rule{
	id: RuleSMBExploit, title: "Attack on a Windows file-sharing (SMB) flaw",
	severity: sevCritical, attack: []string{"T1210"},
	summary: "Network traffic matched the pattern of an exploit against a known SMB flaw (EternalBlue/" +
		"DoublePulsar, used by WannaCry and NotPetya, or SMBGhost). Such an attack takes full control of the " +
		"target without a password.",
	action: "Isolate the source device and the targeted device from the network now. Treat the target as " +
		"compromised: have it checked and restored before it goes back into use, and patch every device with the " +
		"same software (MS17-010, CVE-2020-0796).",
}

var smbv1Rule = rule{
	id: RuleSMBv1, title: "Device uses the obsolete SMBv1 file-sharing protocol",
	severity: sevLow, attack: []string{"T1210"},
	summary: "This device speaks SMBv1, the 1990s version of Windows file sharing that WannaCry spread " +
		"through. Microsoft disabled it by default in 2017; devices that still need it are exposed to worms if " +
		"they are not patched.",
	action: "Ask the device's vendor whether SMBv1 can be turned off or the device updated. Until then, keep " +
		"it on a segment where only the systems it must share files with can reach it.",
}

var smbToolRule = rule{
	id: RuleSMBToolTransfer, title: "Program copied to another computer's administrative share",
	severity: sevHigh, attack: []string{"T1570", "T1021.002"},
	summary: "A program file was written to an administrative share (such as ADMIN$ or C$) of another " +
		"computer. Remote administration tools do this, and so do attackers and worms copying their tools " +
		"before running them (PsExec-style lateral movement).",
	action: "Check with IT whether someone was installing software on that computer right now. If not, isolate " +
		"both computers and reset the password of the account that was used.",
}

// smbExploits names the SMB anomalies of known exploits.
var smbExploits = map[string]string{
	"trans2-session-setup":  "EternalBlue/DoublePulsar (MS17-010): TRANS2 SESSION_SETUP",
	"oversized-fea-list":    "EternalBlue (MS17-010): oversized FEA list",
	"compression-transform": "SMBGhost (CVE-2020-0796): compression transform header",
}

// executableExts are file extensions of programs and scripts.
var executableExts = map[string]bool{
	".exe": true, ".dll": true, ".sys": true, ".bat": true, ".cmd": true, ".ps1": true, ".vbs": true,
	".js": true, ".scr": true, ".msi": true, ".hta": true, ".com": true,
}

// smbSource is what the SMB detector remembers about a source.
type smbSource struct {
	exploit string // the last exploit pattern seen from it
	tool    bool   // it copied a program to an admin share
}

// smbDetector raises the SMB detections: fan-out to many hosts (worm
// spread, scanning), exploit patterns, SMBv1 use and tool transfer. One
// detector for the four, so that a spread alert can say whether the same
// source also exploited or copied tools.
type smbDetector struct {
	cfg     Config
	fanout  *correlate.Distinct[netip.Addr, netip.Addr]
	sources *correlate.Table[netip.Addr, smbSource]
	once    *throttle
}

func newSMB(cfg Config) (*smbDetector, error) {
	fan, err := correlate.NewDistinct[netip.Addr, netip.Addr](correlate.DistinctConfig{
		Window: cfg.SMBWindow, Threshold: cfg.SMBFanout, MaxKeys: cfg.MaxKeys, MaxValues: 2 * cfg.SMBFanout,
	})
	if err != nil {
		return nil, err
	}
	return &smbDetector{
		cfg: cfg, fanout: fan,
		sources: correlate.NewTable[netip.Addr, smbSource](cfg.MaxKeys, 24*time.Hour),
		once:    newThrottle(cfg.Reemit, cfg.MaxKeys),
	}, nil
}

func (d *smbDetector) Observe(e *detect.Event, emit func(*detect.Detection)) {
	if isSMBPort(e.Dst.Port) && e.Protocol != "udp" {
		d.spread(e, emit)
	}
	if e.SMB == nil {
		return
	}
	d.exploit(e, emit)
	d.smbv1(e, emit)
	d.toolTransfer(e, emit)
}

func isSMBPort(p uint16) bool { return p == 445 || p == 139 }

// spread counts the distinct hosts a source reaches on 445/139, from flows,
// connection logs and SMB events alike; attempts count as much as
// successes, since scanning mostly fails.
func (d *smbDetector) spread(e *detect.Event, emit func(*detect.Detection)) {
	src, dst := e.Src.IP.Unmap(), e.Dst.IP.Unmap()
	if !src.IsValid() || !dst.IsValid() || src == dst || inPrefixes(src, d.cfg.IgnoreFanout) {
		return
	}
	n, crossed := d.fanout.Add(src, dst, e.Time)
	if !crossed {
		return
	}
	r := smbSpreadRule
	ev := map[string]any{
		"source_ip": src.String(), "distinct_hosts": n, "window": d.cfg.SMBWindow.String(),
		"port": int(e.Dst.Port), "sample_hosts": addrStrings(d.fanout.Values(nil, src, 5)),
	}
	if s, ok := d.sources.Peek(src); ok {
		if s.exploit != "" {
			r.severity, r.attack = sevCritical, append(r.attack, "T1210")
			ev["exploit"] = s.exploit
		}
		if s.tool {
			r.attack = append(r.attack, "T1570")
			ev["tool_transfer"] = true
		}
	}
	sub, id := subject(e.Src)
	emit(r.detection(e, sub, id, sub, ev))
}

func (d *smbDetector) exploit(e *detect.Event, emit func(*detect.Detection)) {
	anomaly := strings.ToLower(e.SMB.Anomaly)
	if anomaly == "" && strings.EqualFold(e.SMB.Command, "TRANS2") && strings.EqualFold(e.SMB.Subcommand, "SESSION_SETUP") {
		anomaly = "trans2-session-setup"
	}
	if anomaly == "" {
		return
	}
	what, known := smbExploits[anomaly]
	if !known {
		what = "unrecognised SMB protocol anomaly"
	}
	if src := e.Src.IP.Unmap(); src.IsValid() {
		s, _ := d.sources.Get(src, e.Time)
		s.exploit = what
	}
	r := smbExploitRule
	if !known {
		r.severity = sevHigh
	}
	sub, id := subject(e.Src)
	if !d.once.allow(RuleSMBExploit+sub+anomaly, e.Time) {
		return
	}
	ev := map[string]any{"anomaly": anomaly, "pattern": what, "smb_command": e.SMB.Command}
	addTarget(ev, e.Dst)
	emit(r.detection(e, sub, id, sub+"|"+anomaly, ev))
}

// smbv1 reports a device that uses SMBv1. A client's multi-protocol
// NEGOTIATE, written in SMBv1 but offering SMB 2 dialects, is not SMBv1
// use; anything else in SMBv1 is. The subject is the server side (the
// endpoint on 445/139), the one a worm would exploit.
func (d *smbDetector) smbv1(e *detect.Event, emit func(*detect.Detection)) {
	if e.SMB.Version != 1 || offersSMB2(e.SMB) {
		return
	}
	ep, peer := e.Src, e.Dst
	if isSMBPort(e.Dst.Port) || !isSMBPort(e.Src.Port) {
		ep, peer = e.Dst, e.Src
	}
	sub, id := subject(ep)
	if sub == "" || !d.once.allow(RuleSMBv1+sub, e.Time) {
		return
	}
	r := smbv1Rule
	if ref, ok := lookup(d.cfg.Directory, ep); ok && ref.Clinical() {
		r.severity = sevMedium
	}
	ev := map[string]any{"smb_command": e.SMB.Command, "dialects": bounded(e.SMB.Dialects, 8)}
	if peer.IP.IsValid() {
		ev["peer_ip"] = peer.IP.Unmap().String()
	}
	emit(r.detection(e, sub, id, sub, ev))
}

// offersSMB2 reports a NEGOTIATE that offers SMB 2 or later dialects.
func offersSMB2(s *detect.SMB) bool {
	if !strings.EqualFold(s.Command, "NEGOTIATE") {
		return false
	}
	for _, d := range s.Dialects {
		if strings.HasPrefix(d, "SMB 2") || strings.HasPrefix(d, "2.") || strings.HasPrefix(d, "3.") {
			return true
		}
	}
	return false
}

// toolTransfer reports a program written to an administrative share.
func (d *smbDetector) toolTransfer(e *detect.Event, emit func(*detect.Detection)) {
	cmd := strings.ToUpper(e.SMB.Command)
	if !strings.Contains(cmd, "WRITE") && !strings.Contains(cmd, "CREATE") {
		return
	}
	if !isAdminShare(e.SMB.Share) {
		return
	}
	file := strings.ReplaceAll(e.SMB.File, `\`, "/")
	ext := strings.ToLower(path.Ext(file))
	if !executableExts[ext] {
		return
	}
	if src := e.Src.IP.Unmap(); src.IsValid() {
		s, _ := d.sources.Get(src, e.Time)
		s.tool = true
	}
	sub, id := subject(e.Src)
	if !d.once.allow(RuleSMBToolTransfer+sub+e.Dst.IP.String(), e.Time) {
		return
	}
	ev := map[string]any{"share": shareName(e.SMB.Share), "file_name": clip(path.Base(file), 64), "extension": ext}
	addTarget(ev, e.Dst)
	emit(smbToolRule.detection(e, sub, id, sub+"|"+e.Dst.IP.String(), ev))
}

// isAdminShare reports ADMIN$ and the hidden drive shares (C$, D$, …),
// given as a name or a UNC path.
func isAdminShare(s string) bool {
	name := strings.ToUpper(shareName(s))
	return name == "ADMIN$" || len(name) == 2 && name[1] == '$' && name[0] >= 'A' && name[0] <= 'Z'
}

func shareName(s string) string {
	s = strings.TrimRight(strings.ReplaceAll(s, `\`, "/"), "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func addTarget(ev map[string]any, ep detect.Endpoint) {
	if ep.IP.IsValid() {
		ev["target_ip"] = ep.IP.Unmap().String()
	}
	if ep.DeviceID > 0 {
		ev["target_device"] = ep.DeviceID
	}
}

func addrStrings(as []netip.Addr) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return out
}

// bounded copies at most n strings of at most 64 bytes.
func bounded(ss []string, n int) []string {
	out := make([]string, 0, min(len(ss), n))
	for _, s := range ss[:min(len(ss), n)] {
		out = append(out, clip(s, 64))
	}
	return out
}

// clip cuts s to at most n bytes.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
