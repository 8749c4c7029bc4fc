// Package est serves Enrollment over Secure Transport (RFC 7030, with the
// clarifications of RFC 8951) for airtight's certificate authorities.
//
// Every organization has its own CAs, so every EST path carries the
// organization's slug as the RFC 7030 label:
//
//	GET  /.well-known/est/{label}/cacerts
//	POST /.well-known/est/{label}/simpleenroll
//	POST /.well-known/est/{label}/simplereenroll
//	GET  /.well-known/est/{label}/csrattrs
//	POST /.well-known/est/{label}/serverkeygen
//
// The routes are public as far as the API's middleware is concerned: EST
// authenticates by itself, with a one-time enrollment token sent as the HTTP
// Basic password, with a device maker's factory certificate (IEEE 802.1AR
// IDevID) presented over mutual TLS, or, to re-enroll, with the current
// certificate this organization issued. The TLS server must therefore
// request client certificates without verifying them itself
// (tls.Config.ClientAuth = tls.RequestClientCert): this package verifies
// them against the right organization's anchors.
package est

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
)

// DefaultMaxBody is the largest request body (a base64 PKCS#10 request)
// the server reads; larger bodies get 413.
const DefaultMaxBody = 16 << 10

// PathPrefix starts every EST path (RFC 7030 section 3.2.2).
const PathPrefix = "/.well-known/est/"

// CertificateStore is what EST needs from the certificate store beyond the
// Service: the organization's CAs (to verify a certificate presented for
// re-enrollment) and that certificate's record (status, profile, device). Both are scoped to the
// actor's organization. *sqlstore.DB implements it.
type CertificateStore interface {
	ListCAs(ctx context.Context) ([]*pki.CA, error)
	FindCertificate(ctx context.Context, serial string) (*pki.Certificate, error)
}

// Config configures a Server. Service, Certs, Enroll, Orgs and Devices are
// required.
type Config struct {
	Service pki.Service
	Certs   CertificateStore
	Enroll  pki.EnrollmentStore
	Orgs    airtight.OrganizationService
	Devices inventory.DeviceService
	Logger  *slog.Logger     // nil: discard
	Now     func() time.Time // nil: time.Now
	MaxBody int64            // request body limit; 0: DefaultMaxBody
	// CacheTTL bounds how long an organization and its CA chain are
	// remembered between requests; 0: one minute.
	CacheTTL time.Duration
}

// Server answers EST requests.
type Server struct {
	cfg    Config
	log    *slog.Logger
	mu     sync.Mutex
	orgs   map[string]cached[*airtight.Organization]
	chains map[int64]cached[*caChain]
}

type cached[T any] struct {
	v       T
	expires time.Time
}

// New validates cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil || cfg.Certs == nil || cfg.Enroll == nil || cfg.Orgs == nil || cfg.Devices == nil {
		return nil, errors.New("est: Service, Certs, Enroll, Orgs and Devices are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = time.Minute
	}
	return &Server{cfg: cfg, log: cfg.Logger,
		orgs: map[string]cached[*airtight.Organization]{}, chains: map[int64]cached[*caChain]{}}, nil
}

// Routes returns the EST endpoints, to be mounted as public routes of the
// main server. The route body limit is left above MaxBody so that the
// handlers answer oversized requests themselves, in EST's text/plain form.
func (s *Server) Routes() []httpapi.Route {
	limit := 4 * s.cfg.MaxBody
	route := func(method, op, summary string, h http.HandlerFunc) httpapi.Route {
		return httpapi.Route{Method: method, Pattern: PathPrefix + "{label}/" + op, Public: true,
			Summary: summary, Handler: h, MaxBodyBytes: limit}
	}
	return []httpapi.Route{
		route(http.MethodGet, "cacerts", "EST: the organization's CA certificates (RFC 7030 4.1)", s.serveCACerts),
		route(http.MethodPost, "simpleenroll", "EST: enroll with a token or a factory certificate (RFC 7030 4.2)", s.serveEnroll),
		route(http.MethodPost, "simplereenroll", "EST: renew with the current certificate (RFC 7030 4.2.2)", s.serveReenroll),
		route(http.MethodGet, "csrattrs", "EST: attributes the CA wants in requests (RFC 7030 4.5)", s.serveCSRAttrs),
		route(http.MethodPost, "serverkeygen", "EST: enroll with a server-generated key (RFC 7030 4.4)", s.serveServerKeygen),
	}
}

// Handler returns the routes on a plain ServeMux, for servers that do not
// use httpapi's middleware (tests, a dedicated EST listener).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		mux.HandleFunc(rt.Method+" "+rt.Pattern, rt.Handler)
	}
	return mux
}

// systemContext acts inside org as the EST subsystem.
func systemContext(ctx context.Context, orgID int64) context.Context {
	return airtight.NewContext(ctx, airtight.SystemActor(orgID, "est"))
}

// organization resolves the request's label, remembering known ones for
// CacheTTL. Unknown labels are not remembered.
func (s *Server) organization(r *http.Request) (*airtight.Organization, error) {
	slug := r.PathValue("label")
	now := s.cfg.Now()
	s.mu.Lock()
	c, ok := s.orgs[slug]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.v, nil
	}
	if !validLabel(slug) {
		return nil, failf(http.StatusNotFound, nil, "unknown EST label")
	}
	o, err := s.cfg.Orgs.FindOrganizationBySlug(r.Context(), slug)
	if airtight.ErrorCode(err) == airtight.ENotFound {
		return nil, failf(http.StatusNotFound, nil, "unknown EST label")
	} else if err != nil {
		return nil, internal(fmt.Errorf("find organization: %w", err))
	}
	s.mu.Lock()
	if len(s.orgs) > 10000 {
		clear(s.orgs)
	}
	s.orgs[slug] = cached[*airtight.Organization]{v: o, expires: now.Add(s.cfg.CacheTTL)}
	s.mu.Unlock()
	return o, nil
}

func validLabel(s string) bool {
	o := airtight.Organization{Slug: s, Name: "x", Kind: airtight.OrgHospital}
	return o.Validate() == nil
}
