package web

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/airtight/airtight/alert"
)

// The device page's security timeline: the device's incidents and alerts,
// newest first.

const (
	// securityShown bounds the timeline.
	securityShown = 25
	// securityFetched is how many incidents and alerts are read to pick the
	// newest from: the store lists them most severe first.
	securityFetched = 100
)

// securityEvent is one line of the timeline: an incident or an alert.
type securityEvent struct {
	When        time.Time
	Incident    bool // an incident, else an alert
	Severity    alert.Severity
	Title       string
	Status      string // label
	StatusClass string
	Detail      string
	Href        string // the incident page; "" for an alert outside any incident
}

// securityTimeline is the device's events, newest first.
type securityTimeline struct {
	Events []securityEvent
	More   bool // some were left out
	Failed bool // the timeline could not be read; the rest of the page shows
}

// deviceTimeline reads a device's incidents and alerts. A failure is logged
// and shown as such rather than failing the device page.
func (h *Handler) deviceTimeline(ctx context.Context, id int64) *securityTimeline {
	ins, nextIn, err := h.cfg.Incidents.ListIncidents(ctx, alert.IncidentFilter{DeviceID: id, Limit: securityFetched})
	if err != nil {
		h.log.Warn("dashboard: device incidents failed", "device", id, "err", err)
		return &securityTimeline{Failed: true}
	}
	as, nextAl, err := h.cfg.Alerts.ListAlerts(ctx, alert.Filter{DeviceID: id, Limit: securityFetched})
	if err != nil {
		h.log.Warn("dashboard: device alerts failed", "device", id, "err", err)
		return &securityTimeline{Failed: true}
	}
	evs := make([]securityEvent, 0, len(ins)+len(as))
	for _, in := range ins {
		evs = append(evs, incidentEvent(in))
	}
	for _, a := range as {
		evs = append(evs, alertEvent(a))
	}
	slices.SortStableFunc(evs, func(a, b securityEvent) int { return b.When.Compare(a.When) })
	t := &securityTimeline{Events: evs, More: nextIn != "" || nextAl != ""}
	if len(evs) > securityShown {
		t.Events, t.More = evs[:securityShown], true
	}
	return t
}

func incidentEvent(in *alert.Incident) securityEvent {
	detail := strconv.Itoa(in.AlertCount) + " alerts"
	if in.AlertCount == 1 {
		detail = "1 alert"
	}
	if in.Assignee != "" {
		detail += " · assigned to " + in.Assignee
	}
	return securityEvent{When: in.LastSeen, Incident: true, Severity: in.Severity, Title: in.Title,
		Status: incidentStatusLabel(in.Status), StatusClass: "incident-" + string(in.Status), Detail: detail,
		Href: "/incidents/" + strconv.FormatInt(in.ID, 10)}
}

func alertEvent(a *alert.Alert) securityEvent {
	ev := securityEvent{When: a.LastSeen, Severity: a.Severity, Title: a.Title,
		Status: alertStatusLabel(a.Status), StatusClass: "alert-" + string(a.Status), Detail: sourceLabel(a.Source)}
	if a.Count > 1 {
		ev.Detail += " · " + num(a.Count) + " times"
	}
	if a.IncidentID != 0 {
		ev.Href = "/incidents/" + strconv.FormatInt(a.IncidentID, 10)
	}
	return ev
}
