package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/airtight/airtight"
)

// Authority is the certificate authority engine: it implements Service on
// a Store (records) and a KeyStore (CA keys). It does not audit: the Store
// appends audit entries inside its transactions.
//
// CA keys, once loaded, stay in memory for the Authority's lifetime (a
// KeyStore load may cost an argon2id derivation or an HSM login). CA
// records are immutable, so they are cached too; scoping is checked against
// the actor's organization on every use.
type Authority struct {
	store         Store
	keys          KeyStore
	now           func() time.Time
	crlValidity   time.Duration
	crlRefresh    time.Duration // 0: half of crlValidity
	deltaValidity time.Duration
	publicURL     string
	hwType        asn1.ObjectIdentifier

	mu        sync.Mutex
	loaded    map[int64]*caKey // by CA ID
	defaults  map[int64]defaultCA
	crls      map[int64]*crlState
	crlNumber int64
}

var _ Service = (*Authority)(nil)

// Option configures an Authority.
type Option func(*Authority)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(a *Authority) { a.now = now } }

// WithCRLValidity sets how long a CRL is valid (nextUpdate - thisUpdate);
// default 7 days.
func WithCRLValidity(d time.Duration) Option { return func(a *Authority) { a.crlValidity = d } }

// WithCRLRefresh caps how long a built CRL is served from the cache
// (default: half the validity). Several server nodes should set it low
// (minutes): a revocation invalidates only the cache of the node it went
// through.
func WithCRLRefresh(d time.Duration) Option { return func(a *Authority) { a.crlRefresh = d } }

// WithPublicURL sets the base URL ("https://host:port") written into
// certificates as CRL distribution point (<url>/pki/crl/<caID>.crl) and
// OCSP responder (<url>/pki/ocsp/<caID>), and into full CRLs as the
// FreshestCRL location of the delta CRL (<url>/pki/crl/<caID>-delta.crl).
// Without it, certificates carry neither and full CRLs do not name their
// delta.
func WithPublicURL(u string) Option {
	return func(a *Authority) { a.publicURL = strings.TrimRight(u, "/") }
}

// WithHardwareType sets the hwType of the hardware module names in device
// certificates (default DefaultHardwareType, a documentation placeholder).
func WithHardwareType(oid asn1.ObjectIdentifier) Option {
	return func(a *Authority) { a.hwType = oid }
}

// NewAuthority returns an Authority over store and keys.
func NewAuthority(store Store, keys KeyStore, opts ...Option) *Authority {
	a := &Authority{
		store: store, keys: keys, now: time.Now, crlValidity: 7 * day, deltaValidity: DefaultDeltaCRLValidity, hwType: DefaultHardwareType,
		loaded: map[int64]*caKey{}, defaults: map[int64]defaultCA{}, crls: map[int64]*crlState{},
	}
	for _, o := range opts {
		o(a)
	}
	return a
}

// caKey is a CA with its parsed certificate and loaded key.
type caKey struct {
	ca     *CA
	cert   *x509.Certificate
	signer crypto.Signer
}

// defaultCA remembers an organization's default issuing CA for a minute.
type defaultCA struct {
	id      int64
	expires time.Time
}

// urls returns the CRL and OCSP URLs of a CA ("" without a public URL).
func (a *Authority) urls(caID int64) (crl, ocsp string) {
	if a.publicURL == "" {
		return "", ""
	}
	return fmt.Sprintf("%s/pki/crl/%d.crl", a.publicURL, caID), fmt.Sprintf("%s/pki/ocsp/%d", a.publicURL, caID)
}

// load returns the CA's key and certificate, loading the key once.
func (a *Authority) load(ctx context.Context, ca *CA) (*caKey, error) {
	a.mu.Lock()
	k := a.loaded[ca.ID]
	a.mu.Unlock()
	if k != nil {
		return k, nil
	}
	if ca.Offline || ca.KeyRef == "" {
		return nil, airtight.Errorf(airtight.EInvalid, "CA %d is offline: its key is not held by this server", ca.ID)
	}
	cert, err := ca.Certificate()
	if err != nil {
		return nil, fmt.Errorf("parse certificate of CA %d: %w", ca.ID, err)
	}
	signer, err := a.keys.Load(ctx, ca.KeyRef)
	if err != nil {
		return nil, fmt.Errorf("load key of CA %d: %w", ca.ID, err)
	}
	k = &caKey{ca: ca, cert: cert, signer: signer}
	a.mu.Lock()
	a.loaded[ca.ID] = k
	a.mu.Unlock()
	return k, nil
}

// issuer returns the issuing CA for the actor's organization: caID, or the
// organization's newest online issuing CA when caID is 0.
func (a *Authority) issuer(ctx context.Context, orgID, caID int64) (*caKey, error) {
	if caID == 0 {
		id, err := a.defaultIssuer(ctx, orgID)
		if err != nil {
			return nil, err
		}
		caID = id
	}
	a.mu.Lock()
	k := a.loaded[caID]
	a.mu.Unlock()
	if k != nil && k.ca.OrgID == orgID {
		return k, nil
	}
	ca, err := a.store.FindCA(ctx, caID)
	if err != nil {
		return nil, err
	}
	if ca.OrgID != orgID { // the store scopes; this is a second fence
		return nil, airtight.Errorf(airtight.ENotFound, "CA %d not found", caID)
	}
	if ca.Kind != IssuingCA {
		return nil, fieldError("ca_id", "CA %d is a %s CA; certificates are issued by issuing CAs", caID, ca.Kind)
	}
	return a.load(ctx, ca)
}

func (a *Authority) defaultIssuer(ctx context.Context, orgID int64) (int64, error) {
	now := a.now()
	a.mu.Lock()
	d, ok := a.defaults[orgID]
	a.mu.Unlock()
	if ok && now.Before(d.expires) {
		return d.id, nil
	}
	cas, err := a.store.ListCAs(ctx)
	if err != nil {
		return 0, err
	}
	var best *CA
	for _, ca := range cas {
		if ca.Kind != IssuingCA || ca.Offline || !now.Before(ca.NotAfter) {
			continue
		}
		if best == nil || ca.CreatedAt.After(best.CreatedAt) || ca.CreatedAt.Equal(best.CreatedAt) && ca.ID > best.ID {
			best = ca
		}
	}
	if best == nil {
		return 0, airtight.Errorf(airtight.ENotFound, "the organization has no issuing CA (run 'airtight ca init')")
	}
	a.mu.Lock()
	a.defaults[orgID] = defaultCA{id: best.ID, expires: now.Add(time.Minute)}
	a.mu.Unlock()
	return best.ID, nil
}

// IssuingCA returns the actor's organization's default issuing CA: the
// newest online one that has not expired.
func (a *Authority) IssuingCA(ctx context.Context) (*CA, error) {
	actor, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	id, err := a.defaultIssuer(ctx, actor.OrgID)
	if err != nil {
		return nil, err
	}
	return a.store.FindCA(ctx, id)
}

// Chain returns the chain of caID (0: the default issuing CA), the CA
// first and the root last.
func (a *Authority) Chain(ctx context.Context, caID int64) ([]*x509.Certificate, error) {
	actor, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if caID == 0 {
		if caID, err = a.defaultIssuer(ctx, actor.OrgID); err != nil {
			return nil, err
		}
	}
	var chain []*x509.Certificate
	for id := caID; id != 0 && len(chain) < 4; {
		ca, err := a.store.FindCA(ctx, id)
		if err != nil {
			return nil, err
		}
		cert, err := ca.Certificate()
		if err != nil {
			return nil, fmt.Errorf("parse certificate of CA %d: %w", ca.ID, err)
		}
		chain = append(chain, cert)
		id = ca.ParentID
	}
	return chain, nil
}

// OCSPSigner returns the CA's own key and certificate: responses are
// signed by the CA directly (no delegated OCSP signer yet). Unscoped.
func (a *Authority) OCSPSigner(ctx context.Context, caID int64) (crypto.Signer, *x509.Certificate, error) {
	k, err := a.loadUnscoped(ctx, caID)
	if err != nil {
		return nil, nil, err
	}
	return k.signer, k.cert, nil
}

func (a *Authority) loadUnscoped(ctx context.Context, caID int64) (*caKey, error) {
	a.mu.Lock()
	k := a.loaded[caID]
	a.mu.Unlock()
	if k != nil {
		return k, nil
	}
	ca, err := a.store.FindCAUnscoped(ctx, caID)
	if err != nil {
		return nil, err
	}
	return a.load(ctx, ca)
}

// Revoke revokes the certificate with serial (any common notation) and
// invalidates its CA's cached CRL.
func (a *Authority) Revoke(ctx context.Context, serial string, reason Reason) (*Certificate, error) {
	if _, err := airtight.RequireActor(ctx); err != nil {
		return nil, err
	}
	if !reason.Valid() {
		return nil, fieldError("reason", "%s cannot be used to revoke", reason)
	}
	s, err := NormalizeSerial(serial)
	if err != nil {
		return nil, err
	}
	c, err := a.store.RevokeCertificate(ctx, s, reason)
	if err != nil {
		return nil, err
	}
	a.invalidateCRL(c.CAID)
	return c, nil
}

// Expiring returns the actor's organization's good certificates that
// expire within the given duration, soonest first as the store orders them.
func (a *Authority) Expiring(ctx context.Context, within time.Duration) ([]*Certificate, error) {
	if within <= 0 {
		return nil, fieldError("within", "must be positive")
	}
	f := CertificateFilter{Status: StatusGood, ExpiringWithin: within, Limit: 500}
	var out []*Certificate
	for {
		page, next, err := a.store.ListCertificates(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" || len(page) == 0 {
			return out, nil
		}
		f.Cursor = next
	}
}
