package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/sqlstore"
	"github.com/airtight/airtight/web"
)

// App is the running server: every subsystem, built explicitly here and
// nowhere else, started in order and stopped in reverse.
type App struct {
	log   *slog.Logger
	DB    *sqlstore.DB
	API   *httpapi.Server
	Web   *web.Handler
	tls   *tls.Config
	addr  string
	srv   *http.Server
	ln    net.Listener
	done  chan error
	stopC chan struct{}
}

// appOptions are what differs between serve, demo and tests.
type appOptions struct {
	Addr      string
	TLS       *tls.Config // nil: plain HTTP
	Passwords argon2id.Params
}

// openStore opens the configured database.
func openStore(ctx context.Context, c *Config) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, c.DatabaseURL())
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return db, nil
}

// newApp wires the store, the dashboard and the API together.
func newApp(db *sqlstore.DB, log *slog.Logger, o appOptions) (*App, error) {
	// The dashboard's login form goes through the API server's session
	// logic; the API server mounts the dashboard's pages. The deferred
	// authenticator breaks the cycle.
	ref := &web.DeferredAuth{}
	w, err := web.New(web.Config{
		Devices: db, Manufacturers: db, Grants: db, Orgs: db, Audit: db, Alerts: db, Certs: db,
		Auth: ref, Logger: log, Version: Version,
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	api, err := httpapi.New(httpapi.Config{
		Logger: log, Secure: o.TLS != nil, Pages: w.Routes(), PageError: w.ErrorPage,
		PasswordParams: o.Passwords, Version: Version,
	}, services(db))
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	ref.Authenticator = api
	return &App{log: log, DB: db, API: api, Web: w, tls: o.TLS, addr: o.Addr}, nil
}

// services hands every service the store implements to the API.
func services(db *sqlstore.DB) httpapi.Services {
	return httpapi.Services{
		Orgs: db, Manufacturers: db, Products: db, Versions: db, Devices: db, Grants: db,
		Users: db, Tokens: db, Sessions: db, Audit: db, Alerts: db, Ready: db.Ping,
	}
}

// Start listens and serves in the background.
func (a *App) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.addr, err)
	}
	a.ln = ln
	a.srv = &http.Server{
		Handler:           a.API.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // CSV imports up to 64 MiB on slow links
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		TLSConfig:         a.tls,
	}
	a.done = make(chan error, 1)
	a.stopC = make(chan struct{})
	go func() {
		if a.tls != nil {
			a.done <- a.srv.ServeTLS(ln, "", "")
		} else {
			a.done <- a.srv.Serve(ln)
		}
	}()
	go a.housekeeping()
	a.log.Info("serving", "url", a.URL(), "database", a.DB.Engine())
	return nil
}

// housekeeping removes expired sessions every few minutes.
func (a *App) housekeeping() {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-a.stopC:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if n, err := a.DB.DeleteExpiredSessions(ctx, time.Now()); err != nil {
				a.log.Warn("session cleanup failed", "err", err)
			} else if n > 0 {
				a.log.Debug("expired sessions removed", "n", n)
			}
			cancel()
		}
	}
}

// URL is where the server answers.
func (a *App) URL() string {
	scheme := "http"
	if a.tls != nil {
		scheme = "https"
	}
	host, port, _ := net.SplitHostPort(a.ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Stop shuts the server down gracefully (in-flight requests finish), then
// closes the store.
func (a *App) Stop(ctx context.Context) error {
	var errs []error
	if a.srv != nil {
		close(a.stopC)
		if err := a.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
		if err := <-a.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if err := a.DB.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	return errors.Join(errs...)
}

// serveUntilDone runs the app until ctx is cancelled (SIGINT, SIGTERM) or the
// server fails, then stops it within 20 seconds.
func (a *App) serveUntilDone(ctx context.Context) error {
	var serveErr error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
	case serveErr = <-a.done:
		a.done <- serveErr // Stop reads it again
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := a.Stop(sctx)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}
