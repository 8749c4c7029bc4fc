package httpapi

import (
	"net/http"
	"time"

	"github.com/airtight/airtight/detect"
)

// Monitoring data: who talks to whom, event rates, the alert trend and the
// devices discovered on the network. Staff read; triagers decide about
// discovered devices (adopt into the inventory, or ignore).
func (s *Server) observeRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/network/links", Roles: readers, Summary: "Traffic between devices and addresses, most bytes first", Handler: s.listLinks},
		{Method: "GET", Pattern: "/api/v1/network/rates", Roles: readers, Summary: "Monitoring events per input source and class over time", Handler: s.eventRates},
		{Method: "GET", Pattern: "/api/v1/alerts/trend", Roles: readers, Summary: "Alerts per day and severity", Handler: s.alertTrend},
		{Method: "GET", Pattern: "/api/v1/discovered", Roles: readers, Summary: "Devices seen on the network but not in the inventory", Handler: s.listDiscovered},
		{Method: "POST", Pattern: "/api/v1/discovered/{id}/status", Roles: triagers, Summary: "Adopt or ignore a discovered device", Handler: s.withID(s.setDiscoveredStatus)},
	}
}

// sinceParam reads "hours" (default def, at most 30 days) as a start time.
func (s *Server) sinceParam(p *params, def int) time.Time {
	h := p.int("hours", 1, 24*30)
	if h == 0 {
		h = def
	}
	return s.cfg.Now().Add(-time.Duration(h) * time.Hour)
}

func (s *Server) listLinks(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "hours", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	since, limit := s.sinceParam(p, 24), p.int("limit", 1, 1000)
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	if limit == 0 {
		limit = 200
	}
	links, err := s.svc.Network.ListLinks(r.Context(), since, limit)
	s.respond(w, r, http.StatusOK, map[string]any{"links": nonNil(links)}, err)
}

func (s *Server) eventRates(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "hours", "step_minutes")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	since, step := s.sinceParam(p, 24), p.int("step_minutes", 1, 24*60)
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	if step == 0 {
		step = 60
	}
	buckets, err := s.svc.Network.EventRates(r.Context(), since, time.Duration(step)*time.Minute)
	s.respond(w, r, http.StatusOK, map[string]any{"buckets": nonNilSlice(buckets)}, err)
}

func (s *Server) alertTrend(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "days")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	days := p.int("days", 1, 365)
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	if days == 0 {
		days = 30
	}
	pts, err := s.svc.Network.AlertTrend(r.Context(), s.cfg.Now().AddDate(0, 0, -days))
	s.respond(w, r, http.StatusOK, map[string]any{"days": nonNilSlice(pts)}, err)
}

type discoveredList struct {
	Devices    []*detect.Discovered `json:"devices"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

func (s *Server) listDiscovered(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "status", "cursor", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status, cursor, limit := detect.DiscoveredStatus(p.str("status")), p.str("cursor"), p.int("limit", 1, 500)
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	ds, next, err := s.svc.Network.ListDiscovered(r.Context(), status, cursor, limit)
	s.respond(w, r, http.StatusOK, discoveredList{Devices: nonNil(ds), NextCursor: next}, err)
}

type discoveredStatusInput struct {
	Status detect.DiscoveredStatus `json:"status"`
}

func (s *Server) setDiscoveredStatus(w http.ResponseWriter, r *http.Request, id int64) {
	var in discoveredStatusInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.svc.Network.SetDiscoveredStatus(r.Context(), id, in.Status)
	s.respond(w, r, http.StatusOK, d, err)
}
