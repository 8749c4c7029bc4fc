package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
)

// reqState is what the middleware learns about a request as it goes: the
// outer layers create it, the route wrapper fills in the route and actor,
// and the access log and metrics read it at the end.
type reqState struct {
	id      string
	route   string // the route pattern; "" while no route matched
	actor   *airtight.Actor
	session *auth.Session
}

type stateKey struct{}

func stateFrom(ctx context.Context) *reqState {
	if st, ok := ctx.Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

func requestID(ctx context.Context) string { return stateFrom(ctx).id }

func routeOf(ctx context.Context) string {
	if r := stateFrom(ctx).route; r != "" {
		return r
	}
	return "unmatched"
}

// begin starts every request: its state, its request ID and the security
// headers, set before anything else can write a response.
func (s *Server) begin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqState{id: incomingRequestID(r.Header.Get("X-Request-ID"))}
		w.Header().Set("X-Request-ID", st.id)
		s.setSecurityHeaders(w.Header())
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	})
}

// incomingRequestID keeps a sane client-supplied ID and replaces any other.
func incomingRequestID(id string) string {
	if len(id) == 0 || len(id) > 64 {
		return newRequestID()
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return newRequestID()
		}
	}
	return id
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

// contentSecurityPolicy allows only same-origin resources and no framing.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// setSecurityHeaders sets the headers every response carries. Responses
// are not cached unless a handler (static assets) says otherwise.
func (s *Server) setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if s.cfg.Secure {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// statusWriter remembers the response status for the log and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe writes the access log line and the request metrics. It logs the
// route pattern, never the raw path, query, headers or body.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() { s.logRequest(r, sw.status, s.now().Sub(start)) }()
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) logRequest(r *http.Request, status int, d time.Duration) {
	if status == 0 {
		status = http.StatusOK // nothing written: net/http sends 200
	}
	st := stateFrom(r.Context())
	method := methodLabel(r.Method)
	s.metrics.observe(routeOf(r.Context()), method, status, d)
	attrs := []slog.Attr{
		slog.String("method", method), slog.String("route", routeOf(r.Context())),
		slog.Int("status", status), slog.Duration("duration", d), slog.String("request_id", st.id),
	}
	if a := st.actor; a != nil {
		attrs = append(attrs, slog.String("actor_kind", string(a.Kind)), slog.Int64("actor_id", a.ID),
			slog.Int64("org_id", a.OrgID))
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// methodLabel bounds the method to known names: it is client input.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// recoverer turns a panic into a logged 500. The panic value is logged only
// when it is a runtime error (whose text holds no request data); the client
// never sees it.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logPanic(r, v)
			if sw, ok := w.(*statusWriter); !ok || sw.status == 0 {
				s.writeError(w, r, airtight.Errorf(airtight.EInternal, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) logPanic(r *http.Request, v any) {
	what := fmt.Sprintf("%T", v)
	if re, ok := v.(runtime.Error); ok {
		what = re.Error()
	}
	s.log.LogAttrs(r.Context(), slog.LevelError, "panic",
		slog.String("request_id", requestID(r.Context())), slog.String("route", routeOf(r.Context())),
		slog.String("panic", what), slog.String("stack", string(debug.Stack())))
}

// unmatchedWriter replaces the mux's plain-text 404 and 405 for requests
// that matched no route with the API's JSON error.
type unmatchedWriter struct {
	http.ResponseWriter
	s        *Server
	r        *http.Request
	replaced bool
}

func (u *unmatchedWriter) WriteHeader(code int) {
	if stateFrom(u.r.Context()).route != "" || (code != http.StatusNotFound && code != http.StatusMethodNotAllowed) {
		u.ResponseWriter.WriteHeader(code)
		return
	}
	u.replaced = true
	err := airtight.Errorf(airtight.ENotFound, "not found")
	if code == http.StatusMethodNotAllowed {
		err = airtight.Errorf(codeMethodNotAllowed, "method not allowed")
	}
	u.s.writeError(u.ResponseWriter, u.r, err)
}

func (u *unmatchedWriter) Write(b []byte) (int, error) {
	if u.replaced {
		return len(b), nil
	}
	return u.ResponseWriter.Write(b)
}

func (u *unmatchedWriter) Unwrap() http.ResponseWriter { return u.ResponseWriter }
