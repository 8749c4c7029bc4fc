package alert

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/airtight/airtight"
)

// IncidentWindow is how long an incident stays open to new alerts about
// the same subject: an alert raised within this time of the incident's last
// alert joins it; a later one starts a new incident.
const IncidentWindow = 24 * time.Hour

// IncidentStatus is an incident's triage status.
type IncidentStatus string

// Incident statuses.
const (
	IncidentOpen         IncidentStatus = "open"
	IncidentAcknowledged IncidentStatus = "acknowledged"
	IncidentClosed       IncidentStatus = "closed"
)

// Incident groups the alerts about one subject (a device, or an address
// that is not in the inventory) that arrive close together in time, so a
// hospital sees "the CT scanner in room 4 is under attack" once, not fifty
// alerts. Alerts with a Subject are grouped; other alerts (an expiring
// certificate) stand alone.
type Incident struct {
	ID         int64          `json:"id"`
	OrgID      int64          `json:"org_id"`
	DeviceID   int64          `json:"device_id,omitempty"`
	Subject    string         `json:"subject"`
	Title      string         `json:"title"`
	Severity   Severity       `json:"severity"` // the highest of its alerts
	Status     IncidentStatus `json:"status"`
	Assignee   string         `json:"assignee,omitempty"`
	AlertCount int            `json:"alert_count"` // distinct alerts
	FirstSeen  time.Time      `json:"first_seen"`
	LastSeen   time.Time      `json:"last_seen"`
	UpdatedAt  time.Time      `json:"updated_at"`
	UpdatedBy  string         `json:"updated_by,omitempty"`
}

// IncidentFilter narrows a list of incidents.
type IncidentFilter struct {
	Status   IncidentStatus
	DeviceID int64
	Cursor   string
	Limit    int // default 50, at most 500
}

// IncidentUpdate changes an incident's status or assignee; nil fields are
// left as they are. Closing an incident resolves its unresolved alerts.
type IncidentUpdate struct {
	Status   *IncidentStatus `json:"status,omitempty"`
	Assignee *string         `json:"assignee,omitempty"`
}

// Validate checks an update.
func (u IncidentUpdate) Validate() error {
	if u.Status == nil && u.Assignee == nil {
		return airtight.Errorf(airtight.EInvalid, "nothing to change: give status or assignee")
	}
	if u.Status != nil {
		switch *u.Status {
		case IncidentOpen, IncidentAcknowledged, IncidentClosed:
		default:
			return airtight.Errorf(airtight.EInvalid, "status: must be open, acknowledged or closed")
		}
	}
	if u.Assignee != nil && (len(*u.Assignee) > 200 || !utf8.ValidString(*u.Assignee) || !airtight.SafeText(*u.Assignee)) {
		return airtight.Errorf(airtight.EInvalid, "assignee: at most 200 bytes of one-line text")
	}
	return nil
}

// IncidentService lists and triages incidents (every change audited).
type IncidentService interface {
	ListIncidents(ctx context.Context, f IncidentFilter) ([]*Incident, string, error)
	// FindIncident returns an incident and its alerts, most severe first.
	FindIncident(ctx context.Context, id int64) (*Incident, []*Alert, error)
	UpdateIncident(ctx context.Context, id int64, u IncidentUpdate) (*Incident, error)
}
