package httpapi

import (
	"net/http"

	"github.com/airtight/airtight/alert"
)

// Incidents group alerts per device and time. Every staff role reads them;
// analysts, biomed and admins triage (acknowledge, assign, close).
func (s *Server) incidentRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/incidents", Roles: readers, Summary: "List incidents, most severe first, then newest", Handler: s.listIncidents},
		{Method: "GET", Pattern: "/api/v1/incidents/{id}", Roles: readers, Summary: "Get an incident and its alerts", Handler: s.withID(s.getIncident)},
		{Method: "PATCH", Pattern: "/api/v1/incidents/{id}", Roles: triagers, Summary: "Acknowledge, assign, close or reopen an incident", Handler: s.withID(s.updateIncident)},
	}
}

type incidentList struct {
	Incidents  []*alert.Incident `json:"incidents"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "status", "device_id", "cursor", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := alert.IncidentFilter{Status: alert.IncidentStatus(p.str("status")), DeviceID: p.id("device_id"),
		Cursor: p.str("cursor"), Limit: p.int("limit", 1, 500)}
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	list, next, err := s.svc.Incidents.ListIncidents(r.Context(), f)
	s.respond(w, r, http.StatusOK, incidentList{Incidents: nonNil(list), NextCursor: next}, err)
}

type incidentDetail struct {
	*alert.Incident
	Alerts []*alert.Alert `json:"alerts"`
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request, id int64) {
	in, as, err := s.svc.Incidents.FindIncident(r.Context(), id)
	s.respond(w, r, http.StatusOK, incidentDetail{Incident: in, Alerts: nonNil(as)}, err)
}

func (s *Server) updateIncident(w http.ResponseWriter, r *http.Request, id int64) {
	var in alert.IncidentUpdate
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.svc.Incidents.UpdateIncident(r.Context(), id, in)
	s.respond(w, r, http.StatusOK, out, err)
}
