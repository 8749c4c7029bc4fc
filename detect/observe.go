package detect

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Observations are what monitoring saw on the network, apart from
// detections: who talks to whom (links), how many events each input
// delivers (rates), and talkers that are not in the inventory (discovered
// devices). An aggregator (detect/observe) accumulates them in memory and
// hands deltas to an ObservationService, which adds them up.

// Talker is one side of a link: an inventory device when the endpoint
// resolved to one, else an address.
type Talker struct {
	DeviceID int64      `json:"device_id,omitempty"` // 0: not in the inventory
	IP       netip.Addr `json:"ip,omitzero"`         // the address seen; the device's when it resolved otherwise
	Label    string     `json:"label,omitempty"`     // the device's asset tag; "" for an address
	Zone     string     `json:"zone,omitempty"`      // the device's network zone
}

// Key identifies the talker within an organization: "d:ID" for a device,
// "ip:ADDR" for an address, "" when neither is known.
func (t Talker) Key() string {
	switch {
	case t.DeviceID > 0:
		return "d:" + strconv.FormatInt(t.DeviceID, 10)
	case t.IP.IsValid():
		return "ip:" + t.IP.Unmap().String()
	}
	return ""
}

// Name is what a person reads: the asset tag, else the address.
func (t Talker) Name() string {
	if t.Label != "" {
		return t.Label
	}
	if t.IP.IsValid() {
		return t.IP.Unmap().String()
	}
	if t.DeviceID > 0 {
		return "device " + strconv.FormatInt(t.DeviceID, 10)
	}
	return "unknown"
}

// Known reports whether the talker is an inventory device.
func (t Talker) Known() bool { return t.DeviceID > 0 }

// Link is the traffic from one talker to another over one application
// protocol or port.
type Link struct {
	ID       int64  `json:"id,omitempty"`
	Src      Talker `json:"src"`
	Dst      Talker `json:"dst"`
	App      string `json:"app,omitempty"`      // "dicom", "hl7", "smb", ...; "" when unknown
	Protocol string `json:"protocol,omitempty"` // "tcp", "udp", ...
	Port     uint16 `json:"port,omitempty"`     // the service port

	Events  int64 `json:"events"`
	Packets int64 `json:"packets"`
	Bytes   int64 `json:"bytes"`

	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// AETitles are the DICOM AE titles seen on the link, "CALLING>CALLED";
	// HL7Apps the HL7 applications, "SENDER^FACILITY>RECEIVER^FACILITY".
	AETitles []string `json:"ae_titles,omitempty"`
	HL7Apps  []string `json:"hl7_apps,omitempty"`
}

// Service names the link's traffic: its application, else protocol/port.
func (l *Link) Service() string {
	if l.App != "" {
		return l.App
	}
	if l.Port == 0 {
		return cmpOr(l.Protocol, "other")
	}
	return cmpOr(l.Protocol, "ip") + "/" + strconv.Itoa(int(l.Port))
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// RateCount is how many events one input source delivered in one minute,
// for one event class.
type RateCount struct {
	Minute time.Time `json:"minute"` // truncated to the minute, UTC
	Source string    `json:"source"` // "syslog", "netflow", "pcap", "zeek", ...
	Class  string    `json:"class"`  // Class.String()
	Count  int64     `json:"count"`
}

// RateBucket sums the rates of one step of time.
type RateBucket struct {
	Start    time.Time        `json:"start"`
	BySource map[string]int64 `json:"by_source"`
	ByClass  map[string]int64 `json:"by_class"`
}

// DiscoveredStatus is what the hospital decided about a discovered device.
type DiscoveredStatus string

// Discovered device statuses.
const (
	DiscoveredNew     DiscoveredStatus = "new"
	DiscoveredAdopted DiscoveredStatus = "adopted" // being added to the inventory
	DiscoveredIgnored DiscoveredStatus = "ignored" // known, not to be inventoried (a guest laptop)
)

// Valid reports whether s is a known status.
func (s DiscoveredStatus) Valid() bool {
	return s == DiscoveredNew || s == DiscoveredAdopted || s == DiscoveredIgnored
}

// Discovered is a talker that is not in the inventory: unknown talkers
// become discovered devices for the inventory.
type Discovered struct {
	ID       int64      `json:"id,omitempty"`
	OrgID    int64      `json:"org_id,omitempty"`
	IP       netip.Addr `json:"ip,omitzero"`
	MAC      string     `json:"mac,omitempty"`
	AETitle  string     `json:"ae_title,omitempty"`
	HL7App   string     `json:"hl7_app,omitempty"` // "APP" or "APP^FACILITY"
	Hostname string     `json:"hostname,omitempty"`
	// Apps are the application protocols (or protocol/port) it spoke.
	Apps      []string         `json:"apps,omitempty"`
	Events    int64            `json:"events"`
	FirstSeen time.Time        `json:"first_seen"`
	LastSeen  time.Time        `json:"last_seen"`
	Status    DiscoveredStatus `json:"status,omitempty"`
	UpdatedBy string           `json:"updated_by,omitempty"`
	UpdatedAt time.Time        `json:"updated_at,omitzero"`
}

// Ident identifies a discovered device within an organization: its
// address, else its AE title, HL7 application, MAC or host name.
func (d *Discovered) Ident() string {
	switch {
	case d.IP.IsValid():
		return "ip:" + d.IP.Unmap().String()
	case d.AETitle != "":
		return "ae:" + d.AETitle
	case d.HL7App != "":
		return "hl7:" + strings.ToUpper(d.HL7App)
	case d.MAC != "":
		return "mac:" + strings.ToLower(d.MAC)
	case d.Hostname != "":
		return "host:" + strings.ToLower(d.Hostname)
	}
	return ""
}

// Observations is one delta of observations, for storage.
type Observations struct {
	Links      []Link       `json:"links,omitempty"`
	Rates      []RateCount  `json:"rates,omitempty"`
	Discovered []Discovered `json:"discovered,omitempty"`
}

// Empty reports whether there is nothing to store.
func (o *Observations) Empty() bool {
	return o == nil || len(o.Links) == 0 && len(o.Rates) == 0 && len(o.Discovered) == 0
}

// Observation limits: of one batch, and of the texts it carries.
const (
	MaxBatchLinks      = 20_000
	MaxBatchRates      = 50_000
	MaxBatchDiscovered = 10_000
	MaxLinkNames       = 8   // AE titles or HL7 applications kept per link
	MaxApps            = 16  // applications kept per discovered device
	MaxObservedText    = 255 // bytes of a label, zone, application, host name...
	maxAETitle         = 16  // PS3.5: AE is at most 16 characters
)

// ErrInvalidObservation marks a batch that breaks the limits or holds a
// value that cannot be stored.
var ErrInvalidObservation = errors.New("invalid observation")

// Validate checks the batch's sizes and values; its errors name the entry
// and field, never the value.
func (o *Observations) Validate() error {
	if len(o.Links) > MaxBatchLinks || len(o.Rates) > MaxBatchRates || len(o.Discovered) > MaxBatchDiscovered {
		return fmt.Errorf("%w: batch of %d links, %d rates, %d discovered is over the limits (%d, %d, %d)",
			ErrInvalidObservation, len(o.Links), len(o.Rates), len(o.Discovered), MaxBatchLinks, MaxBatchRates, MaxBatchDiscovered)
	}
	for i := range o.Links {
		if err := o.Links[i].validate(); err != nil {
			return fmt.Errorf("%w: link %d: %s", ErrInvalidObservation, i, err)
		}
	}
	for i, r := range o.Rates {
		if err := r.validate(); err != nil {
			return fmt.Errorf("%w: rate %d: %s", ErrInvalidObservation, i, err)
		}
	}
	for i := range o.Discovered {
		if err := o.Discovered[i].validate(); err != nil {
			return fmt.Errorf("%w: discovered device %d: %s", ErrInvalidObservation, i, err)
		}
	}
	return nil
}

func (l *Link) validate() error {
	switch {
	case l.Src.Key() == "" || l.Dst.Key() == "":
		return errors.New("source and destination need a device or an address")
	case l.Events < 0 || l.Packets < 0 || l.Bytes < 0:
		return errors.New("counts must not be negative")
	case l.FirstSeen.IsZero() || l.LastSeen.Before(l.FirstSeen):
		return errors.New("first seen is required and must not be after last seen")
	case len(l.AETitles) > MaxLinkNames || len(l.HL7Apps) > MaxLinkNames:
		return fmt.Errorf("at most %d AE titles and %d HL7 applications", MaxLinkNames, MaxLinkNames)
	}
	return checkTexts(map[string]string{"app": l.App, "protocol": l.Protocol, "src.label": l.Src.Label,
		"src.zone": l.Src.Zone, "dst.label": l.Dst.Label, "dst.zone": l.Dst.Zone}, l.AETitles, l.HL7Apps)
}

func (r RateCount) validate() error {
	switch {
	case r.Minute.IsZero() || !r.Minute.Equal(r.Minute.Truncate(time.Minute)):
		return errors.New("minute must be a whole minute")
	case r.Count < 0:
		return errors.New("count must not be negative")
	case r.Source == "":
		return errors.New("source is required")
	}
	return checkTexts(map[string]string{"source": r.Source, "class": r.Class})
}

func (d *Discovered) validate() error {
	switch {
	case d.Ident() == "":
		return errors.New("an address, AE title, HL7 application, MAC or host name is required")
	case d.Events < 0:
		return errors.New("events must not be negative")
	case d.FirstSeen.IsZero() || d.LastSeen.Before(d.FirstSeen):
		return errors.New("first seen is required and must not be after last seen")
	case len(d.Apps) > MaxApps:
		return fmt.Errorf("at most %d applications", MaxApps)
	case len(d.AETitle) > maxAETitle:
		return fmt.Errorf("ae title is longer than %d bytes", maxAETitle)
	}
	return checkTexts(map[string]string{"mac": d.MAC, "ae_title": d.AETitle, "hl7_app": d.HL7App, "hostname": d.Hostname}, d.Apps)
}

// checkTexts bounds named texts and lists of texts: printable UTF-8 of at
// most MaxObservedText bytes.
func checkTexts(named map[string]string, lists ...[]string) error {
	for name, v := range named {
		if !goodText(v) {
			return fmt.Errorf("%s: must be printable text of at most %d bytes", name, MaxObservedText)
		}
	}
	for _, l := range lists {
		for _, v := range l {
			if !goodText(v) {
				return fmt.Errorf("list entry: must be printable text of at most %d bytes", MaxObservedText)
			}
		}
	}
	return nil
}

func goodText(s string) bool {
	if len(s) > MaxObservedText || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// AlertTrendPoint counts the alerts first seen on one UTC day, by
// severity name ("info" … "critical").
type AlertTrendPoint struct {
	Day    time.Time      `json:"day"`
	Counts map[string]int `json:"counts"`
}

// ObservationService stores observations per organization (the actor's,
// from the context) and reads them back for the dashboard.
type ObservationService interface {
	// RecordObservations adds a delta: link and rate counts add up,
	// discovered devices merge (first seen, last seen, applications).
	RecordObservations(ctx context.Context, o *Observations) error
	// ListLinks returns the links with traffic since then, their counts
	// summed over that time, most bytes first.
	ListLinks(ctx context.Context, since time.Time, limit int) ([]*Link, error)
	// EventRates sums event counts since then in steps of step (a whole
	// number of minutes), oldest first; steps without events are left out.
	EventRates(ctx context.Context, since time.Time, step time.Duration) ([]RateBucket, error)
	// ListDiscovered lists discovered devices of a status ("" for all),
	// most recently discovered first.
	ListDiscovered(ctx context.Context, status DiscoveredStatus, cursor string, limit int) ([]*Discovered, string, error)
	// SetDiscoveredStatus records a decision about a discovered device
	// (audited).
	SetDiscoveredStatus(ctx context.Context, id int64, status DiscoveredStatus) (*Discovered, error)
	// AlertTrend counts alerts by the UTC day they were first seen and
	// their severity.
	AlertTrend(ctx context.Context, since time.Time) ([]AlertTrendPoint, error)
	// PruneObservations deletes link and rate counts older than before.
	PruneObservations(ctx context.Context, before time.Time) (int64, error)
}

// ObservationRetention is how long link and rate counts are kept.
const ObservationRetention = 30 * 24 * time.Hour
