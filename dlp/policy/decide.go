package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/airtight/airtight/dlp"
)

// Decide returns the verdict of the first rule that matches report sent to
// dst, or the channel's default. A nil report is treated as unscannable
// content: the caller could not scan it.
func (p *Policy) Decide(report *dlp.Report, dst dlp.Destination) dlp.Decision {
	if report == nil {
		report = &dlp.Report{Unscannable: []dlp.Unscannable{{Reason: "content was not scanned"}}}
	}
	counts := report.Counts()
	for i := range p.rules {
		r := &p.rules[i]
		if r.matches(report, counts, dst) {
			return dlp.Decision{
				Action: r.Action,
				Rule:   r.Name,
				Reason: reason(report, counts, dst, fmt.Sprintf("rule '%s'", r.Name)),
				Types:  counts,
			}
		}
	}
	def := p.defaultFor(dst.Channel)
	act := def.Action
	if len(report.Unscannable) > 0 {
		act = def.Unscannable
	}
	return dlp.Decision{
		Action: act,
		Rule:   "default",
		Reason: reason(report, counts, dst, fmt.Sprintf("default for %s", channelName(dst.Channel))),
		Types:  counts,
	}
}

func (p *Policy) defaultFor(ch dlp.Channel) ChannelDefault {
	if d, ok := p.defaults[ch]; ok {
		return d
	}
	if d, ok := p.defaults[AnyChannel]; ok {
		return d
	}
	return ChannelDefault{Action: dlp.ActionLog, Unscannable: dlp.ActionBlock}
}

func channelName(ch dlp.Channel) string {
	if ch == "" {
		return "unknown channel"
	}
	return string(ch)
}

// matches reports whether every condition of r holds.
func (r *Rule) matches(rep *dlp.Report, counts map[dlp.Type]int, dst dlp.Destination) bool {
	if len(r.Channels) > 0 && !slices.Contains(r.Channels, dst.Channel) {
		return false
	}
	switch r.Destination {
	case External:
		if !dst.External {
			return false
		}
	case Internal:
		if dst.External {
			return false
		}
	}
	if len(r.RecipientDomains) > 0 && !anyDomain(r.RecipientDomains, dst.Recipients) {
		return false
	}
	if len(r.Hosts) > 0 && !anyDomain(r.Hosts, []string{dst.Host}) {
		return false
	}
	if r.Unscannable != nil && *r.Unscannable != (len(rep.Unscannable) > 0) {
		return false
	}
	return r.countsHold(counts)
}

func anyDomain(patterns, addrs []string) bool {
	for _, a := range addrs {
		d := Domain(a)
		if d == "" {
			continue
		}
		for _, p := range patterns {
			if MatchDomain(p, d) {
				return true
			}
		}
	}
	return false
}

// countsHold evaluates the count conditions (all stated ones must hold).
func (r *Rule) countsHold(counts map[dlp.Type]int) bool {
	minTotal := r.MinTotal
	if len(r.Counts) == 0 && r.MinCount == 0 && minTotal == 0 {
		if len(r.Types) == 0 {
			return true // no findings condition
		}
		minTotal = 1
	}
	if len(r.Counts) > 0 && !anyCountReached(r.Counts, counts) {
		return false
	}
	total, maxOne := 0, 0
	for t, n := range counts {
		if len(r.Types) > 0 && !slices.Contains(r.Types, t) {
			continue
		}
		total += n
		maxOne = max(maxOne, n)
	}
	if r.MinCount > 0 && maxOne < r.MinCount {
		return false
	}
	return minTotal == 0 || total >= minTotal
}

func anyCountReached(want, have map[dlp.Type]int) bool {
	for t, n := range want {
		if have[t] >= n {
			return true
		}
	}
	return false
}

// reason builds the safe sentence of a decision: counts per type, the
// unscannable reasons, the destination and what decided.
func reason(rep *dlp.Report, counts map[dlp.Type]int, dst dlp.Destination, by string) string {
	var parts []string
	if s := FormatCounts(counts); s != "" {
		parts = append(parts, s)
	} else {
		parts = append(parts, "no identifiers")
	}
	if n := len(rep.Unscannable); n > 0 {
		parts = append(parts, unscannablePhrase(rep.Unscannable))
	}
	return fmt.Sprintf("%s %s: %s", strings.Join(parts, " and "), destinationPhrase(dst), by)
}

// FormatCounts renders counts as "3 NAME, 1 SSN": largest first, then by
// type name. Empty for no findings.
func FormatCounts(counts map[dlp.Type]int) string {
	type tc struct {
		t dlp.Type
		n int
	}
	list := make([]tc, 0, len(counts))
	for t, n := range counts {
		if n > 0 {
			list = append(list, tc{t, n})
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].n != list[j].n {
			return list[i].n > list[j].n
		}
		return list[i].t < list[j].t
	})
	s := make([]string, len(list))
	for i, x := range list {
		s[i] = fmt.Sprintf("%d %s", x.n, x.t)
	}
	return strings.Join(s, ", ")
}

// unscannablePhrase names how many parts could not be scanned and up to
// three distinct reasons (safe text by contract); part names are left out
// because file names can carry patient names.
func unscannablePhrase(us []dlp.Unscannable) string {
	var reasons []string
	for _, u := range us {
		if u.Reason != "" && !slices.Contains(reasons, u.Reason) && len(reasons) < 3 {
			reasons = append(reasons, u.Reason)
		}
	}
	noun := "part"
	if len(us) != 1 {
		noun = "parts"
	}
	s := fmt.Sprintf("%d unscannable %s", len(us), noun)
	if len(reasons) > 0 {
		s += " (" + strings.Join(reasons, "; ") + ")"
	}
	return s
}

func destinationPhrase(dst dlp.Destination) string {
	where := "an internal"
	if dst.External {
		where = "an external"
	}
	switch dst.Channel {
	case dlp.ChannelSMTP:
		return "to " + where + " recipient"
	case dlp.ChannelICAP:
		return "to " + where + " web host"
	case "":
		return "to " + where + " destination"
	default:
		return fmt.Sprintf("via %s to %s destination", dst.Channel, where)
	}
}
