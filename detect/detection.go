package detect

import "time"

// Severity of a detection: "info", "low", "medium", "high" or "critical"
// (the alert package's severities).
type Severity string

// Detection is one thing a detector found: a Sigma rule that matched, a
// threshold crossed, a baseline deviation. Detections with the same Key are
// one alert: the pipeline merges them (count, first and last seen).
type Detection struct {
	// Rule identifies the rule or built-in detector, e.g. a Sigma rule id
	// or "airtight.dicom.rogue_ae".
	Rule  string `json:"rule"`
	Title string `json:"title"`
	// Author is the rule's author. Sigma rules are under the Detection Rule
	// License, which requires alerts based on them to keep it.
	Author   string   `json:"author,omitempty"`
	Severity Severity `json:"severity"`
	// Attack lists MITRE ATT&CK technique ids, e.g. "T1210".
	Attack []string `json:"attack,omitempty"`
	// Device is the subject: the inventory device id as text when the event
	// resolved to one, else its IP address.
	Device    string    `json:"device"`
	DeviceID  int64     `json:"-"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Count     int       `json:"count"`
	// Summary says why it matters and Action what to do now, in plain
	// language for a hospital without a security team.
	Summary string `json:"summary,omitempty"`
	Action  string `json:"action,omitempty"`
	// Evidence holds the facts that triggered it: addresses, ports, AE
	// titles, counts, rule fields. Never PHI values or packet payloads.
	Evidence map[string]any `json:"evidence,omitempty"`
	// Key deduplicates: detections with equal keys are one alert.
	Key string `json:"-"`
}

// Detector consumes events and emits detections. Detectors are fed from
// one goroutine unless they say otherwise.
type Detector interface {
	Observe(e *Event, emit func(*Detection))
}
