package sigma

import (
	"slices"
	"strings"
	"time"
)

// Event is what the engine reads from an observation. Implementations must
// be safe for concurrent reads when Engine.Match is called concurrently on
// the same event (the adapters here are).
type Event interface {
	// Field returns the value of a field by its Sigma name (e.g. "Image",
	// "EventID", "id.orig_h"); ok is false when the event has no such
	// field or it is null.
	Field(name string) (value string, ok bool)
	// Values calls yield for every field value of the event, for keyword
	// (full-text) search; it stops when yield returns false. It must
	// yield every value Field can return: the literal prefilter relies on it.
	Values(yield func(name, value string) bool)
	// LogSource says which Sigma log sources the event belongs to.
	LogSource() LogSource
	// Time is when the event happened; correlation windows use it, never
	// the wall clock.
	Time() time.Time
}

// Subject is implemented by events that know the device they are about;
// detections carry it as Device and DeviceID.
type Subject interface {
	Device() (device string, id int64)
}

// LogSource is an event's Sigma log source. An event may belong to several
// categories and services at once: a Sysmon event 13 is category
// registry_set and registry_event, service sysmon.
type LogSource struct {
	Product    string
	Categories []string
	Services   []string

	k string // cached key(), set by the constructors in this package
}

// IsZero reports whether nothing is known about the log source; such events
// are matched against every rule.
func (l LogSource) IsZero() bool {
	return l.Product == "" && len(l.Categories) == 0 && len(l.Services) == 0
}

// key is a canonical text form, used to cache the rule subset per source.
func (l LogSource) key() string {
	if l.k != "" {
		return l.k
	}
	var b strings.Builder
	b.WriteString(l.Product)
	b.WriteByte('|')
	for _, c := range l.Categories {
		b.WriteString(c)
		b.WriteByte(',')
	}
	b.WriteByte('|')
	for _, s := range l.Services {
		b.WriteString(s)
		b.WriteByte(',')
	}
	return b.String()
}

// RuleLogSource is the logsource block of a rule.
type RuleLogSource struct {
	Product    string `json:"product,omitempty"`
	Category   string `json:"category,omitempty"`
	Service    string `json:"service,omitempty"`
	Definition string `json:"definition,omitempty"`
}

// Accepts reports whether events from src may match a rule with this log
// source: every part the rule names must be among the event's. An event
// with an unknown (zero) log source is accepted by every rule.
func (r RuleLogSource) Accepts(src LogSource) bool {
	if src.IsZero() {
		return true
	}
	if r.Product != "" && !strings.EqualFold(r.Product, src.Product) {
		return false
	}
	if r.Category != "" && !containsFold(src.Categories, r.Category) {
		return false
	}
	if r.Service != "" && !containsFold(src.Services, r.Service) {
		return false
	}
	return true
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(v, s) })
}

// withKey returns l with its key cached.
func (l LogSource) withKey() LogSource {
	l.k = l.key()
	return l
}
