package httpapi

import (
	"io"
	"net/http"

	"github.com/airtight/airtight/vuln"
)

// Vulnerability management: staff read findings, risk and the plan;
// clinical engineers and admins attach SBOMs and VEX to product versions;
// analysts, engineers and admins work the plan and suppress findings.
func (s *Server) vulnRoutes() []Route {
	return []Route{
		{Method: "POST", Pattern: "/api/v1/vuln/versions/{id}/sboms", Roles: editors, MaxBodyBytes: s.cfg.MaxImportBytes,
			Summary: "Attach an SBOM (CycloneDX or SPDX, raw body) to a product version and evaluate it", Handler: s.withVersionUpload(s.putSBOM)},
		{Method: "GET", Pattern: "/api/v1/vuln/versions/{id}/sboms", Roles: readers,
			Summary: "List a product version's SBOMs, with those its maker shares", Handler: s.withID(s.listSBOMs)},
		{Method: "POST", Pattern: "/api/v1/vuln/versions/{id}/vex", Roles: editors, MaxBodyBytes: s.cfg.MaxImportBytes,
			Summary: "Import VEX statements (OpenVEX, CycloneDX or CSAF, raw body) about a product version", Handler: s.withVersionUpload(s.importVEX)},
		{Method: "POST", Pattern: "/api/v1/vuln/versions/{id}/evaluate", Roles: triagers,
			Summary: "Evaluate a product version against the stored advisories now", Handler: s.withID(s.evaluateVersion)},
		{Method: "GET", Pattern: "/api/v1/vuln/findings", Roles: readers, Summary: "List open vulnerability findings, newest first", Handler: s.listFindings},
		{Method: "GET", Pattern: "/api/v1/vuln/risk", Roles: readers, Summary: "Rank devices by the risk of their open findings", Handler: s.riskList},
		{Method: "GET", Pattern: "/api/v1/vuln/exposure", Roles: readers, Summary: "Open findings at the end of each recent day", Handler: s.exposure},
		{Method: "GET", Pattern: "/api/v1/vuln/plan", Roles: readers, Summary: "The patch plan, riskiest first", Handler: s.listPlan},
		{Method: "PATCH", Pattern: "/api/v1/vuln/plan/{id}", Roles: triagers, Summary: "Move a patch plan entry (open, planned, patched, verified), assign it, annotate it",
			Handler: s.withID(s.updatePlan)},
		{Method: "GET", Pattern: "/api/v1/vuln/suppressions", Roles: readers, Summary: "List finding suppressions", Handler: s.listSuppressions},
		{Method: "POST", Pattern: "/api/v1/vuln/suppressions", Roles: triagers, Summary: "Suppress an advisory on a component, in every version",
			Handler: s.suppress},
		{Method: "DELETE", Pattern: "/api/v1/vuln/suppressions/{id}", Roles: triagers, Summary: "Remove a suppression", Handler: s.withID(s.unsuppress)},
	}
}

// withVersionUpload reads the {id} path value, the optional name query
// parameter (the file name) and the raw body.
func (s *Server) withVersionUpload(fn func(w http.ResponseWriter, r *http.Request, id int64, name string, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p, err := queryParams(r, "name")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.writeError(w, r, scanError(err))
			return
		}
		fn(w, r, id, p.str("name"), body)
	}
}

func (s *Server) putSBOM(w http.ResponseWriter, r *http.Request, id int64, name string, body []byte) {
	sb, err := s.svc.Vuln.PutSBOM(r.Context(), id, name, body)
	if sb != nil {
		sb.Components = nil // the upload's answer is its record; the components are in the request
	}
	s.respond(w, r, http.StatusCreated, sb, err)
}

type sbomList struct {
	SBOMs []*vuln.SBOM `json:"sboms"`
}

func (s *Server) listSBOMs(w http.ResponseWriter, r *http.Request, id int64) {
	l, err := s.svc.Vuln.ListSBOMs(r.Context(), id)
	s.respond(w, r, http.StatusOK, sbomList{SBOMs: nonNilSlice(l)}, err)
}

type vexList struct {
	Statements []*vuln.VEXStatement `json:"statements"`
}

func (s *Server) importVEX(w http.ResponseWriter, r *http.Request, id int64, name string, body []byte) {
	st, err := s.svc.Vuln.ImportVEX(r.Context(), id, name, body)
	s.respond(w, r, http.StatusCreated, vexList{Statements: nonNilSlice(st)}, err)
}

func (s *Server) evaluateVersion(w http.ResponseWriter, r *http.Request, id int64) {
	res, err := s.svc.Vuln.Evaluate(r.Context(), id)
	s.respond(w, r, http.StatusOK, res, err)
}

type findingPage struct {
	Findings   []*vuln.StoredFinding `json:"findings"`
	NextCursor string                `json:"next_cursor,omitempty"`
}

// listFindings: query device, version, status, min_severity, kev,
// suppressed (include suppressed findings), cursor, limit.
func (s *Server) listFindings(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "device", "version", "status", "min_severity", "kev", "suppressed", "cursor", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := vuln.FindingFilter{DeviceID: p.id("device"), VersionID: p.id("version"), Status: vuln.Status(p.str("status")),
		MinSeverity: vuln.Severity(p.str("min_severity")), KEV: p.bool("kev"), IncludeSuppressed: p.bool("suppressed"),
		Cursor: p.str("cursor"), Limit: p.int("limit", 1, 500)}
	if p.err == nil && f.Status != "" && !knownStatus(f.Status) {
		p.err = fieldError("status", "must be affected, not_affected, fixed, under_investigation or needs_review")
	}
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	fs, next, err := s.svc.Vuln.ListFindings(r.Context(), f)
	s.respond(w, r, http.StatusOK, findingPage{Findings: nonNilSlice(fs), NextCursor: next}, err)
}

func knownStatus(st vuln.Status) bool {
	switch st {
	case vuln.StatusAffected, vuln.StatusNotAffected, vuln.StatusFixed, vuln.StatusUnderInvestigation, vuln.StatusNeedsReview:
		return true
	}
	return false
}

type riskList struct {
	Devices []vuln.DeviceRisk `json:"devices"`
}

func (s *Server) riskList(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit := p.int("limit", 1, 500)
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	l, err := s.svc.Vuln.RiskList(r.Context(), limit)
	s.respond(w, r, http.StatusOK, riskList{Devices: nonNilSlice(l)}, err)
}

type exposureList struct {
	Days []vuln.ExposurePoint `json:"days"`
}

func (s *Server) exposure(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "days")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	days := p.int("days", 1, 366)
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	if days == 0 {
		days = 30
	}
	l, err := s.svc.Vuln.ExposureHistory(r.Context(), days)
	s.respond(w, r, http.StatusOK, exposureList{Days: nonNilSlice(l)}, err)
}

type planList struct {
	Entries []*vuln.PlanEntry `json:"entries"`
}

func (s *Server) listPlan(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.svc.Vuln.Plan(r.Context())
	s.respond(w, r, http.StatusOK, planList{Entries: nonNilSlice(l)}, err)
}

func (s *Server) updatePlan(w http.ResponseWriter, r *http.Request, id int64) {
	var u vuln.PlanUpdate
	if err := decodeJSON(r, &u); err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := s.svc.Vuln.SetPlanState(r.Context(), id, u)
	s.respond(w, r, http.StatusOK, e, err)
}

type suppressionList struct {
	Suppressions []*vuln.Suppression `json:"suppressions"`
}

func (s *Server) listSuppressions(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.svc.Vuln.ListSuppressions(r.Context())
	s.respond(w, r, http.StatusOK, suppressionList{Suppressions: nonNilSlice(l)}, err)
}

// suppressRequest is the body of POST /api/v1/vuln/suppressions.
type suppressRequest struct {
	Identity string `json:"component_identity"`
	Advisory string `json:"advisory"`
	Reason   string `json:"reason"`
}

func (s *Server) suppress(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	var in suppressRequest
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	sup := &vuln.Suppression{Identity: in.Identity, Advisory: in.Advisory, Reason: in.Reason}
	err := s.svc.Vuln.Suppress(r.Context(), sup)
	s.respond(w, r, http.StatusCreated, sup, err)
}

func (s *Server) unsuppress(w http.ResponseWriter, r *http.Request, id int64) {
	s.respond(w, r, http.StatusNoContent, nil, s.svc.Vuln.Unsuppress(r.Context(), id))
}
