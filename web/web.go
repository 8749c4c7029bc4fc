// Package web serves airtight's dashboard: server-rendered HTML pages built
// with html/template, with every template, stylesheet and script embedded in
// the binary. It plugs into httpapi as a list of Routes; the server around it
// authenticates requests, enforces each route's roles, checks CSRF tokens and
// sets the security headers (a strict Content-Security-Policy: no inline
// styles or scripts, so none are ever rendered here).
package web

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/vuln"
)

// Authenticator logs dashboard users in and out. httpapi.Server implements
// it. Login and Logout return *airtight.Error values with the codes
// unauthorized (bad credentials) or rate_limited.
type Authenticator interface {
	Login(w http.ResponseWriter, r *http.Request, email, password string) error
	Logout(w http.ResponseWriter, r *http.Request) error
	CSRFToken(r *http.Request) string
}

// DeferredAuth breaks the wiring cycle between web and httpapi: the
// dashboard needs the server's sessions (httpapi.Server is the
// Authenticator), and the server needs the dashboard's routes. Pass a
// *DeferredAuth as Config.Auth, build the server with Handler.Routes, then
// set Authenticator before serving:
//
//	auth := &web.DeferredAuth{}
//	h, err := web.New(web.Config{..., Auth: auth})
//	srv, err := httpapi.New(httpapi.Config{Pages: h.Routes()}, svc)
//	auth.Authenticator = srv
type DeferredAuth struct {
	Authenticator
}

// CertificateLister is what the certificates page reads from the PKI store
// (*sqlstore.DB implements it). Both methods are scoped to the actor's
// organization.
type CertificateLister interface {
	ListCAs(ctx context.Context) ([]*pki.CA, error)
	ListCertificates(ctx context.Context, f pki.CertificateFilter) ([]*pki.Certificate, string, error)
}

// Config holds the services the dashboard reads and the authenticator it
// logs users in with. Every field but DLPRelease, Network, Logger and
// Version is required.
type Config struct {
	Devices       inventory.DeviceService
	Manufacturers inventory.ManufacturerService
	Grants        inventory.GrantService
	Orgs          airtight.OrganizationService
	Audit         audit.Service
	Alerts        alert.Service
	Incidents     alert.IncidentService
	DLP           dlp.EventService
	// DLPRelease delivers released quarantined content and shreds deleted
	// content; nil where no gateway holds content (the decision is recorded
	// either way).
	DLPRelease dlp.Releaser
	Certs      CertificateLister
	// Network holds monitoring's observations: the network map, event
	// rates and discovered devices; nil where monitoring is not wired
	// (the pages then say so).
	Network detect.ObservationService
	// Vuln is vulnerability management: findings, the risk ranking, the
	// patch plan and suppressions.
	Vuln    vuln.Service
	Auth    Authenticator
	Logger  *slog.Logger
	Version string
}

func (c Config) validate() error {
	switch {
	case c.Devices == nil:
		return errors.New("web: Config.Devices is required")
	case c.Manufacturers == nil:
		return errors.New("web: Config.Manufacturers is required")
	case c.Grants == nil:
		return errors.New("web: Config.Grants is required")
	case c.Orgs == nil:
		return errors.New("web: Config.Orgs is required")
	case c.Audit == nil:
		return errors.New("web: Config.Audit is required")
	case c.Alerts == nil:
		return errors.New("web: Config.Alerts is required")
	case c.Incidents == nil:
		return errors.New("web: Config.Incidents is required")
	case c.DLP == nil:
		return errors.New("web: Config.DLP is required")
	case c.Certs == nil:
		return errors.New("web: Config.Certs is required")
	case c.Vuln == nil:
		return errors.New("web: Config.Vuln is required")
	case c.Auth == nil:
		return errors.New("web: Config.Auth is required")
	}
	return nil
}

// Handler serves the dashboard pages.
type Handler struct {
	cfg    Config
	log    *slog.Logger
	pages  map[string]*pageTemplate
	assets *assets
	now    func() time.Time
}

// New parses the embedded templates and fingerprints the static assets.
func New(cfg Config) (*Handler, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, now: time.Now}
	var err error
	if h.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	funcs := h.funcs()
	maps.Copy(funcs, vulnFuncs())
	if h.pages, err = parsePages(funcs); err != nil {
		return nil, err
	}
	return h, nil
}

// Roles that may read dashboard pages. Machine identities (RoleDevice) get none.
var (
	readRoles  = []airtight.Role{airtight.RoleAdmin, airtight.RoleAnalyst, airtight.RoleBiomed, airtight.RoleAuditor}
	adminRoles = []airtight.Role{airtight.RoleAdmin}
	auditRoles = []airtight.Role{airtight.RoleAdmin, airtight.RoleAuditor}
	// triageRoles may acknowledge, resolve and reopen alerts and incidents;
	// auditors only read.
	triageRoles = []airtight.Role{airtight.RoleAdmin, airtight.RoleAnalyst, airtight.RoleBiomed}
	// quarantineRoles release or delete quarantined content: security staff.
	quarantineRoles = []airtight.Role{airtight.RoleAdmin, airtight.RoleAnalyst}
)

// Routes returns every dashboard route with its access policy.
func (h *Handler) Routes() []httpapi.Route {
	return []httpapi.Route{
		{Method: "GET", Pattern: "/static/", Public: true, Summary: "Dashboard stylesheets, scripts and icons", Handler: h.serveStatic},
		{Method: "GET", Pattern: "/login", Public: true, Page: true, Summary: "Sign-in page", Handler: h.loginPage},
		{Method: "POST", Pattern: "/login", Public: true, Summary: "Sign in with email and password", Handler: h.login},
		{Method: "POST", Pattern: "/logout", Roles: readRoles, Page: true, Summary: "Sign out", Handler: h.logout},
		{Method: "GET", Pattern: "/{$}", Roles: readRoles, Page: true, Summary: "Fleet overview", Handler: h.overview},
		{Method: "GET", Pattern: "/devices", Roles: readRoles, Page: true, Summary: "Device list", Handler: h.deviceList},
		{Method: "GET", Pattern: "/devices/{id}", Roles: readRoles, Page: true, Summary: "Device detail", Handler: h.deviceDetail},
		{Method: "GET", Pattern: "/alerts", Roles: readRoles, Page: true, Summary: "Alerts to triage, most severe first", Handler: h.alertList},
		{Method: "POST", Pattern: "/alerts/{id}/status", Roles: triageRoles, Page: true, Summary: "Acknowledge, resolve or reopen an alert", Handler: h.setAlertStatus},
		{Method: "GET", Pattern: "/incidents", Roles: readRoles, Page: true, Summary: "Incidents: alerts about one device grouped, most severe first", Handler: h.incidentList},
		{Method: "GET", Pattern: "/incidents/{id}", Roles: readRoles, Page: true, Summary: "Incident detail with its alerts", Handler: h.incidentDetail},
		{Method: "POST", Pattern: "/incidents/{id}/status", Roles: triageRoles, Page: true, Summary: "Acknowledge, close or reopen an incident", Handler: h.setIncidentStatus},
		{Method: "POST", Pattern: "/incidents/{id}/assign", Roles: triageRoles, Page: true, Summary: "Assign an incident to a person", Handler: h.assignIncident},
		{Method: "GET", Pattern: "/dlp", Roles: readRoles, Page: true, Summary: "Patient-data loss prevention: decisions and their trend", Handler: h.dlpEvents},
		{Method: "GET", Pattern: "/dlp/quarantine", Roles: readRoles, Page: true, Summary: "Content held in quarantine for a decision", Handler: h.quarantineList},
		{Method: "POST", Pattern: "/dlp/quarantine/{id}/release", Roles: quarantineRoles, Page: true, Summary: "Release quarantined content to its destination", Handler: h.decideQuarantine(dlp.QuarantineReleased)},
		{Method: "POST", Pattern: "/dlp/quarantine/{id}/delete", Roles: quarantineRoles, Page: true, Summary: "Delete quarantined content for good", Handler: h.decideQuarantine(dlp.QuarantineDeleted)},
		{Method: "GET", Pattern: "/network", Roles: readRoles, Page: true, Summary: "Network map: who talks to whom, event rates, alert trend", Handler: h.network},
		{Method: "GET", Pattern: "/discovered", Roles: readRoles, Page: true, Summary: "Devices seen on the network that are not in the inventory", Handler: h.discoveredList},
		{Method: "GET", Pattern: "/discovered/adopted.csv", Roles: readRoles, Page: true, Summary: "Adopted devices as an inventory CSV file to complete and import", Handler: h.adoptedCSV},
		{Method: "POST", Pattern: "/discovered/{id}/status", Roles: triageRoles, Page: true, Summary: "Adopt, ignore or reopen a discovered device", Handler: h.setDiscoveredStatus},
		{Method: "GET", Pattern: "/vulnerabilities", Roles: readRoles, Page: true, Summary: "Vulnerabilities: exposure trend and devices ranked by risk", Handler: h.vulnOverview},
		{Method: "GET", Pattern: "/vulnerabilities/findings", Roles: readRoles, Page: true, Summary: "Vulnerability findings with how they were matched, and suppressions", Handler: h.vulnFindings},
		{Method: "POST", Pattern: "/vulnerabilities/suppressions", Roles: triageRoles, Page: true, Summary: "Suppress a finding that does not apply, with a reason", Handler: h.suppressFinding},
		{Method: "POST", Pattern: "/vulnerabilities/suppressions/{id}/delete", Roles: triageRoles, Page: true, Summary: "Lift a suppression", Handler: h.unsuppressFinding},
		{Method: "GET", Pattern: "/patch-plan", Roles: readRoles, Page: true, Summary: "Patch plan: updates per product version, riskiest first", Handler: h.patchPlan},
		{Method: "POST", Pattern: "/patch-plan/{id}/state", Roles: triageRoles, Page: true, Summary: "Move a patch plan entry to its next state", Handler: h.setPlanState},
		{Method: "POST", Pattern: "/patch-plan/{id}/assign", Roles: triageRoles, Page: true, Summary: "Set a patch plan entry's assignee and note", Handler: h.assignPlan},
		{Method: "GET", Pattern: "/certificates", Roles: readRoles, Page: true, Summary: "Certificate authorities and device certificates, soonest expiry first", Handler: h.certificates},
		{Method: "GET", Pattern: "/grants", Roles: adminRoles, Page: true, Summary: "Installed-base sharing with device makers", Handler: h.grantList},
		{Method: "POST", Pattern: "/grants/{id}/revoke", Roles: adminRoles, Page: true, Summary: "Revoke an installed-base grant", Handler: h.revokeGrant},
		{Method: "GET", Pattern: "/audit", Roles: auditRoles, Page: true, Summary: "Audit log (latest entries)", Handler: h.auditLog},
	}
}
