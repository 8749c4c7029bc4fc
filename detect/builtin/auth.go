package builtin

import (
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/correlate"
)

// Rule ids of the authentication detections.
const (
	RuleBruteForce        = "airtight.auth.brute_force"
	RulePasswordSpray     = "airtight.auth.password_spray"
	RuleBruteForceSuccess = "airtight.auth.brute_force_success"
)

var bruteForceRule = rule{
	id: RuleBruteForce, title: "Many failed logons: password guessing",
	severity: sevHigh, attack: []string{"T1110.001"},
	summary: "There were many failed logons for one account, or from one computer, within minutes. Someone or " +
		"something is guessing passwords. Shared clinical and vendor accounts with weak passwords are the usual " +
		"target.",
	action: "Find the computer at the source address and check whether it belongs to a user who forgot a " +
		"password or to a misconfigured service. If neither, block it and reset the password of the account " +
		"named here; make sure that account has a strong password or is locked after failures.",
}

var sprayRule = rule{
	id: RulePasswordSpray, title: "Failed logons to many accounts from one computer: password spraying",
	severity: sevHigh, attack: []string{"T1110.003"},
	summary: "One computer failed to log on as many different accounts within minutes. Attackers try one or two " +
		"common passwords against every account, to stay below lockout limits.",
	action: "Block the source computer from the network and check it for malware. Ask users of the accounts " +
		"tried to change weak passwords, and turn on lockout or multi-factor authentication where possible.",
}

var bfSuccessRule = rule{
	id: RuleBruteForceSuccess, title: "Successful logon right after password guessing",
	severity: sevCritical, attack: []string{"T1110", "T1078"},
	summary: "A logon succeeded from a computer, or for an account, that had just failed many times. The " +
		"password was probably guessed, and someone now has access with that account.",
	action: "Disable or reset the account named here now, end its sessions, and block the source computer. " +
		"Review what the account did after the logon.",
}

// authDetector counts failed logons per account and per source, distinct
// accounts per source, and a success that follows brute force.
type authDetector struct {
	cfg     Config
	byUser  *correlate.Counter[string]
	bySrc   *correlate.Counter[string]
	users   *correlate.Distinct[string, string]
	success *correlate.Sequence[string]
}

func newAuth(cfg Config) (*authDetector, error) {
	byUser, err := correlate.NewCounter[string](correlate.CounterConfig{Window: cfg.FailureWindow, Threshold: cfg.UserFailures, MaxKeys: cfg.MaxKeys})
	if err != nil {
		return nil, err
	}
	bySrc, err := correlate.NewCounter[string](correlate.CounterConfig{Window: cfg.FailureWindow, Threshold: cfg.SourceFailures, MaxKeys: cfg.MaxKeys})
	if err != nil {
		return nil, err
	}
	users, err := correlate.NewDistinct[string, string](correlate.DistinctConfig{Window: cfg.SprayWindow, Threshold: cfg.SprayUsers, MaxKeys: cfg.MaxKeys})
	if err != nil {
		return nil, err
	}
	success, err := correlate.NewSequence[string](correlate.SequenceConfig{Steps: 2, Within: cfg.SuccessWithin, MaxKeys: cfg.MaxKeys})
	if err != nil {
		return nil, err
	}
	return &authDetector{cfg: cfg, byUser: byUser, bySrc: bySrc, users: users, success: success}, nil
}

// outcome reads a logon outcome: "failure", "success" or "" for events
// that are not logons. Windows logon events are recognised by id when an
// input left them unclassified.
func outcome(e *detect.Event) string {
	if e.Class == detect.ClassAuthentication {
		return e.Status
	}
	switch e.Fields["EventID"] {
	case "4625", "4771":
		return "failure"
	case "4624":
		return "success"
	}
	return ""
}

// sourceKey names where a logon came from: the address, else the
// workstation name; empty when unknown (local logons).
func sourceKey(e *detect.Event) string {
	if e.Src.IP.IsValid() && !e.Src.IP.IsUnspecified() && !e.Src.IP.IsLoopback() {
		return e.Src.IP.Unmap().String()
	}
	if ip := e.Fields["IpAddress"]; ip != "" && ip != "-" && ip != "::1" && ip != "127.0.0.1" {
		return clip(ip, 64)
	}
	return strings.ToLower(e.Src.Hostname)
}

// account names the target account, lowercase; Windows domains are kept.
func account(e *detect.Event) string {
	u := e.User
	if u == "" {
		u = e.Fields["TargetUserName"]
	}
	return strings.ToLower(clip(strings.TrimSpace(u), 128))
}

func (d *authDetector) Observe(e *detect.Event, emit func(*detect.Detection)) {
	switch outcome(e) {
	case "failure":
		d.failure(e, emit)
	case "success":
		d.succeeded(e, emit)
	}
}

func (d *authDetector) failure(e *detect.Event, emit func(*detect.Detection)) {
	src, user := sourceKey(e), account(e)
	if user != "" {
		if n, crossed := d.byUser.Add(user, e.Time); crossed {
			d.success.Step("u|"+user, 0, e.Time)
			sub, id := d.target(e)
			emit(bruteForceRule.detection(e, sub, id, "user|"+user, d.evidence(e, src, user, n, "account")))
		}
	}
	if src == "" {
		return
	}
	spray := 0
	if user != "" {
		var crossed bool
		if spray, crossed = d.users.Add(src, user, e.Time); crossed {
			d.success.Step("s|"+src, 0, e.Time)
			sub, id := d.source(e, src)
			ev := d.evidence(e, src, "", spray, "source")
			ev["distinct_accounts"], ev["sample_accounts"] = spray, d.users.Values(nil, src, 5)
			emit(sprayRule.detection(e, sub, id, "source|"+src, ev))
		}
	}
	if n, crossed := d.bySrc.Add(src, e.Time); crossed {
		d.success.Step("s|"+src, 0, e.Time)
		if spray >= d.cfg.SprayUsers {
			return // the spraying alert covers it
		}
		sub, id := d.source(e, src)
		emit(bruteForceRule.detection(e, sub, id, "source|"+src, d.evidence(e, src, user, n, "source")))
	}
}

func (d *authDetector) succeeded(e *detect.Event, emit func(*detect.Detection)) {
	src, user := sourceKey(e), account(e)
	var via string
	switch {
	case src != "" && d.success.Step("s|"+src, 1, e.Time):
		via = "source"
	case user != "" && d.success.Step("u|"+user, 1, e.Time):
		via = "account"
	default:
		return
	}
	sub, id := d.target(e)
	ev := d.evidence(e, src, user, 0, via)
	delete(ev, "failures")
	emit(bfSuccessRule.detection(e, sub, id, user+"|"+src, ev))
}

// target is the system logged on to: the host that logged the event, or
// the destination.
func (d *authDetector) target(e *detect.Event) (string, int64) {
	if e.Dst.DeviceID > 0 || e.Host == "" && e.Dst.IP.IsValid() {
		return subject(e.Dst)
	}
	if e.Host != "" {
		return e.Host, 0
	}
	return subject(e.Src)
}

// source is the computer failing to log on.
func (d *authDetector) source(e *detect.Event, key string) (string, int64) {
	if e.Src.IP.IsValid() || e.Src.DeviceID > 0 {
		return subject(e.Src)
	}
	return key, 0
}

func (d *authDetector) evidence(e *detect.Event, src, user string, n int, by string) map[string]any {
	ev := map[string]any{"counted_by": by, "window": d.cfg.FailureWindow.String()}
	if n > 0 {
		ev["failures"] = n
	}
	if src != "" {
		ev["source"] = src
	}
	if user != "" {
		ev["account"] = user
	}
	if e.Host != "" {
		ev["logged_by"] = clip(e.Host, 128)
	}
	if e.Product != "" {
		ev["product"] = clip(e.Product, 64)
	}
	return ev
}
