package httpapi

import (
	"net/http"

	"github.com/airtight/airtight/alert"
)

// Alerts are read by every staff role; analysts, biomed and admins triage
// them (acknowledge, resolve, reopen). Auditors only read.
func (s *Server) alertRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/alerts", Roles: readers, Summary: "List alerts, most severe first, then newest", Handler: s.listAlerts},
		{Method: "GET", Pattern: "/api/v1/alerts/{id}", Roles: readers, Summary: "Get an alert", Handler: s.withID(s.getAlert)},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/status", Roles: triagers, Summary: "Acknowledge, resolve or reopen an alert", Handler: s.withID(s.setAlertStatus)},
	}
}

type alertList struct {
	Alerts     []*alert.Alert `json:"alerts"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "status", "min_severity", "source", "device_id", "cursor", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := alert.Filter{Status: alert.Status(p.str("status")), MinSeverity: alert.Severity(p.str("min_severity")),
		Source: p.str("source"), DeviceID: p.id("device_id"), Cursor: p.str("cursor"), Limit: p.int("limit", 1, 500)}
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	as, next, err := s.svc.Alerts.ListAlerts(r.Context(), f)
	s.respond(w, r, http.StatusOK, alertList{Alerts: nonNil(as), NextCursor: next}, err)
}

func (s *Server) getAlert(w http.ResponseWriter, r *http.Request, id int64) {
	a, err := s.svc.Alerts.FindAlert(r.Context(), id)
	s.respond(w, r, http.StatusOK, a, err)
}

type alertStatusInput struct {
	Status alert.Status `json:"status"`
}

func (s *Server) setAlertStatus(w http.ResponseWriter, r *http.Request, id int64) {
	var in alertStatusInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.svc.Alerts.SetStatus(r.Context(), id, in.Status)
	s.respond(w, r, http.StatusOK, a, err)
}
