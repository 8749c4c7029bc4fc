package dlp

import (
	"context"
	"io"
)

// Located is a finding inside content that may have structure: a part of
// a mail or archive, a field of an HL7 message or DICOM data set.
type Located struct {
	Finding
	// Part names the nested part the finding is in, outermost first,
	// joined by "/": "attachment[2]:report.docx/word/document.xml",
	// "export.zip/notes.txt". Empty for the top level.
	Part string `json:"part,omitempty"`
	// Field is the field path in a structured format: "PID-5.1",
	// "Patient.name[0].family", "(0010,0010) PatientName".
	Field string `json:"field,omitempty"`
}

// Unscannable records content that could not be scanned: malformed,
// encrypted, too large, too deeply nested, a zip bomb. Policies decide what
// it means (for outbound channels the default is to block).
type Unscannable struct {
	Part   string `json:"part,omitempty"`
	Reason string `json:"reason"` // safe text: never content
}

// Report is the result of scanning one piece of content. Offsets of
// findings are relative to the part they are in.
type Report struct {
	Findings    []Located     `json:"findings"`
	Unscannable []Unscannable `json:"unscannable,omitempty"`
	Bytes       int64         `json:"bytes"` // bytes of input read
	Parts       int           `json:"parts"` // parts scanned
}

// Counts returns the number of findings per type.
func (r *Report) Counts() map[Type]int {
	m := make(map[Type]int)
	for _, f := range r.Findings {
		m[f.Type]++
	}
	return m
}

// ContentScanner scans content of any supported format (text, CSV, JSON,
// FHIR, HL7 v2, DICOM, MIME mail, office documents, PDF, ZIP), detected
// from its name and first bytes.
type ContentScanner interface {
	ScanContent(ctx context.Context, name string, r io.Reader) (*Report, error)
}

// Channel is where content is leaving or arriving.
type Channel string

// Channels.
const (
	ChannelSMTP   Channel = "smtp"
	ChannelICAP   Channel = "icap"   // web uploads through a proxy
	ChannelAPI    Channel = "api"    // POST /api/v1/dlp/scan
	ChannelFolder Channel = "folder" // watched file shares
	ChannelCLI    Channel = "cli"
)

// Action is what a policy does with content.
type Action string

// Actions, in increasing order of strength.
const (
	ActionAllow      Action = "allow"
	ActionLog        Action = "log"
	ActionRedact     Action = "redact"
	ActionSecure     Action = "secure" // deliver through the secure message portal
	ActionQuarantine Action = "quarantine"
	ActionBlock      Action = "block"
)

// Destination describes where content goes.
type Destination struct {
	Channel    Channel
	Sender     string   // mail sender, proxy user, uploader
	Recipients []string // mail recipients
	Host       string   // web destination host
	// External is true when at least one recipient or the host is outside
	// the organization's own domains.
	External bool
}

// Decision is a policy's verdict on one report.
type Decision struct {
	Action Action `json:"action"`
	// Rule names the policy rule that decided; "default" when none matched.
	Rule string `json:"rule"`
	// Reason is a safe, human sentence: which types and counts triggered
	// the rule, never the values.
	Reason string       `json:"reason"`
	Types  map[Type]int `json:"types,omitempty"`
}

// Decider turns a report and its destination into a decision: a policy.
type Decider interface {
	Decide(r *Report, dst Destination) Decision
}

// Releaser is called when an analyst releases quarantined content, to
// deliver it on (relay the held mail, let the upload through). It is given
// the quarantine record; the content is in the vault under its VaultID.
type Releaser interface {
	Release(ctx context.Context, q *Quarantined) error
	// Shred deletes held content for good (crypto-shredding its key).
	Shred(ctx context.Context, q *Quarantined) error
}
