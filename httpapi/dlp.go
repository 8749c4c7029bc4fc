package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/dlp"
)

// DLP: staff who handle content scan it; everyone on staff reads the DLP
// log (types and counts, never values); security decides on quarantine.
var quarantiners = []airtight.Role{airtight.RoleAdmin, airtight.RoleAnalyst}

func (s *Server) dlpRoutes() []Route {
	return []Route{
		{Method: "POST", Pattern: "/api/v1/dlp/scan", Roles: triagers, Summary: "Scan content for patient data and apply the DLP policy",
			Handler: s.scanContent, MaxBodyBytes: s.cfg.MaxScanBytes},
		{Method: "GET", Pattern: "/api/v1/dlp/events", Roles: readers, Summary: "List DLP events, newest first", Handler: s.listDLPEvents},
		{Method: "GET", Pattern: "/api/v1/dlp/quarantine", Roles: readers, Summary: "List quarantined content, newest first", Handler: s.listQuarantine},
		{Method: "POST", Pattern: "/api/v1/dlp/quarantine/{id}/release", Roles: quarantiners, Summary: "Release quarantined content to its destination",
			Handler: s.withID(s.decideQuarantine(dlp.QuarantineReleased))},
		{Method: "POST", Pattern: "/api/v1/dlp/quarantine/{id}/delete", Roles: quarantiners, Summary: "Delete quarantined content for good",
			Handler: s.withID(s.decideQuarantine(dlp.QuarantineDeleted))},
	}
}

// scanResult is the answer to a scan: where the patient data is (types,
// offsets, fields, confidence — never the values), what the policy
// decided, and the DLP event recorded.
type scanResult struct {
	Findings    []dlp.Located     `json:"findings"`
	Unscannable []dlp.Unscannable `json:"unscannable"`
	Bytes       int64             `json:"bytes"`
	Decision    dlp.Decision      `json:"decision"`
	EventID     int64             `json:"event_id"`
}

// scanContent scans the raw request body. Query: name (a file name, for
// format detection), to (recipient addresses or a host, comma-separated:
// the destination the policy judges).
func (s *Server) scanContent(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "name", "to")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	name, to := p.str("name"), p.str("to")
	rep, err := s.svc.DLPScanner.ScanContent(r.Context(), name, r.Body)
	if err != nil {
		s.writeError(w, r, scanError(err))
		return
	}
	act := airtight.ActorFrom(r.Context())
	dst := s.destination(to)
	dec := s.svc.DLPPolicy.Decide(rep, dst)
	ev := &dlp.Event{Channel: dlp.ChannelAPI, Actor: act.Name, Destination: destinationDomains(to), External: dst.External,
		Action: dec.Action, Rule: dec.Rule, Reason: dec.Reason, Types: rep.Counts(), Unscannable: len(rep.Unscannable), Bytes: rep.Bytes}
	if err := s.svc.DLPEvents.RecordDLPEvent(r.Context(), ev, nil); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respond(w, r, http.StatusOK, scanResult{Findings: nonNilSlice(rep.Findings), Unscannable: nonNilSlice(rep.Unscannable),
		Bytes: rep.Bytes, Decision: dec, EventID: ev.ID}, nil)
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// scanError: a body over the limit is 413; errors that carry a code keep
// it; the rest are internal (the scanner reports bad content as
// unscannable parts, not as errors).
func scanError(err error) error {
	if isTooLarge(err) {
		return tooLarge()
	}
	return fmt.Errorf("scan content: %w", err)
}

// destination judges where content goes from recipient addresses or a
// host: external when any domain is outside the organization's own.
func (s *Server) destination(to string) dlp.Destination {
	d := dlp.Destination{Channel: dlp.ChannelAPI}
	for _, x := range splitList(to) {
		if strings.Contains(x, "@") {
			d.Recipients = append(d.Recipients, x)
		} else {
			d.Host = x
		}
		if !s.internalDomain(domainOf(x)) {
			d.External = true
		}
	}
	return d
}

func (s *Server) internalDomain(dom string) bool {
	for _, in := range s.cfg.InternalDomains {
		in = strings.ToLower(in)
		if dom == in || strings.HasSuffix(dom, "."+in) {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		addr = addr[i+1:]
	}
	return strings.ToLower(strings.TrimSuffix(addr, "."))
}

// destinationDomains keeps only the domains: local parts of addresses can
// name a patient or a person and are not needed to review the event.
func destinationDomains(to string) string {
	var ds []string
	for _, x := range splitList(to) {
		if d := domainOf(x); d != "" && !containsStr(ds, d) {
			ds = append(ds, d)
		}
	}
	return strings.Join(ds, ",")
}

func containsStr(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

type dlpEventList struct {
	Events     []*dlp.Event `json:"events"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

func (s *Server) listDLPEvents(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "channel", "action", "cursor", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := dlp.EventFilter{Channel: dlp.Channel(p.str("channel")), Action: dlp.Action(p.str("action")),
		Cursor: p.str("cursor"), Limit: p.int("limit", 1, 500)}
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	es, next, err := s.svc.DLPEvents.ListDLPEvents(r.Context(), f)
	s.respond(w, r, http.StatusOK, dlpEventList{Events: nonNil(es), NextCursor: next}, err)
}

type quarantineList struct {
	Items      []*dlp.Quarantined `json:"items"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

func (s *Server) listQuarantine(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "status", "cursor", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status, cursor, limit := dlp.QuarantineStatus(p.str("status")), p.str("cursor"), p.int("limit", 1, 500)
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	qs, next, err := s.svc.DLPEvents.ListQuarantine(r.Context(), status, cursor, limit)
	s.respond(w, r, http.StatusOK, quarantineList{Items: nonNil(qs), NextCursor: next}, err)
}

// decideQuarantine records the decision, then delivers or shreds the
// content. The record changes first: a failure to deliver leaves it
// released with an error to retry by hand, never delivered twice.
func (s *Server) decideQuarantine(st dlp.QuarantineStatus) func(http.ResponseWriter, *http.Request, int64) {
	return func(w http.ResponseWriter, r *http.Request, id int64) {
		q, err := s.svc.DLPEvents.DecideQuarantine(r.Context(), id, st)
		if err == nil && s.svc.DLPRelease != nil {
			if st == dlp.QuarantineReleased {
				err = s.svc.DLPRelease.Release(r.Context(), q)
			} else {
				err = s.svc.DLPRelease.Shred(r.Context(), q)
			}
		}
		s.respond(w, r, http.StatusOK, q, err)
	}
}
