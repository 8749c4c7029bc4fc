package httpapi

import (
	"context"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/vuln"
)

// Services are the domain services the API calls. *sqlstore.DB implements
// them all but PKI, which is the pki.Authority.
type Services struct {
	Orgs          airtight.OrganizationService
	Manufacturers inventory.ManufacturerService
	Products      inventory.ProductService
	Versions      inventory.VersionService
	Devices       inventory.DeviceService
	Grants        inventory.GrantService
	Users         auth.UserService
	Tokens        auth.TokenService
	Sessions      auth.SessionService
	Audit         audit.Service
	Alerts        alert.Service
	Incidents     alert.IncidentService
	Network       detect.ObservationService
	DLPScanner    dlp.ContentScanner
	DLPPolicy     dlp.Decider
	DLPEvents     dlp.EventService
	DLPRelease    dlp.Releaser // optional: delivers or shreds released/deleted quarantined content
	PKI           pki.Service  // the Authority
	PKIStore      PKIStore
	Ready         func(context.Context) error // nil: always ready
	// OnRevoke, when set, is called after every successful revocation
	// (e.g. to drop the OCSP responder's cached answers for the serial).
	OnRevoke func(caID int64, serial string)
	// Vuln is vulnerability management (sqlstore.Vuln).
	Vuln vuln.Service
}

// Config configures a Server. The zero value of every field is usable.
type Config struct {
	Logger         *slog.Logger // nil: discard
	Secure         bool         // served over TLS: Secure cookies and HSTS
	MaxBodyBytes   int64        // request body limit; default 1 MiB
	MaxImportBytes int64        // CSV import body limit; default 64 MiB
	MaxScanBytes   int64        // POST /api/v1/dlp/scan body limit; default 64 MiB
	// InternalDomains are the organization's own mail and web domains
	// (and their subdomains): DLP destinations outside them are external.
	InternalDomains []string
	Pages           []Route // dashboard routes (package web)
	// PageError renders a refused page request (403) as HTML; nil answers
	// with the JSON error.
	PageError      func(w http.ResponseWriter, r *http.Request, err error)
	PasswordParams argon2id.Params // zero: argon2id.Default
	Now            func() time.Time
	Version        string

	// Collectors add the subsystems' own metrics to /metrics (monitoring
	// queues and drops, gateway buffers). Their labels must be bounded.
	Collectors []prometheus.Collector

	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed. Empty: the client address is the TCP peer.
	TrustedProxies []netip.Prefix
}

// Defaults.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxImportBytes = 64 << 20
)

// Server is the HTTP layer: routes, middleware, authentication and the
// role policy.
type Server struct {
	cfg       Config
	svc       Services
	log       *slog.Logger
	now       func() time.Time
	routes    []Route
	mux       *http.ServeMux
	handler   http.Handler
	metrics   *metrics
	logins    *limiter
	touches   *touchThrottle
	dummyHash string
}

// New validates cfg and svc and builds the server with every route mounted.
func New(cfg Config, svc Services) (*Server, error) {
	if err := svc.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	dummy, err := argon2id.Hash("airtight-dummy-password-for-timing", cfg.PasswordParams)
	if err != nil {
		return nil, fmt.Errorf("httpapi: %w", err)
	}
	s := &Server{cfg: cfg, svc: svc, log: cfg.Logger, now: cfg.Now, mux: http.NewServeMux(),
		metrics: newMetrics(cfg.Version, cfg.Collectors...), logins: newLimiter(loginRate, loginBurst, maxLimiterKeys),
		touches: newTouchThrottle(), dummyHash: dummy}
	routes := append(s.apiRoutes(), cfg.Pages...)
	for _, rt := range routes {
		if err := s.mount(rt); err != nil {
			return nil, err
		}
	}
	s.handler = s.chain()
	return s, nil
}

func (cfg Config) withDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxImportBytes <= 0 {
		cfg.MaxImportBytes = DefaultMaxImportBytes
	}
	if cfg.MaxScanBytes <= 0 {
		cfg.MaxScanBytes = DefaultMaxImportBytes
	}
	if cfg.PasswordParams == (argon2id.Params{}) {
		cfg.PasswordParams = argon2id.Default
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

func (svc Services) validate() error {
	var missing []string
	for name, ok := range map[string]bool{
		"Orgs": svc.Orgs != nil, "Manufacturers": svc.Manufacturers != nil, "Products": svc.Products != nil,
		"Versions": svc.Versions != nil, "Devices": svc.Devices != nil, "Grants": svc.Grants != nil,
		"Users": svc.Users != nil, "Tokens": svc.Tokens != nil, "Sessions": svc.Sessions != nil,
		"Audit": svc.Audit != nil, "Alerts": svc.Alerts != nil, "Incidents": svc.Incidents != nil, "Network": svc.Network != nil,
		"DLPScanner": svc.DLPScanner != nil, "DLPPolicy": svc.DLPPolicy != nil, "DLPEvents": svc.DLPEvents != nil, "PKI": svc.PKI != nil, "PKIStore": svc.PKIStore != nil,
		"Vuln": svc.Vuln != nil,
	} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("httpapi: missing services: %s", strings.Join(missing, ", "))
	}
	return nil
}

// mount registers one route behind the per-route middleware.
func (s *Server) mount(rt Route) (err error) {
	if rt.Method == "" || !strings.HasPrefix(rt.Pattern, "/") || rt.Handler == nil {
		return fmt.Errorf("httpapi: route %q %q: method, pattern and handler are required", rt.Method, rt.Pattern)
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("httpapi: route %s %s: %v", rt.Method, rt.Pattern, v)
		}
	}()
	s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	s.routes = append(s.routes, rt)
	return nil
}

// chain is the middleware every response passes through, outermost first.
func (s *Server) chain() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, airtight.Errorf(airtight.EForbidden, "cross-origin request refused"))
	}))
	var h http.Handler = http.HandlerFunc(s.dispatch)
	h = cop.Handler(h)
	h = s.recoverer(h)
	h = s.observe(h)
	return s.begin(h)
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(&unmatchedWriter{ResponseWriter: w, s: s, r: r}, r)
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes returns every mounted route: API, health, metrics and pages.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }
