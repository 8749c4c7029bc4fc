// Package alert is the one alert model every capability raises into: a
// certificate about to expire, a new known-exploited vulnerability on a
// device, patient data blocked, an attack detected. Each alert says in plain
// language what happened, why it matters and what to do, points at the
// device (or other subject) concerned, and carries its evidence.
//
// Alerts are deduplicated by key: raising an alert whose key is already open
// updates it (its severity, text, evidence and last-seen time) and counts the
// occurrence, instead of flooding the list.
//
// It imports only the standard library.
package alert

import (
	"context"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/airtight/airtight"
)

// Severity of an alert, in increasing order.
type Severity string

// Severities.
const (
	Info     Severity = "info"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists every severity, lowest first.
var Severities = []Severity{Info, Low, Medium, High, Critical}

// Rank orders severities: info 0 ... critical 4; unknown -1.
func (s Severity) Rank() int {
	for i, x := range Severities {
		if s == x {
			return i
		}
	}
	return -1
}

// Status is an alert's triage status.
type Status string

// Statuses.
const (
	StatusOpen         Status = "open"
	StatusAcknowledged Status = "acknowledged"
	StatusResolved     Status = "resolved"
)

// Alert is one alert.
type Alert struct {
	ID       int64    `json:"id"`
	OrgID    int64    `json:"org_id"`
	Source   string   `json:"source"` // the capability: "pki", "vuln", "dlp", "detect"
	Kind     string   `json:"kind"`   // e.g. "certificate.expiring"
	Key      string   `json:"key"`    // deduplication key within the organization, e.g. "pki.expiry:<serial>"
	Severity Severity `json:"severity"`
	Status   Status   `json:"status"`
	DeviceID int64    `json:"device_id,omitempty"`
	// Subject groups the alert into an incident: the device's inventory id
	// as text, or the address of a talker not in the inventory. Empty for
	// alerts that stand alone.
	Subject    string          `json:"subject,omitempty"`
	IncidentID int64           `json:"incident_id,omitempty"`
	Title      string          `json:"title"`               // one line: what happened
	Summary    string          `json:"summary"`             // why it matters, for non-specialists
	Action     string          `json:"action"`              // what to do
	Technique  string          `json:"technique,omitempty"` // MITRE ATT&CK (Enterprise or ICS) technique IDs, comma-separated, where they apply
	Evidence   json.RawMessage `json:"evidence,omitempty"`  // never PHI values
	Count      int             `json:"count"`               // occurrences since it was opened
	FirstSeen  time.Time       `json:"first_seen"`
	LastSeen   time.Time       `json:"last_seen"`
	UpdatedAt  time.Time       `json:"updated_at"`
	UpdatedBy  string          `json:"updated_by,omitempty"`
}

// Validate checks an alert before it is raised.
func (a *Alert) Validate() error {
	switch {
	case a.Source == "" || len(a.Source) > 32:
		return airtight.Errorf(airtight.EInvalid, "alert source is required (at most 32 characters)")
	case a.Kind == "" || len(a.Kind) > 64:
		return airtight.Errorf(airtight.EInvalid, "alert kind is required (at most 64 characters)")
	case a.Key == "" || len(a.Key) > 256:
		return airtight.Errorf(airtight.EInvalid, "alert key is required (at most 256 characters)")
	case a.Severity.Rank() < 0:
		return airtight.Errorf(airtight.EInvalid, "alert severity %q is not known", a.Severity)
	case a.Title == "" || len(a.Title) > 300 || !airtight.SafeText(a.Title):
		return airtight.Errorf(airtight.EInvalid, "alert title is required: one line of at most 300 bytes")
	case len(a.Summary) > 4000 || len(a.Action) > 4000 || !utf8.ValidString(a.Summary+a.Action):
		return airtight.Errorf(airtight.EInvalid, "alert summary and action are at most 4000 bytes of text")
	case len(a.Subject) > 200 || !airtight.SafeText(a.Subject):
		return airtight.Errorf(airtight.EInvalid, "alert subject: at most 200 bytes of one-line text")
	case len(a.Evidence) > 64<<10 || (len(a.Evidence) > 0 && !json.Valid(a.Evidence)):
		return airtight.Errorf(airtight.EInvalid, "alert evidence must be JSON of at most 64 KiB")
	}
	return nil
}

// Filter narrows a list of alerts.
type Filter struct {
	Status      Status
	MinSeverity Severity
	Source      string
	DeviceID    int64
	Cursor      string
	Limit       int // default 50, at most 500
}

// Service raises and triages alerts. Every method acts inside the actor's
// organization.
type Service interface {
	// Raise opens an alert or, when an unresolved alert with the same key
	// exists, updates it and counts the occurrence. It returns the stored
	// alert and whether it is new.
	Raise(ctx context.Context, a *Alert) (*Alert, bool, error)
	FindAlert(ctx context.Context, id int64) (*Alert, error)
	// ListAlerts lists alerts most severe first, then newest first.
	ListAlerts(ctx context.Context, f Filter) ([]*Alert, string, error)
	// SetStatus acknowledges, resolves or reopens an alert (audited).
	SetStatus(ctx context.Context, id int64, s Status) (*Alert, error)
}
