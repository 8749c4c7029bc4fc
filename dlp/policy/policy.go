// Package policy decides what happens to content in which PHI was found: a
// YAML file maps identifier types and counts, channels, destinations and
// unscannable content to actions (allow, log, redact, secure, quarantine,
// block). Rules are ordered; the first that matches decides, and a default
// per channel decides when none does.
//
// Decisions carry types and counts and a safe sentence, never the values
// that were found.
//
// The file format, with every key explained, is testdata/example.yaml:
//
//	version: 1
//	internal_domains: [hospital.example, "*.hospital.example"]
//	defaults:
//	  smtp: {action: log, unscannable: block}
//	  "*":  {action: log, unscannable: log}
//	rules:
//	  - name: ssn-external
//	    channels: [smtp, icap]
//	    destination: external
//	    counts: {SSN: 1}
//	    action: block
//
// Parsing is strict: an unknown key, type, channel or action is an error
// that names the file and line. Default returns the built-in policy
// (default.yaml) used when none is configured.
package policy

import (
	"slices"
	"strings"

	"github.com/airtight/airtight/dlp"
)

// Direction restricts a rule to destinations inside or outside the
// organization.
type Direction string

// Directions.
const (
	AnyDestination Direction = "any"
	External       Direction = "external"
	Internal       Direction = "internal"
)

// Rule is one ordered policy rule. Zero-valued conditions do not restrict.
type Rule struct {
	Name             string
	Description      string
	Channels         []dlp.Channel
	Destination      Direction
	RecipientDomains []string // domain patterns (see MatchDomain)
	Hosts            []string // domain patterns
	Types            []dlp.Type
	Counts           map[dlp.Type]int
	MinCount         int
	MinTotal         int
	Unscannable      *bool
	Action           dlp.Action
	Line             int // line of the rule in its policy file; 0 when built in code
}

// ChannelDefault is what a channel does when no rule matches.
type ChannelDefault struct {
	Action      dlp.Action // content scanned completely
	Unscannable dlp.Action // content with unscannable parts
}

// AnyChannel is the key of the fallback default.
const AnyChannel dlp.Channel = "*"

// Policy is a validated, immutable policy, safe for concurrent use.
type Policy struct {
	internal []string
	defaults map[dlp.Channel]ChannelDefault
	rules    []Rule
}

// Rules returns a copy of the rules in order.
func (p *Policy) Rules() []Rule { return slices.Clone(p.rules) }

// InternalDomains returns the internal domain patterns.
func (p *Policy) InternalDomains() []string { return slices.Clone(p.internal) }

// IsInternal reports whether domain (or a mail address, whose domain is
// used) belongs to the organization.
func (p *Policy) IsInternal(domainOrAddress string) bool {
	d := Domain(domainOrAddress)
	if d == "" {
		return false
	}
	for _, pat := range p.internal {
		if MatchDomain(pat, d) {
			return true
		}
	}
	return false
}

// Destination builds a Destination for ch, computing External from the
// internal domains: true when any recipient, or the host, is outside.
func (p *Policy) Destination(ch dlp.Channel, sender string, recipients []string, host string) dlp.Destination {
	d := dlp.Destination{Channel: ch, Sender: sender, Recipients: recipients, Host: host}
	for _, r := range recipients {
		if !p.IsInternal(r) {
			d.External = true
		}
	}
	if host != "" && !p.IsInternal(host) {
		d.External = true
	}
	return d
}

// Domain returns the lowercased domain of a mail address ("a@B.org" →
// "b.org"), or of a host name with an optional port and trailing dot.
// Angle brackets around an address are removed.
func Domain(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	} else if h, _, ok := splitHostPort(s); ok {
		s = h
	}
	return strings.TrimSuffix(strings.ToLower(s), ".")
}

// splitHostPort splits "host:port" (not IPv6 literals without brackets).
func splitHostPort(s string) (string, string, bool) {
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]"); i > 0 {
			return s[1:i], strings.TrimPrefix(s[i+1:], ":"), true
		}
		return s, "", false
	}
	if strings.Count(s, ":") != 1 {
		return s, "", false
	}
	i := strings.IndexByte(s, ':')
	return s[:i], s[i+1:], true
}

// MatchDomain reports whether domain matches pattern: "example.org"
// matches that domain only, "*.example.org" every subdomain of it (not
// example.org itself), "*" every domain. Case-insensitive.
func MatchDomain(pattern, domain string) bool {
	pattern = strings.ToLower(pattern)
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	switch {
	case pattern == "*":
		return domain != ""
	case strings.HasPrefix(pattern, "*."):
		return strings.HasSuffix(domain, pattern[1:]) && len(domain) > len(pattern)-1
	default:
		return pattern == domain
	}
}

// Strength orders actions from allow (0) to block (5); unknown actions are
// treated as the strongest, so a mistake never weakens a verdict.
func Strength(a dlp.Action) int {
	switch a {
	case dlp.ActionAllow:
		return 0
	case dlp.ActionLog:
		return 1
	case dlp.ActionRedact:
		return 2
	case dlp.ActionSecure:
		return 3
	case dlp.ActionQuarantine:
		return 4
	default:
		return 5
	}
}

// Stronger returns the stronger of two actions.
func Stronger(a, b dlp.Action) dlp.Action {
	if Strength(b) > Strength(a) {
		return b
	}
	return a
}

func validAction(a dlp.Action) bool {
	switch a {
	case dlp.ActionAllow, dlp.ActionLog, dlp.ActionRedact, dlp.ActionSecure, dlp.ActionQuarantine, dlp.ActionBlock:
		return true
	}
	return false
}

func validChannel(c dlp.Channel) bool {
	switch c {
	case dlp.ChannelSMTP, dlp.ChannelICAP, dlp.ChannelAPI, dlp.ChannelFolder, dlp.ChannelCLI:
		return true
	}
	return false
}

func validType(t dlp.Type) bool { return slices.Contains(dlp.Types, t) }
