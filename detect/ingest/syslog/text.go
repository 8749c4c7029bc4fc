package syslog

import (
	"regexp"
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// OpenSSH's log lines (auth.c, auth-pam.c).
var (
	sshdFailed  = regexp.MustCompile(`^Failed (\S+) for (invalid user )?(.*?) from (\S+) port (\d+)`)
	sshdInvalid = regexp.MustCompile(`^Invalid user (.*?) from (\S+?)(?: port (\d+))?$`)
	pamFailure  = regexp.MustCompile(`^pam_unix\((\w+):auth\): authentication failure;.*?rhost=(\S*)(?:\s+user=(\S+))?`)
)

// mapSSHD maps sshd logons: failed and accepted passwords or keys, invalid
// users and PAM authentication failures.
func mapSSHD(rec *record, e *detect.Event) bool {
	if rec.app != "sshd" {
		return false
	}
	msg := rec.msg
	if m := sshdFailed.FindStringSubmatch(msg); m != nil {
		sshLogon(e, false, m[3], m[4], m[5])
		e.Fields["auth_method"] = m[1]
		if m[2] != "" {
			e.Fields["invalid_user"] = "true"
		}
		return true
	}
	if method, user, ip, port, ok := acceptedLogon(msg); ok {
		sshLogon(e, true, user, ip, port)
		e.Fields["auth_method"] = method
		return true
	}
	if m := sshdInvalid.FindStringSubmatch(msg); m != nil {
		sshLogon(e, false, m[1], m[2], m[3])
		e.Fields["invalid_user"] = "true"
		return true
	}
	if m := pamFailure.FindStringSubmatch(msg); m != nil {
		sshLogon(e, false, m[3], m[2], "")
		e.Fields["auth_method"] = "pam"
		return true
	}
	return false
}

// acceptedLogon reads "Accepted METHOD for USER from IP port PORT ...",
// sshd's most frequent line, exactly as the regular expression
// `^Accepted (\S+) for (.*?) from (\S+) port (\d+)` would (FuzzAcceptedLogon
// holds it to that), at a fraction of its cost: the user is the shortest
// text, without a newline, after which the rest follows.
func acceptedLogon(msg string) (method, user, ip, port string, ok bool) {
	rest, ok := strings.CutPrefix(msg, "Accepted ")
	if !ok {
		return "", "", "", "", false
	}
	method, rest = nonSpace(rest)
	rest, ok = strings.CutPrefix(rest, " for ")
	if method == "" || !ok {
		return "", "", "", "", false
	}
	for off := 0; ; {
		i := strings.Index(rest[off:], " from ")
		if i < 0 || strings.IndexByte(rest[off:off+i], '\n') >= 0 {
			return "", "", "", "", false
		}
		j := off + i
		if ip, port, ok = fromPort(rest[j+len(" from "):]); ok {
			return method, rest[:j], ip, port, true
		}
		off = j + 1
	}
}

// fromPort reads "IP port PORT" after an sshd line's " from ".
func fromPort(s string) (ip, port string, ok bool) {
	ip, s = nonSpace(s)
	s, ok = strings.CutPrefix(s, " port ")
	if ip == "" || !ok {
		return "", "", false
	}
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return ip, s[:n], n > 0
}

// nonSpace splits s after its leading run of bytes that are not in
// regexp's \s ([\t\n\f\r ]).
func nonSpace(s string) (run, rest string) {
	i := 0
	for i < len(s) {
		switch s[i] {
		case '\t', '\n', '\f', '\r', ' ':
			return s[:i], s[i:]
		}
		i++
	}
	return s, ""
}

func sshLogon(e *detect.Event, ok bool, user, ip, port string) {
	e.Class = detect.ClassAuthentication
	e.Activity = "logon"
	e.Status = status(ok)
	e.App = "ssh"
	e.User = user
	e.Src.IP, e.Src.Port = feed.Addr(ip), feed.Port(port)
	e.Dst.Hostname = e.Host
}

// mapSudo maps "USER : TTY=pts/0 ; PWD=/x ; USER=root ; COMMAND=/bin/ls",
// with "user NOT in sudoers" (and other refusals) as failures.
func mapSudo(rec *record, e *detect.Event) bool {
	if rec.app != "sudo" {
		return false
	}
	user, rest, ok := strings.Cut(rec.msg, " : ")
	if !ok || !strings.Contains(rest, "COMMAND=") {
		return false
	}
	parts := strings.Split(rest, " ; ")
	refused := ""
	for _, part := range parts {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			refused = strings.TrimSpace(part)
			continue
		}
		e.Fields[k] = v
	}
	user = strings.TrimSpace(user)
	cmd := e.Fields["COMMAND"]
	prog, _, _ := strings.Cut(cmd, " ")
	e.Class = detect.ClassProcessActivity
	e.Activity = "launch"
	e.Status = status(refused == "")
	if refused != "" {
		e.Fields["reason"] = refused
	}
	e.User = user
	e.Process = &detect.Process{Path: prog, Name: feed.BaseName(prog), CommandLine: cmd, User: e.Fields["USER"]}
	return true
}

var suFailed = regexp.MustCompile(`^(?:'su (\S+)'|FAILED SU \(to (\S+)\)) (?:failed for )?(\S+)`)

// mapSu maps su failures ("'su root' failed for lonvick on /dev/pts/8").
func mapSu(rec *record, e *detect.Event) bool {
	if rec.app != "su" {
		return false
	}
	m := suFailed.FindStringSubmatch(rec.msg)
	if m == nil || !strings.Contains(strings.ToLower(rec.msg), "fail") {
		return false
	}
	e.Class = detect.ClassAuthentication
	e.Activity = "logon"
	e.Status = "failure"
	e.User = m[3]
	e.Fields["target_user"] = firstOf(m[1], m[2])
	return true
}

// mapAccounts maps shadow-utils account changes ("new user: name=apache,
// UID=48, ...") to log events with the account as user and its
// attributes in fields.
func mapAccounts(rec *record, e *detect.Event) bool {
	switch rec.app {
	case "useradd", "groupadd", "userdel", "groupdel", "usermod", "passwd", "chpasswd":
	default:
		return false
	}
	what, attrs, ok := strings.Cut(rec.msg, ": ")
	if !ok {
		return false
	}
	for _, kv := range strings.Split(attrs, ", ") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			e.Fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	e.Activity = strings.ReplaceAll(strings.TrimSpace(what), " ", "-") // "new-user", "new-group"
	e.User = e.Fields["name"]
	return true
}

// Firewall text: "DENY tcp 10.0.0.1:5151 -> 198.51.100.23:443 ..." and
// netfilter's "... SRC=a DST=b ... PROTO=TCP SPT=1 DPT=2".
var fwText = regexp.MustCompile(`(?i)^(DENY|DROP|BLOCK|REJECT|ALLOW|ACCEPT|PASS|PERMIT)\s+(\w+)\s+\[?([0-9a-fA-F.:]+?)\]?:(\d+)\s+->\s+\[?([0-9a-fA-F.:]+?)\]?:(\d+)`)

func mapFirewallText(rec *record, e *detect.Event) bool {
	if m := fwText.FindStringSubmatch(rec.msg); m != nil {
		firewallEvent(e, m[1], m[2], m[3], m[4], m[5], m[6])
		return true
	}
	if !strings.Contains(rec.msg, " SRC=") || !strings.Contains(rec.msg, " DST=") {
		return false
	}
	kv := map[string]string{}
	for _, w := range strings.Fields(rec.msg) {
		if k, v, ok := strings.Cut(w, "="); ok && k == strings.ToUpper(k) {
			kv[k] = v
		}
	}
	firewallEvent(e, netfilterAction(rec.msg), kv["PROTO"], kv["SRC"], kv["SPT"], kv["DST"], kv["DPT"])
	for k, v := range kv {
		e.Fields[k] = v
	}
	return true
}

// netfilterAction reads the verdict from a netfilter log prefix.
func netfilterAction(msg string) string {
	upper := strings.ToUpper(msg)
	for _, a := range []string{"DROP", "DENY", "REJECT", "BLOCK", "ACCEPT", "ALLOW"} {
		if strings.Contains(upper, a) {
			return a
		}
	}
	return ""
}

var hl7Text = regexp.MustCompile(`^(accepted|rejected) (\w+\^\w+) (\S+) from ([^@\s]+)@(\S+)`)

// mapHL7Text maps an interface engine's "accepted ORU^R01 MSG00002 from
// ANALYZER01@10.20.3.40" lines.
func mapHL7Text(rec *record, e *detect.Event) bool {
	m := hl7Text.FindStringSubmatch(rec.msg)
	if m == nil {
		return false
	}
	e.Class = detect.ClassHL7Activity
	e.App = "hl7"
	e.Activity = "receive"
	e.Status = status(m[1] == "accepted")
	e.Src.IP = feed.Addr(m[5])
	e.Dst.Hostname = rec.host
	e.HL7 = &detect.HL7{SendingApp: m[4], MessageType: m[2], ControlID: m[3]}
	return true
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" && v != "-" {
			return v
		}
	}
	return ""
}
