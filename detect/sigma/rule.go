package sigma

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/airtight/airtight/detect"
)

// Rule is a parsed and compiled Sigma rule: a detection rule, or a
// correlation rule over other rules.
type Rule struct {
	Title          string
	ID             string
	Name           string // Sigma v2 name, for correlation references
	Status         string
	Description    string
	Author         string
	Level          string
	Date           string
	Modified       string
	Tags           []string
	References     []string
	FalsePositives []string
	LogSource      RuleLogSource
	// Correlation is set for correlation rules (no detection of their own).
	Correlation *Correlation
	// File and Line locate the rule's document.
	File string
	Line int

	det node // compiled detection condition
}

// Correlation is a Sigma v2 correlation rule.
type Correlation struct {
	Type      CorrelationType
	Rules     []string // referenced rule ids or names
	GroupBy   []string
	Timespan  time.Duration
	Condition CorrelationCondition
	// Aliases maps an alias used in GroupBy to the field name per rule
	// (rule id or name → field).
	Aliases  map[string]map[string]string
	Generate bool
}

// CorrelationType is the kind of a correlation rule.
type CorrelationType string

// The correlation types of Sigma v2.
const (
	EventCount      CorrelationType = "event_count"
	ValueCount      CorrelationType = "value_count"
	Temporal        CorrelationType = "temporal"
	TemporalOrdered CorrelationType = "temporal_ordered"
)

// CorrelationCondition is the threshold of a count correlation: Op is one
// of "gt", "gte", "lt", "lte", "eq"; Field is the counted field of a
// value_count.
type CorrelationCondition struct {
	Op    string
	Value int
	Field string
}

// holds reports whether a count satisfies the condition.
func (c CorrelationCondition) holds(n int) bool {
	switch c.Op {
	case "gt":
		return n > c.Value
	case "gte":
		return n >= c.Value
	case "lt":
		return n < c.Value
	case "lte":
		return n <= c.Value
	case "eq":
		return n == c.Value
	}
	return false
}

// atWindowEnd reports whether the condition can only be decided when the
// window closes (fewer than, exactly).
func (c CorrelationCondition) atWindowEnd() bool {
	return c.Op == "lt" || c.Op == "lte" || c.Op == "eq"
}

// Severity maps the Sigma level to a detection severity.
func (r *Rule) Severity() detect.Severity {
	switch strings.ToLower(r.Level) {
	case "informational":
		return "info"
	case "low", "medium", "high", "critical":
		return detect.Severity(strings.ToLower(r.Level))
	}
	return "medium"
}

var attackTag = regexp.MustCompile(`^attack\.(t\d{4}(?:\.\d{3})?)$`)

// Attack returns the MITRE ATT&CK technique ids of the rule's tags, e.g.
// attack.t1059.001 → "T1059.001".
func (r *Rule) Attack() []string {
	var out []string
	for _, t := range r.Tags {
		if m := attackTag.FindStringSubmatch(strings.ToLower(t)); m != nil {
			out = append(out, strings.ToUpper(m[1]))
		}
	}
	return out
}

// key is how correlation rules and results name the rule.
func (r *Rule) key() string {
	if r.ID != "" {
		return r.ID
	}
	return r.Title
}

// Rejection is a rule (or file) that did not load, and why.
type Rejection struct {
	File   string
	Line   int
	Title  string
	ID     string
	Reason string
}

// Error formats the rejection as "file:line: reason".
func (r Rejection) Error() string {
	if r.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Reason)
	}
	return fmt.Sprintf("%s: %s", r.File, r.Reason)
}
