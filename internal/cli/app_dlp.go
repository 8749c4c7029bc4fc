package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"path/filepath"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/policy"
	"github.com/airtight/airtight/dlp/vault"
	"github.com/airtight/airtight/dlp/watch"
	"github.com/airtight/airtight/icapgw"
	"github.com/airtight/airtight/smtpgw"
)

// dlpParts is the DLP side of the server: one content scanner and one
// policy for every channel, the encrypted vault, and the SMTP and ICAP
// gateways when they are configured.
type dlpParts struct {
	Scanner dlp.ContentScanner
	Policy  *policy.Policy
	Vault   *vault.Vault
	SMTP    *smtpgw.Gateway
	ICAP    *icapgw.Server
	Portal  *smtpgw.SecurePortal
	Watch   *watch.Watcher
	org     *airtight.Organization // gateways record their events here
	lns     []net.Listener
	stop    context.CancelFunc // ends the folder watch
}

// wireDLP builds the DLP parts from the configuration. The gateways start
// in startDLP.
func (a *App) wireDLP() error {
	c := a.opts.Conf
	if c == nil {
		c = &Config{}
	}
	sc, err := newContentScanner(nil, "")
	if err != nil {
		return fmt.Errorf("dlp: %w", err)
	}
	d := &dlpParts{Scanner: sc, Policy: policy.Default()}
	if c.DLPPolicy != "" {
		if d.Policy, err = policy.Load(c.DLPPolicy); err != nil {
			return fmt.Errorf("dlp: %w", err)
		}
	}
	if c.Data != "" {
		key, err := vault.LoadOrCreateKey(filepath.Join(c.Data, "vault.key"))
		if err != nil {
			return fmt.Errorf("dlp vault key: %w", err)
		}
		if d.Vault, err = vault.New(filepath.Join(c.Data, "vault"), key); err != nil {
			return fmt.Errorf("dlp vault: %w", err)
		}
	}
	a.DLP = d
	if c.DLPWatch != "" {
		if d.Watch, err = watch.New(watch.Config{Dirs: splitComma(c.DLPWatch), External: c.DLPWatchOut == "on",
			Scanner: d.Scanner, Policy: d.Policy, Vault: d.Vault, OnEvent: a.recordDLP, Logger: a.log}); err != nil {
			return fmt.Errorf("dlp folder watch: %w", err)
		}
	}
	if c.SMTPAddr == "" && c.ICAPAddr == "" {
		return nil
	}
	if d.Vault == nil {
		return errors.New("dlp gateways need a data directory for their vault")
	}
	return a.wireGateways(c)
}

// recordDLP records a gateway's or the folder watch's decision in the
// input organization.
func (a *App) recordDLP(ctx context.Context, e *dlp.Event, q *dlp.Quarantined) error {
	if a.DLP.org == nil {
		return errors.New("no organization for DLP events yet")
	}
	return a.DB.RecordDLPEvent(airtight.NewContext(ctx, airtight.SystemActor(a.DLP.org.ID, "dlp-"+string(e.Channel))), e, q)
}

func (a *App) wireGateways(c *Config) error {
	d, record := a.DLP, a.recordDLP
	var err error
	if c.SMTPAddr != "" {
		store := &secureStore{db: a.DB, org: func() *airtight.Organization { return d.org }}
		var nextTLS *tls.Config
		if c.SMTPNextHopTLS == "on" {
			host, _, _ := net.SplitHostPort(c.SMTPNextHop)
			nextTLS = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		// STARTTLS is offered with the server's own certificate.
		d.SMTP, err = smtpgw.New(smtpgw.Config{Hostname: c.SMTPHostname, NextHop: c.SMTPNextHop, TLS: a.opts.TLS, NextHopTLS: nextTLS, Scanner: d.Scanner,
			Policy: d.Policy, Vault: d.Vault, Secure: store, PublicURL: a.opts.PublicURL, NotifyFrom: c.SMTPNotifyFrom,
			OnEvent: record, Logger: a.log})
		if err != nil {
			return fmt.Errorf("smtp gateway: %w", err)
		}
		d.Portal = &smtpgw.SecurePortal{Store: store, Vault: d.Vault, Logger: a.log}
	}
	if c.ICAPAddr != "" {
		d.ICAP, err = icapgw.New(icapgw.Config{Scanner: d.Scanner, Policy: d.Policy, Vault: d.Vault, OnEvent: record, Logger: a.log})
		if err != nil {
			return fmt.Errorf("icap server: %w", err)
		}
	}
	return nil
}

// startDLP resolves the gateways' organization and starts their
// listeners.
func (a *App) startDLP(ctx context.Context) error {
	d, c := a.DLP, a.opts.Conf
	if d == nil || (d.SMTP == nil && d.ICAP == nil && d.Watch == nil) {
		return nil
	}
	org, err := inputOrg(ctx, a.DB, c.InputOrg)
	if err != nil {
		return fmt.Errorf("dlp gateways: %w", err)
	}
	d.org = org
	if d.Watch != nil {
		wctx, cancel := context.WithCancel(context.Background())
		d.stop = cancel
		go d.Watch.Run(wctx)
	}
	if d.SMTP != nil {
		if err := a.serveGateway(c.SMTPAddr, "smtp gateway", d.SMTP.Serve); err != nil {
			return err
		}
	}
	if d.ICAP != nil {
		serve := d.ICAP.Serve
		if c.ICAPTLS == "on" {
			if a.opts.TLS == nil {
				return errors.New("icap-tls needs the server's TLS certificate: do not combine it with --tls off")
			}
			// ICAPS: the proxy connects with TLS (Squid: icap_service ... tls).
			cfg := a.opts.TLS.Clone()
			serve = func(ln net.Listener) error { return d.ICAP.Serve(tls.NewListener(ln, cfg)) }
		}
		return a.serveGateway(c.ICAPAddr, "icap server", serve)
	}
	return nil
}

func (a *App) serveGateway(addr, what string, serve func(net.Listener) error) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: listen %s: %w", what, addr, err)
	}
	a.DLP.lns = append(a.DLP.lns, ln)
	a.log.Info("serving "+what, "addr", ln.Addr().String())
	go func() {
		if err := serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
			a.log.Warn(what+" stopped", "err", err)
		}
	}()
	return nil
}

// stopDLP closes the gateways.
func (a *App) stopDLP(ctx context.Context) error {
	d := a.DLP
	if d == nil {
		return nil
	}
	var errs []error
	if d.stop != nil {
		d.stop()
	}
	if d.SMTP != nil {
		errs = append(errs, d.SMTP.Shutdown(ctx))
	}
	if d.ICAP != nil {
		errs = append(errs, d.ICAP.Close())
	}
	return errors.Join(errs...)
}

// inputOrg is the organization that gateways and monitoring inputs record
// into: the one named by slug, or the only hospital.
func inputOrg(ctx context.Context, db interface {
	FindOrganizationBySlug(context.Context, string) (*airtight.Organization, error)
	ListOrganizations(context.Context) ([]*airtight.Organization, error)
}, slug string) (*airtight.Organization, error) {
	if slug != "" {
		return db.FindOrganizationBySlug(ctx, slug)
	}
	orgs, err := db.ListOrganizations(ctx)
	if err != nil {
		return nil, err
	}
	var hospitals []*airtight.Organization
	for _, o := range orgs {
		if o.Kind == airtight.OrgHospital {
			hospitals = append(hospitals, o)
		}
	}
	if len(hospitals) != 1 {
		return nil, fmt.Errorf("%d hospital organizations: name the one inputs belong to with --input-org", len(hospitals))
	}
	return hospitals[0], nil
}

// releaser delivers released quarantine: mail through the SMTP gateway;
// uploads and other content cannot be sent after the fact, so releasing
// them only records the decision. Deleting shreds the vault item.
type releaser struct{ d *dlpParts }

func (r releaser) Release(ctx context.Context, q *dlp.Quarantined) error {
	if q.Channel == dlp.ChannelSMTP && r.d.SMTP != nil {
		return r.d.SMTP.Release(ctx, q)
	}
	return nil
}

func (r releaser) Shred(_ context.Context, q *dlp.Quarantined) error {
	if r.d.Vault == nil {
		return nil
	}
	if err := r.d.Vault.Delete(q.VaultID); err != nil && !errors.Is(err, vault.ErrNotFound) {
		return fmt.Errorf("shred quarantined content: %w", err)
	}
	return nil
}

// secureStore backs the SMTP gateway's secure messages with the database.
type secureStore struct {
	db  dlp.SecureMessageService
	org func() *airtight.Organization
}

func (s *secureStore) CreateSecure(ctx context.Context, rec smtpgw.SecureRecord) error {
	o := s.org()
	if o == nil {
		return errors.New("no organization for secure messages")
	}
	m := &dlp.SecureMessage{ID: rec.ID, VaultID: rec.VaultID, Sender: rec.Sender, Recipient: rec.Recipient,
		CodeHash: rec.CodeHash, Created: rec.Created, Expires: rec.Expires, Revoked: rec.Revoked,
		FailedAttempts: rec.FailedAttempts, MaxDownloads: rec.MaxDownloads}
	return s.db.CreateSecureMessage(airtight.NewContext(ctx, airtight.SystemActor(o.ID, "smtp-gateway")), m)
}

func (s *secureStore) GetSecure(ctx context.Context, id string) (smtpgw.SecureRecord, error) {
	m, err := s.db.FindSecureMessage(ctx, id)
	if airtight.ErrorCode(err) == airtight.ENotFound {
		return smtpgw.SecureRecord{}, smtpgw.ErrSecureNotFound
	} else if err != nil {
		return smtpgw.SecureRecord{}, err
	}
	rec := smtpgw.SecureRecord{ID: m.ID, VaultID: m.VaultID, Sender: m.Sender, Recipient: m.Recipient, CodeHash: m.CodeHash,
		Created: m.Created, Expires: m.Expires, Revoked: m.Revoked, FailedAttempts: m.FailedAttempts, MaxDownloads: m.MaxDownloads}
	for _, d := range m.Downloads {
		rec.Downloads = append(rec.Downloads, smtpgw.Download{At: d.At, RemoteAddr: d.RemoteAddr, UserAgent: d.UserAgent})
	}
	return rec, nil
}

func (s *secureStore) RecordFailedAttempt(ctx context.Context, id string) (int, error) {
	return s.db.SecureFailedAttempt(ctx, id)
}

func (s *secureStore) RecordDownload(ctx context.Context, id string, d smtpgw.Download) error {
	err := s.db.RecordSecureDownload(ctx, id, dlp.SecureDownload{At: d.At, RemoteAddr: d.RemoteAddr, UserAgent: d.UserAgent})
	switch airtight.ErrorCode(err) {
	case airtight.EConflict:
		return smtpgw.ErrSecureUnavailable
	case airtight.ENotFound:
		return smtpgw.ErrSecureNotFound
	}
	return err
}

func (s *secureStore) RevokeSecure(ctx context.Context, id string) error {
	return s.db.RevokeSecureMessage(ctx, id)
}
