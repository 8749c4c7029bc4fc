package dlp

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Event records one DLP decision: who sent what kind of patient data where,
// through which channel, and what was done. It never holds PHI values: only
// identifier types and counts, and the destination's domain or host.
type Event struct {
	ID      int64   `json:"id"`
	OrgID   int64   `json:"org_id"`
	Channel Channel `json:"channel"`
	// Actor is who sent or uploaded: a mail sender address, a proxy user, a
	// dashboard user or API token name, a watched folder path.
	Actor string `json:"actor"`
	// Destination is the recipients' domains or the web host, comma-joined;
	// never local parts of addresses.
	Destination string       `json:"destination,omitempty"`
	External    bool         `json:"external"`
	Action      Action       `json:"action"`
	Rule        string       `json:"rule"`
	Reason      string       `json:"reason"`
	Types       map[Type]int `json:"types,omitempty"`
	Unscannable int          `json:"unscannable,omitempty"` // parts that could not be scanned
	Bytes       int64        `json:"bytes"`
	// Ref is the quarantine or secure-message id, when the action stored the
	// content.
	Ref       string    `json:"ref,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// EventFilter narrows a list of DLP events.
type EventFilter struct {
	Channel Channel
	Action  Action
	Since   time.Time
	Cursor  string
	Limit   int // default 50, at most 500
}

// TrendPoint counts events per day and action.
type TrendPoint struct {
	Day    time.Time      `json:"day"` // UTC midnight
	Counts map[Action]int `json:"counts"`
}

// QuarantineStatus is the state of quarantined content.
type QuarantineStatus string

// Quarantine statuses.
const (
	QuarantineHeld     QuarantineStatus = "held"
	QuarantineReleased QuarantineStatus = "released"
	QuarantineDeleted  QuarantineStatus = "deleted"
)

// Quarantined is content held for an analyst's decision. The content is in
// the encrypted vault under VaultID; this is its record.
type Quarantined struct {
	ID        int64            `json:"id"`
	OrgID     int64            `json:"org_id"`
	EventID   int64            `json:"event_id"`
	VaultID   string           `json:"vault_id"`
	Channel   Channel          `json:"channel"`
	Actor     string           `json:"actor"`
	Status    QuarantineStatus `json:"status"`
	Types     map[Type]int     `json:"types,omitempty"`
	Bytes     int64            `json:"bytes"`
	CreatedAt time.Time        `json:"created_at"`
	DecidedAt time.Time        `json:"decided_at,omitzero"`
	DecidedBy string           `json:"decided_by,omitempty"`
}

// EventService records and lists DLP events and quarantined content. Every
// method acts inside the actor's organization; quarantine decisions are
// audited.
type EventService interface {
	// RecordDLPEvent stores an event; when q is not nil the content was put in
	// the vault and a held quarantine record is created with it.
	RecordDLPEvent(ctx context.Context, e *Event, q *Quarantined) error
	ListDLPEvents(ctx context.Context, f EventFilter) ([]*Event, string, error)
	// DLPTrend counts events per UTC day and action since a time.
	DLPTrend(ctx context.Context, since time.Time) ([]TrendPoint, error)
	ListQuarantine(ctx context.Context, status QuarantineStatus, cursor string, limit int) ([]*Quarantined, string, error)
	FindQuarantined(ctx context.Context, id int64) (*Quarantined, error)
	// DecideQuarantine moves held content to released or deleted. It fails
	// with a conflict when the content is no longer held.
	DecideQuarantine(ctx context.Context, id int64, s QuarantineStatus) (*Quarantined, error)
}

// Validate checks an event before it is recorded.
func (e *Event) Validate() error {
	switch {
	case !knownChannel(e.Channel):
		return fmt.Errorf("dlp event: channel %q is not known", e.Channel)
	case !knownAction(e.Action):
		return fmt.Errorf("dlp event: action %q is not known", e.Action)
	case len(e.Actor) > 320 || len(e.Destination) > 2000 || len(e.Rule) > 200 || len(e.Reason) > 2000 || len(e.Ref) > 200:
		return fmt.Errorf("dlp event: a text field is too long")
	}
	for t := range e.Types {
		if !knownType(t) {
			return fmt.Errorf("dlp event: identifier type %q is not known", t)
		}
	}
	return nil
}

// Channels lists every channel; Actions every action, weakest first.
var (
	Channels = []Channel{ChannelSMTP, ChannelICAP, ChannelAPI, ChannelFolder, ChannelCLI}
	Actions  = []Action{ActionAllow, ActionLog, ActionRedact, ActionSecure, ActionQuarantine, ActionBlock}
)

func knownChannel(c Channel) bool { return slices.Contains(Channels, c) }
func knownAction(a Action) bool   { return slices.Contains(Actions, a) }
