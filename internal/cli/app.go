package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/est"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/notify"
	"github.com/airtight/airtight/ocsp"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/pki/expiry"
	"github.com/airtight/airtight/sqlstore"
	"github.com/airtight/airtight/web"
)

// App is the running server: every subsystem, built explicitly here and
// nowhere else, started in order and stopped in reverse.
type App struct {
	log       *slog.Logger
	DB        *sqlstore.DB
	Authority *pki.Authority
	EST       *est.Server
	OCSP      *ocsp.Responder
	API       *httpapi.Server
	Web       *web.Handler
	Expiry    *expiry.Watch
	// Alerts is where subsystems raise alerts: the store, wrapped by the
	// notification dispatcher when one is configured.
	Alerts    alert.Service
	Notify    *notify.Dispatcher
	DLP       *dlpParts
	Vuln      *vulnParts
	monitor   *monitor
	opts      appOptions
	main, est *listener
	stopC     chan struct{}
	done      chan error
}

// listener is one HTTP server on one address.
type listener struct {
	srv *http.Server
	ln  net.Listener
	tls bool
}

// appOptions are what differs between serve, demo and tests.
type appOptions struct {
	Addr      string
	TLS       *tls.Config // nil: plain HTTP
	Passwords argon2id.Params
	Keys      pki.KeyStore // CA keys; nil: none (issuing fails with a clear error)
	PublicURL string       // written into certificates; "" until Start knows the address
	ESTAddr   string       // the EST listener that accepts client certificates; "" for none
	Conf      *Config      // the rest of the configuration (notifications, gateways, inputs); nil: none
}

// openStore opens the configured database.
func openStore(ctx context.Context, c *Config) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, c.DatabaseURL())
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return db, nil
}

// newApp wires the store, the PKI, the dashboard and the API together.
func newApp(db *sqlstore.DB, log *slog.Logger, o appOptions) (*App, error) {
	a := &App{log: log, DB: db, opts: o}
	if err := a.wirePKI(); err != nil {
		return nil, err
	}
	var err error
	if a.Alerts, a.Notify, err = startNotify(o.Conf, db, log); err != nil {
		return nil, err
	}
	if err := a.wireDLP(); err != nil {
		return nil, err
	}
	if err := a.wireVuln(); err != nil {
		return nil, err
	}
	// The dashboard's login form goes through the API server's session
	// logic; the API server mounts the dashboard's pages. The deferred
	// authenticator breaks the cycle.
	ref := &web.DeferredAuth{}
	w, err := web.New(web.Config{
		Devices: db, Manufacturers: db, Grants: db, Orgs: db, Audit: db, Alerts: db, Certs: db,
		Incidents: db, DLP: db, DLPRelease: releaser{a.DLP}, Network: db, Vuln: a.Vuln.Service,
		Auth: ref, Logger: log, Version: Version,
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	pages := append(w.Routes(), a.EST.Routes()...)
	pages = append(pages, a.OCSP.Routes()...)
	pages = append(pages, a.portalRoutes()...)
	pages = append(pages, a.ingestRoutes()...)
	api, err := httpapi.New(httpapi.Config{
		Logger: log, Secure: o.TLS != nil, Pages: pages, PageError: w.ErrorPage,
		PasswordParams: o.Passwords, Version: Version, InternalDomains: a.DLP.Policy.InternalDomains(),
		Collectors: []prometheus.Collector{appCollector{a}},
	}, a.services())
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	ref.Authenticator = api
	a.API, a.Web = api, w
	a.Expiry = &expiry.Watch{Orgs: db, Certs: db, Alerts: a.Alerts, Log: log, Now: time.Now}
	return a, nil
}

// wirePKI builds the certificate authority and its protocol front ends.
func (a *App) wirePKI() error {
	keys := a.opts.Keys
	if keys == nil {
		keys = &keyRouter{why: errors.New("no CA key store configured")}
	}
	var opts []pki.Option
	if a.opts.PublicURL != "" {
		opts = append(opts, pki.WithPublicURL(a.opts.PublicURL))
	}
	a.Authority = pki.NewAuthority(a.DB, keys, opts...)
	var err error
	a.EST, err = est.New(est.Config{Service: a.Authority, Certs: a.DB, Enroll: a.DB, Orgs: a.DB, Devices: a.DB, Logger: a.log})
	if err != nil {
		return fmt.Errorf("est: %w", err)
	}
	a.OCSP, err = ocsp.New(ocsp.Config{Signers: a.Authority, Store: a.DB, CRLs: a.Authority, Logger: a.log})
	if err != nil {
		return fmt.Errorf("ocsp: %w", err)
	}
	return nil
}

// startInputs starts the DLP gateways and the monitoring inputs.
func (a *App) startInputs(ctx context.Context) error {
	if err := a.startDLP(ctx); err != nil {
		return err
	}
	if err := a.startMonitor(ctx); err != nil {
		a.stopDLP(ctx)
		return err
	}
	return nil
}

// services hands every service the store implements to the API.
func (a *App) services() httpapi.Services {
	db := a.DB
	return httpapi.Services{
		Orgs: db, Manufacturers: db, Products: db, Versions: db, Devices: db, Grants: db,
		Users: db, Tokens: db, Sessions: db, Audit: db, Alerts: db, Incidents: db, Network: db, Ready: db.Ping,
		PKI: a.Authority, PKIStore: db, OnRevoke: a.OCSP.Invalidate,
		DLPScanner: a.DLP.Scanner, DLPPolicy: a.DLP.Policy, DLPEvents: db, DLPRelease: releaser{a.DLP},
		Vuln: a.Vuln.Service,
	}
}

// portalRoutes serves the secure message portal when the SMTP gateway
// delivers securely: recipients are not users, so the pages are public and
// protected by the one-time code.
func (a *App) portalRoutes() []httpapi.Route {
	if a.DLP.Portal == nil {
		return nil
	}
	h := a.DLP.Portal.Handler().ServeHTTP
	return []httpapi.Route{
		{Method: "GET", Pattern: "/secure/{id}", Public: true, Summary: "Secure message: enter the access code", Handler: h},
		{Method: "POST", Pattern: "/secure/{id}", Public: true, Summary: "Secure message: download with the access code", Handler: h},
	}
}

// Start listens and serves in the background: the main listener (API,
// dashboard, EST with tokens, OCSP, CRLs) and, when configured, the EST
// listener that asks devices for client certificates. Client certificates
// are requested only there, so that browsers on the dashboard are never
// prompted for one.
func (a *App) Start(ctx context.Context) error {
	var err error
	if a.main, err = a.listen(a.opts.Addr, a.API.Handler(), a.opts.TLS); err != nil {
		return err
	}
	if a.opts.ESTAddr != "" {
		if a.opts.TLS == nil {
			a.main.ln.Close()
			return errors.New("the EST listener needs TLS (client certificates): do not combine --est-addr with --tls off")
		}
		estTLS := a.opts.TLS.Clone()
		estTLS.ClientAuth = tls.RequestClientCert // the EST handlers verify against each organization's anchors
		if a.est, err = a.listen(a.opts.ESTAddr, a.EST.Handler(), estTLS); err != nil {
			a.main.ln.Close()
			return err
		}
	}
	if err := a.startInputs(ctx); err != nil {
		for _, l := range []*listener{a.main, a.est} {
			if l != nil {
				l.ln.Close()
			}
		}
		return err
	}
	a.stopC, a.done = make(chan struct{}), make(chan error, 2)
	for _, l := range []*listener{a.main, a.est} {
		if l != nil {
			go func() { a.done <- l.serve() }()
		}
	}
	go a.housekeeping()
	a.startVuln()
	a.log.Info("serving", "url", a.URL(), "database", a.DB.Engine())
	if a.est != nil {
		a.log.Info("serving EST with client certificates", "addr", a.est.ln.Addr().String())
	}
	return nil
}

func (a *App) listen(addr string, h http.Handler, tlsCfg *tls.Config) (*listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return &listener{ln: ln, tls: tlsCfg != nil, srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // CSV imports up to 64 MiB on slow links
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		TLSConfig:         tlsCfg,
	}}, nil
}

func (l *listener) serve() error {
	if l.tls {
		return l.srv.ServeTLS(l.ln, "", "")
	}
	return l.srv.Serve(l.ln)
}

// housekeeping removes expired sessions every few minutes, runs the
// certificate expiry watch at start and every six hours, and logs the audit
// log's head every hour: shipped to a SIEM or syslog server, those lines
// are checkpoints outside the database ('airtight audit verify --checkpoint').
func (a *App) housekeeping() {
	sessions := time.NewTicker(5 * time.Minute)
	watch := time.NewTicker(6 * time.Hour)
	checkpoint := time.NewTicker(time.Hour)
	defer sessions.Stop()
	defer watch.Stop()
	defer checkpoint.Stop()
	a.runExpiryWatch()
	a.logAuditCheckpoint()
	for {
		select {
		case <-a.stopC:
			return
		case <-sessions.C:
			a.cleanSessions()
		case <-watch.C:
			a.runExpiryWatch()
		case <-checkpoint.C:
			a.logAuditCheckpoint()
		}
	}
}

func (a *App) logAuditCheckpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seq, hash, err := a.DB.AuditHead(ctx)
	if err != nil {
		a.log.Warn("audit checkpoint failed", "err", err)
		return
	}
	a.log.Info("audit checkpoint", "checkpoint", fmt.Sprintf("%d:%s", seq, hash))
}

func (a *App) cleanSessions() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if n, err := a.DB.DeleteExpiredSessions(ctx, time.Now()); err != nil {
		a.log.Warn("session cleanup failed", "err", err)
	} else if n > 0 {
		a.log.Debug("expired sessions removed", "n", n)
	}
}

func (a *App) runExpiryWatch() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if n, err := a.Expiry.Run(ctx); err != nil {
		a.log.Warn("certificate expiry watch failed", "err", err)
	} else if n > 0 {
		a.log.Info("certificate expiry alerts raised or refreshed", "n", n)
	}
}

// URL is where the main listener answers.
func (a *App) URL() string {
	scheme := "http"
	if a.main.tls {
		scheme = "https"
	}
	host, port, _ := net.SplitHostPort(a.main.ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Stop shuts the listeners down gracefully (in-flight requests finish),
// then closes the store.
func (a *App) Stop(ctx context.Context) error {
	var errs []error
	if a.stopC != nil {
		close(a.stopC)
		for _, l := range []*listener{a.est, a.main} {
			if l == nil {
				continue
			}
			if err := l.srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("shutdown: %w", err))
			}
		}
		for _, l := range []*listener{a.est, a.main} {
			if l == nil {
				continue
			}
			if err := <-a.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs = append(errs, err)
			}
		}
	}
	a.stopVuln()
	if err := a.stopDLP(ctx); err != nil {
		errs = append(errs, fmt.Errorf("dlp gateways: %w", err))
	}
	if a.monitor != nil {
		if err := a.monitor.stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("monitoring: %w", err))
		}
	}
	if a.Notify != nil {
		if err := a.Notify.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("alert notifications: %w", err))
		}
	}
	if err := a.DB.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	return errors.Join(errs...)
}

// serveUntilDone runs the app until ctx is cancelled (SIGINT, SIGTERM) or a
// listener fails, then stops it within 20 seconds.
func (a *App) serveUntilDone(ctx context.Context) error {
	var serveErr error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
	case serveErr = <-a.done:
		a.done <- serveErr // Stop reads one result per listener
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := a.Stop(sctx)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}
