package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/airtight/airtight/dlp"
	"gopkg.in/yaml.v3"
)

// Limits on policy files: they come from administrators, but a policy is
// parsed by a long-running gateway and must not be able to exhaust it.
const (
	MaxFileBytes  = 1 << 20 // 1 MiB
	MaxRules      = 1000
	MaxListLength = 1000 // domains, hosts, types, channels per list
	maxNameLength = 100
)

// ErrInvalid is wrapped by every error about the content of a policy.
var ErrInvalid = errors.New("invalid policy")

// fileDoc is the YAML layout (see testdata/example.yaml).
type fileDoc struct {
	Version         int                    `yaml:"version"`
	InternalDomains []string               `yaml:"internal_domains"`
	Defaults        map[string]fileDefault `yaml:"defaults"`
	Rules           []fileRule             `yaml:"rules"`
}

type fileDefault struct {
	Action      string `yaml:"action"`
	Unscannable string `yaml:"unscannable"`
}

type fileRule struct {
	Name             string         `yaml:"name"`
	Description      string         `yaml:"description"`
	Channels         []string       `yaml:"channels"`
	Destination      string         `yaml:"destination"`
	RecipientDomains []string       `yaml:"recipient_domains"`
	Hosts            []string       `yaml:"hosts"`
	Types            []string       `yaml:"types"`
	Counts           map[string]int `yaml:"counts"`
	MinCount         int            `yaml:"min_count"`
	MinTotal         int            `yaml:"min_total"`
	Unscannable      *bool          `yaml:"unscannable"`
	Action           string         `yaml:"action"`
}

// Load reads and parses the policy file at path.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open policy: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse parses a policy document; name (usually the file path) prefixes
// errors, which name the line of the offending key or rule.
func Parse(name string, data []byte) (*Policy, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes: %w", name, MaxFileBytes, ErrInvalid)
	}
	var doc fileDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty policy: %w", name, ErrInvalid)
		}
		return nil, fmt.Errorf("%s: %s: %w", name, yamlMessage(err), ErrInvalid)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: more than one YAML document: %w", name, ErrInvalid)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", name, yamlMessage(err), ErrInvalid)
	}
	p, err := fromDoc(&doc, positions(&root))
	if err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	return p, nil
}

var notFoundRE = regexp.MustCompile(`field (\S+) not found in type \S+`)

// yamlMessage shortens yaml.v3 messages ("line 4: field foo not found in
// type policy.fileRule" → "line 4: unknown key foo").
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			msgs[i] = notFoundRE.ReplaceAllString(m, "unknown key $1")
		}
		return strings.Join(msgs, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// lines holds where things are in the file, for errors.
type lines struct {
	doc      int
	version  int
	internal int
	defaults map[string]int
	rules    []int
}

func positions(root *yaml.Node) lines {
	l := lines{defaults: map[string]int{}}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return l
	}
	m := root.Content[0]
	l.doc = m.Line
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch k.Value {
		case "version":
			l.version = k.Line
		case "internal_domains":
			l.internal = k.Line
		case "defaults":
			for j := 0; j+1 < len(v.Content); j += 2 {
				l.defaults[v.Content[j].Value] = v.Content[j].Line
			}
		case "rules":
			for _, r := range v.Content {
				l.rules = append(l.rules, r.Line)
			}
		}
	}
	return l
}

func at(line int) string { return fmt.Sprintf("%d: ", line) }

func fromDoc(doc *fileDoc, pos lines) (*Policy, error) {
	if doc.Version != 1 {
		return nil, fmt.Errorf("%sversion must be 1: %w", at(max(pos.version, pos.doc)), ErrInvalid)
	}
	if err := checkPatterns("internal_domains", doc.InternalDomains); err != nil {
		return nil, fmt.Errorf("%s%w", at(pos.internal), err)
	}
	defaults := make(map[dlp.Channel]ChannelDefault, len(doc.Defaults))
	for ch, d := range doc.Defaults {
		def, err := parseDefault(ch, d)
		if err != nil {
			return nil, fmt.Errorf("%s%w", at(pos.defaults[ch]), err)
		}
		defaults[dlp.Channel(ch)] = def
	}
	if len(doc.Rules) > MaxRules {
		return nil, fmt.Errorf("%smore than %d rules: %w", at(pos.doc), MaxRules, ErrInvalid)
	}
	rules := make([]Rule, len(doc.Rules))
	seen := make(map[string]bool, len(doc.Rules))
	for i, fr := range doc.Rules {
		line := 0
		if i < len(pos.rules) {
			line = pos.rules[i]
		}
		r := parseRule(fr)
		if err := checkRule(&r); err != nil {
			return nil, fmt.Errorf("%srule %d: %w", at(line), i+1, err)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("%srule %d: duplicate name %q: %w", at(line), i+1, r.Name, ErrInvalid)
		}
		seen[r.Name] = true
		r.Line = line
		rules[i] = r
	}
	p, err := New(doc.InternalDomains, defaults, rules)
	if err != nil {
		return nil, fmt.Errorf("%s%w", at(pos.doc), err)
	}
	return p, nil
}

func parseDefault(ch string, d fileDefault) (ChannelDefault, error) {
	if dlp.Channel(ch) != AnyChannel && !validChannel(dlp.Channel(ch)) {
		return ChannelDefault{}, fmt.Errorf("defaults: unknown channel %q: %w", ch, ErrInvalid)
	}
	def := ChannelDefault{Action: dlp.ActionLog, Unscannable: dlp.ActionBlock}
	if d.Action != "" {
		def.Action = dlp.Action(d.Action)
	}
	if d.Unscannable != "" {
		def.Unscannable = dlp.Action(d.Unscannable)
	}
	if !validAction(def.Action) || !validAction(def.Unscannable) {
		return ChannelDefault{}, fmt.Errorf("defaults %s: unknown action: %w", ch, ErrInvalid)
	}
	return def, nil
}

func parseRule(fr fileRule) Rule {
	r := Rule{
		Name:             fr.Name,
		Description:      fr.Description,
		Destination:      Direction(fr.Destination),
		RecipientDomains: fr.RecipientDomains,
		Hosts:            fr.Hosts,
		MinCount:         fr.MinCount,
		MinTotal:         fr.MinTotal,
		Unscannable:      fr.Unscannable,
		Action:           dlp.Action(fr.Action),
	}
	for _, c := range fr.Channels {
		r.Channels = append(r.Channels, dlp.Channel(c))
	}
	for _, t := range fr.Types {
		r.Types = append(r.Types, dlp.Type(t))
	}
	if fr.Counts != nil {
		r.Counts = make(map[dlp.Type]int, len(fr.Counts))
		for t, n := range fr.Counts {
			r.Counts[dlp.Type(t)] = n
		}
	}
	return r
}

// New builds a policy from parts, validating them as Parse does.
func New(internalDomains []string, defaults map[dlp.Channel]ChannelDefault, rules []Rule) (*Policy, error) {
	if err := checkPatterns("internal_domains", internalDomains); err != nil {
		return nil, err
	}
	p := &Policy{
		internal: lowerAll(internalDomains),
		defaults: make(map[dlp.Channel]ChannelDefault, len(defaults)),
		rules:    make([]Rule, 0, len(rules)),
	}
	for ch, d := range defaults {
		if ch != AnyChannel && !validChannel(ch) {
			return nil, fmt.Errorf("defaults: unknown channel %q: %w", ch, ErrInvalid)
		}
		if !validAction(d.Action) || !validAction(d.Unscannable) {
			return nil, fmt.Errorf("defaults %s: unknown action: %w", ch, ErrInvalid)
		}
		p.defaults[ch] = d
	}
	if len(rules) > MaxRules {
		return nil, fmt.Errorf("more than %d rules: %w", MaxRules, ErrInvalid)
	}
	seen := make(map[string]bool, len(rules))
	for i, r := range rules {
		if err := checkRule(&r); err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("rule %d: duplicate name %q: %w", i+1, r.Name, ErrInvalid)
		}
		seen[r.Name] = true
		r.RecipientDomains = lowerAll(r.RecipientDomains)
		r.Hosts = lowerAll(r.Hosts)
		if r.Destination == "" {
			r.Destination = AnyDestination
		}
		p.rules = append(p.rules, r)
	}
	return p, nil
}

func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	return out
}

var ruleNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]*$`)

func checkRule(r *Rule) error {
	if r.Name == "" {
		return fmt.Errorf("name is required: %w", ErrInvalid)
	}
	if len(r.Name) > maxNameLength || !ruleNameRE.MatchString(r.Name) {
		return fmt.Errorf("name must be letters, digits, space, '.', '_' or '-', at most %d: %w", maxNameLength, ErrInvalid)
	}
	if !validAction(r.Action) {
		return fmt.Errorf("%s: action must be one of allow, log, redact, secure, quarantine, block: %w", r.Name, ErrInvalid)
	}
	switch r.Destination {
	case "", AnyDestination, External, Internal:
	default:
		return fmt.Errorf("%s: destination must be external, internal or any: %w", r.Name, ErrInvalid)
	}
	if err := checkLists(r); err != nil {
		return fmt.Errorf("%s: %w", r.Name, err)
	}
	if r.MinCount < 0 || r.MinTotal < 0 {
		return fmt.Errorf("%s: min_count and min_total must not be negative: %w", r.Name, ErrInvalid)
	}
	return nil
}

func checkLists(r *Rule) error {
	if len(r.Channels) > MaxListLength || len(r.Types) > MaxListLength || len(r.Counts) > MaxListLength {
		return fmt.Errorf("list longer than %d: %w", MaxListLength, ErrInvalid)
	}
	for _, c := range r.Channels {
		if !validChannel(c) {
			return fmt.Errorf("unknown channel %q: %w", c, ErrInvalid)
		}
	}
	for _, t := range r.Types {
		if !validType(t) {
			return fmt.Errorf("unknown identifier type %q: %w", t, ErrInvalid)
		}
	}
	for t, n := range r.Counts {
		if !validType(t) {
			return fmt.Errorf("counts: unknown identifier type %q: %w", t, ErrInvalid)
		}
		if n < 1 {
			return fmt.Errorf("counts: %s must be at least 1: %w", t, ErrInvalid)
		}
	}
	if err := checkPatterns("recipient_domains", r.RecipientDomains); err != nil {
		return err
	}
	return checkPatterns("hosts", r.Hosts)
}

var domainRE = regexp.MustCompile(`^(\*|(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*)$`)

func checkPatterns(key string, pats []string) error {
	if len(pats) > MaxListLength {
		return fmt.Errorf("%s: more than %d patterns: %w", key, MaxListLength, ErrInvalid)
	}
	for _, p := range pats {
		if len(p) > 253 || !domainRE.MatchString(p) {
			return fmt.Errorf("%s: %q is not a domain or *.domain pattern: %w", key, p, ErrInvalid)
		}
	}
	return nil
}
