package httpapi

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/airtight/airtight"
)

// openapiJSON describes every API route; a test keeps it in step with the
// route table. It is public: it documents the API, it holds no data.
//
//go:embed openapi.json
var openapiJSON []byte

// Health, readiness and the OpenAPI document are public. Metrics need an
// admin or auditor (a Prometheus scraper uses an auditor API token).
func (s *Server) healthRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/healthz", Public: true, Summary: "Liveness", Handler: s.healthz},
		{Method: "GET", Pattern: "/readyz", Public: true, Summary: "Readiness (database reachable)", Handler: s.readyz},
		{Method: "GET", Pattern: "/metrics", Roles: overseers, Summary: "Prometheus metrics", Handler: s.metrics.handler().ServeHTTP},
		{Method: "GET", Pattern: "/api/v1/openapi.json", Public: true, Summary: "This API's OpenAPI 3.1 document", Handler: s.openapi},
	}
}

type statusResponse struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, statusResponse{Status: "ok", Version: s.cfg.Version})
}

const readyTimeout = 2 * time.Second

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.svc.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.svc.Ready(ctx); err != nil {
			s.log.LogAttrs(r.Context(), slog.LevelWarn, "not ready", slog.String("err", err.Error()))
			s.writeError(w, r, airtight.Errorf(codeUnavailable, "not ready"))
			return
		}
	}
	writeJSON(w, http.StatusOK, statusResponse{Status: "ready"})
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openapiJSON)
}
