package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Limits bound what the parser accepts from rule files.
type Limits struct {
	MaxFileBytes      int64 // size of one rule file
	MaxRules          int   // rules loaded in all
	MaxDocuments      int   // YAML documents in one file
	MaxNodes          int   // YAML nodes in one document
	MaxConditionDepth int   // nesting of not/parentheses in a condition
	MaxConditionLen   int   // bytes of one condition
	MaxValues         int   // values (after expansion) in one rule
	MaxVariants       int   // variants one value may expand to (windash, expand)
	MaxRegexLen       int   // bytes of one regular expression
	MaxRegexInsts     int   // compiled size of one regular expression
}

// DefaultLimits are generous for real rule sets and small enough to keep a
// hostile file from exhausting memory.
func DefaultLimits() Limits {
	return Limits{
		MaxFileBytes:      1 << 20,
		MaxRules:          20000,
		MaxDocuments:      256,
		MaxNodes:          50000,
		MaxConditionDepth: 32,
		MaxConditionLen:   4096,
		MaxValues:         20000,
		MaxVariants:       1024,
		MaxRegexLen:       4096,
		MaxRegexInsts:     20000,
	}
}

// Config says how rules are parsed.
type Config struct {
	Limits Limits
	// Placeholders resolves the "expand" modifier's %name% placeholders.
	// A rule with an unresolved placeholder is rejected.
	Placeholders map[string][]string
}

func (c Config) withDefaults() Config {
	d := DefaultLimits()
	l := &c.Limits
	for _, p := range []struct {
		v *int
		d int
	}{
		{&l.MaxRules, d.MaxRules}, {&l.MaxDocuments, d.MaxDocuments}, {&l.MaxNodes, d.MaxNodes},
		{&l.MaxConditionDepth, d.MaxConditionDepth}, {&l.MaxConditionLen, d.MaxConditionLen},
		{&l.MaxValues, d.MaxValues}, {&l.MaxVariants, d.MaxVariants}, {&l.MaxRegexLen, d.MaxRegexLen},
		{&l.MaxRegexInsts, d.MaxRegexInsts},
	} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = d.MaxFileBytes
	}
	return c
}

// lineError is a problem at a line of a rule file.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func errAt(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &lineError{line: line, msg: fmt.Sprintf(format, args...)}
}

// ParseRules parses the YAML documents of one rule file. Good rules are
// returned; each bad or unsupported document becomes a Rejection naming the
// file and line. A file that is not YAML at all is one rejection.
func ParseRules(file string, data []byte, cfg Config) ([]*Rule, []Rejection) {
	cfg = cfg.withDefaults()
	if int64(len(data)) > cfg.Limits.MaxFileBytes {
		return nil, []Rejection{{File: file, Reason: fmt.Sprintf("file larger than %d bytes", cfg.Limits.MaxFileBytes)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var rules []*Rule
	var rejs []Rejection
	for docs := 0; ; docs++ {
		if docs >= cfg.Limits.MaxDocuments {
			rejs = append(rejs, Rejection{File: file, Reason: fmt.Sprintf("more than %d documents", cfg.Limits.MaxDocuments)})
			break
		}
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			rejs = append(rejs, Rejection{File: file, Reason: "yaml: " + strings.TrimPrefix(err.Error(), "yaml: ")})
			break
		}
		r, err := parseDocument(&doc, cfg)
		if err != nil {
			rejs = append(rejs, rejection(file, &doc, err))
			continue
		}
		r.File = file
		rules = append(rules, r)
	}
	return rules, rejs
}

func rejection(file string, doc *yaml.Node, err error) Rejection {
	rj := Rejection{File: file, Reason: err.Error()}
	var le *lineError
	if errors.As(err, &le) {
		rj.Line, rj.Reason = le.line, le.msg
	}
	if m := docMap(doc); m != nil {
		rj.Title, rj.ID = scalarOf(m, "title"), scalarOf(m, "id")
		if rj.Line == 0 {
			rj.Line = m.Line
		}
	}
	return rj
}

func docMap(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		return doc.Content[0]
	}
	return nil
}

// lookup returns the value node of key in a mapping node.
func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalarOf(m *yaml.Node, key string) string {
	if v := lookup(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

func countNodes(n *yaml.Node, limit int) int {
	count := 1
	for _, k := range n.Content {
		if count > limit {
			return count
		}
		count += countNodes(k, limit-count)
	}
	return count
}

func parseDocument(doc *yaml.Node, cfg Config) (*Rule, error) {
	if n := countNodes(doc, cfg.Limits.MaxNodes); n > cfg.Limits.MaxNodes {
		return nil, errAt(doc, "document has more than %d YAML nodes", cfg.Limits.MaxNodes)
	}
	m := docMap(doc)
	if m == nil {
		return nil, errAt(doc, "a rule must be a YAML mapping")
	}
	if a := scalarOf(m, "action"); a != "" {
		return nil, errAt(m, "rule collections (action: %s) are not supported; write each rule as a whole document", a)
	}
	r, err := parseMeta(m)
	if err != nil {
		return nil, err
	}
	r.Line = m.Line
	if c := lookup(m, "correlation"); c != nil {
		r.Correlation, err = parseCorrelation(c)
		return r, err
	}
	det := lookup(m, "detection")
	if det == nil {
		return nil, errAt(m, "rule has no detection")
	}
	r.det, err = compileDetection(det, cfg)
	return r, err
}

func parseMeta(m *yaml.Node) (*Rule, error) {
	r := &Rule{
		Title: scalarOf(m, "title"), ID: scalarOf(m, "id"), Name: scalarOf(m, "name"),
		Status: scalarOf(m, "status"), Description: strings.TrimSpace(scalarOf(m, "description")),
		Author: scalarOf(m, "author"), Level: scalarOf(m, "level"),
		Date: scalarOf(m, "date"), Modified: scalarOf(m, "modified"),
	}
	if r.Title == "" {
		return nil, errAt(m, "rule has no title")
	}
	var err error
	if r.Tags, err = stringList(m, "tags"); err != nil {
		return nil, err
	}
	if r.References, err = stringList(m, "references"); err != nil {
		return nil, err
	}
	if r.FalsePositives, err = stringList(m, "falsepositives"); err != nil {
		return nil, err
	}
	if ls := lookup(m, "logsource"); ls != nil {
		if ls.Kind != yaml.MappingNode {
			return nil, errAt(ls, "logsource must be a mapping")
		}
		r.LogSource = RuleLogSource{
			Product: scalarOf(ls, "product"), Category: scalarOf(ls, "category"),
			Service: scalarOf(ls, "service"), Definition: scalarOf(ls, "definition"),
		}
	}
	return r, nil
}

func stringList(m *yaml.Node, key string) ([]string, error) {
	v := lookup(m, key)
	if v == nil {
		return nil, nil
	}
	switch v.Kind {
	case yaml.ScalarNode:
		return []string{v.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(v.Content))
		for _, k := range v.Content {
			if k.Kind != yaml.ScalarNode {
				return nil, errAt(k, "%s must be a list of strings", key)
			}
			out = append(out, k.Value)
		}
		return out, nil
	}
	return nil, errAt(v, "%s must be a list of strings", key)
}

func parseCorrelation(c *yaml.Node) (*Correlation, error) {
	if c.Kind != yaml.MappingNode {
		return nil, errAt(c, "correlation must be a mapping")
	}
	corr := &Correlation{Type: CorrelationType(scalarOf(c, "type"))}
	switch corr.Type {
	case EventCount, ValueCount, Temporal, TemporalOrdered:
	default:
		return nil, errAt(c, "unknown correlation type %q", corr.Type)
	}
	var err error
	if corr.Rules, err = stringList(c, "rules"); err != nil {
		return nil, err
	}
	if len(corr.Rules) == 0 {
		return nil, errAt(c, "correlation names no rules")
	}
	if corr.GroupBy, err = stringList(c, "group-by"); err != nil {
		return nil, err
	}
	ts := lookup(c, "timespan")
	if ts == nil {
		ts = lookup(c, "timeframe")
	}
	if ts == nil {
		return nil, errAt(c, "correlation has no timespan")
	}
	if corr.Timespan, err = parseTimespan(ts.Value); err != nil {
		return nil, errAt(ts, "%v", err)
	}
	if g := lookup(c, "generate"); g != nil {
		corr.Generate = g.Value == "true"
	}
	if corr.Aliases, err = parseAliases(lookup(c, "aliases")); err != nil {
		return nil, err
	}
	if err := parseCorrCondition(c, corr); err != nil {
		return nil, err
	}
	return corr, nil
}

func parseCorrCondition(c *yaml.Node, corr *Correlation) error {
	cn := lookup(c, "condition")
	if cn == nil {
		if corr.Type == Temporal || corr.Type == TemporalOrdered {
			corr.Condition = CorrelationCondition{Op: "gte", Value: len(corr.Rules)}
			return nil
		}
		return errAt(c, "%s correlation needs a condition", corr.Type)
	}
	if cn.Kind != yaml.MappingNode {
		return errAt(cn, "correlation condition must be a mapping")
	}
	for i := 0; i+1 < len(cn.Content); i += 2 {
		k, v := cn.Content[i].Value, cn.Content[i+1]
		switch k {
		case "field":
			corr.Condition.Field = v.Value
		case "gt", "gte", "lt", "lte", "eq":
			n, err := strconv.Atoi(v.Value)
			if err != nil || n < 0 {
				return errAt(v, "correlation condition %s needs a non-negative integer", k)
			}
			if corr.Condition.Op != "" {
				return errAt(v, "correlation condition has more than one comparison")
			}
			corr.Condition.Op, corr.Condition.Value = k, n
		default:
			return errAt(cn.Content[i], "unknown correlation condition %q", k)
		}
	}
	if corr.Condition.Op == "" {
		return errAt(cn, "correlation condition has no comparison")
	}
	if corr.Type == ValueCount && corr.Condition.Field == "" {
		return errAt(cn, "value_count correlation needs condition.field")
	}
	return nil
}

func parseAliases(a *yaml.Node) (map[string]map[string]string, error) {
	if a == nil {
		return nil, nil
	}
	if a.Kind != yaml.MappingNode {
		return nil, errAt(a, "aliases must be a mapping")
	}
	out := map[string]map[string]string{}
	for i := 0; i+1 < len(a.Content); i += 2 {
		alias, per := a.Content[i].Value, a.Content[i+1]
		if per.Kind != yaml.MappingNode {
			return nil, errAt(per, "alias %q must map rules to fields", alias)
		}
		out[alias] = map[string]string{}
		for j := 0; j+1 < len(per.Content); j += 2 {
			out[alias][per.Content[j].Value] = per.Content[j+1].Value
		}
	}
	return out, nil
}

// parseTimespan reads a Sigma timespan: a number and a unit s, m, h, d
// (or M, y for months and years, approximated as 30 and 365 days).
func parseTimespan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return 0, fmt.Errorf("bad timespan %q", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 || n > 1_000_000 {
		return 0, fmt.Errorf("bad timespan %q", s)
	}
	unit := map[byte]time.Duration{
		's': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour,
		'w': 7 * 24 * time.Hour, 'M': 30 * 24 * time.Hour, 'y': 365 * 24 * time.Hour,
	}[s[len(s)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("bad timespan unit in %q", s)
	}
	return time.Duration(n) * unit, nil
}
