// Package ocsp publishes revocation status: an OCSP responder (RFC 6960,
// in the RFC 5019 lightweight profile) with pre-signed responses cached in
// memory, and CRL distribution by HTTP and as files that a hospital can
// mirror on an isolated network.
//
// Freshness. A signed response is valid for Config.Validity (1 h) and
// re-signed once half of it has passed, so the hot path is a map lookup.
// A revocation shows at once in two ways: Invalidate drops the cached
// responses of a certificate (wire it after every Revoke in this process),
// and a cached status is trusted for at most Config.StatusTTL (1 s) before
// the store is asked again, which covers revocations made by another
// process (the `airtight ca revoke` command, another server node). A
// negative StatusTTL asks the store on every request.
//
// Nonces. RFC 5019 lets a responder ignore the nonce extension, and this
// one does: responses are pre-signed and shared between requesters, so they
// carry no nonce. Replay is bounded by nextUpdate.
package ocsp

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/pki"
)

// Signers hands out the keys that sign OCSP responses; *pki.Authority
// implements it (pki.Service.OCSPSigner).
type Signers interface {
	OCSPSigner(ctx context.Context, caID int64) (crypto.Signer, *x509.Certificate, error)
}

// Store is the part of pki.Store the responder reads; *sqlstore.DB
// implements it.
type Store interface {
	FindCAUnscoped(ctx context.Context, id int64) (*pki.CA, error)
	FindCertificateUnscoped(ctx context.Context, caID int64, serial string) (*pki.Certificate, error)
}

// CRLService returns a CA's current full and delta CRLs; *pki.Authority
// implements it (pki.Service.CRL, Authority.DeltaCRL). It must not depend
// on an actor: CRLs are public.
type CRLService interface {
	CRL(ctx context.Context, caID int64) ([]byte, error)
	// DeltaCRL returns the CA's delta CRL (RFC 5280 5.2.4);
	// pki.ErrNoDeltaCRL when there is none.
	DeltaCRL(ctx context.Context, caID int64) ([]byte, error)
}

// Config configures a Responder.
type Config struct {
	Signers Signers    // required
	Store   Store      // required
	CRLs    CRLService // nil: no CRL routes
	Logger  *slog.Logger
	Now     func() time.Time

	// Validity is nextUpdate - thisUpdate of signed responses (default
	// 1 h); responses are re-signed once half of it has passed.
	Validity time.Duration
	// StatusTTL is how long a cached status is trusted before the store is
	// asked again (default 1 s; negative: on every request).
	StatusTTL time.Duration
	// MaxEntries bounds the response cache (default 100,000, about 60 MB
	// for ECDSA P-256 responses).
	MaxEntries int
	// MaxAge caps the Cache-Control max-age of GET responses (default:
	// until the response's nextUpdate, as RFC 5019 allows).
	MaxAge time.Duration
}

// Defaults.
const (
	DefaultValidity   = time.Hour
	DefaultStatusTTL  = time.Second
	DefaultMaxEntries = 100_000
	// MaxRequestBytes limits POST bodies and decoded GET requests.
	MaxRequestBytes = 10 << 10
	// caRefresh is how long CA hashes and signers are kept before they are
	// loaded again (a rotated OCSP signing key takes effect within it).
	caRefresh = 5 * time.Minute
	// maxRawKeyBytes: longer requests (with extensions) are not remembered
	// by their bytes.
	maxRawKeyBytes = 256
	// backdate moves thisUpdate into the past for devices with slow clocks.
	backdate = time.Minute
)

// Responder answers OCSP requests and serves CRLs.
type Responder struct {
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	cache *cache[cacheKey, *entry]
	reqs  *cache[rawKey, cacheKey] // request bytes already parsed and authorized
	cas   *caCache
	pems  pemCache
}

// New validates cfg and builds a Responder.
func New(cfg Config) (*Responder, error) {
	if cfg.Signers == nil || cfg.Store == nil {
		return nil, errors.New("ocsp: Signers and Store are required")
	}
	cfg = cfg.withDefaults()
	if cfg.Validity < 2*time.Minute {
		return nil, fmt.Errorf("ocsp: validity %s is too short", cfg.Validity)
	}
	r := &Responder{cfg: cfg, log: cfg.Logger, now: cfg.Now, cache: newCache[cacheKey, *entry](cfg.MaxEntries),
		reqs: newCache[rawKey, cacheKey](cfg.MaxEntries)}
	r.cas = newCACache(cfg.Store, cfg.Signers, cfg.Now)
	return r, nil
}

func (cfg Config) withDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Validity == 0 {
		cfg.Validity = DefaultValidity
	}
	if cfg.StatusTTL == 0 {
		cfg.StatusTTL = DefaultStatusTTL
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	return cfg
}

// Routes returns the public endpoints to mount on the main server.
func (r *Responder) Routes() []httpapi.Route {
	rts := []httpapi.Route{
		{Method: "GET", Pattern: "/pki/ocsp/{caID}/{req...}", Public: true, Handler: r.handleGet,
			Summary: "OCSP request, base64 in the path (RFC 6960 appendix A)"},
		{Method: "POST", Pattern: "/pki/ocsp/{caID}", Public: true, Handler: r.handlePost,
			Summary: "OCSP request (application/ocsp-request)", MaxBodyBytes: MaxRequestBytes},
	}
	if r.cfg.CRLs != nil {
		rts = append(rts, httpapi.Route{Method: "GET", Pattern: "/pki/crl/{file}", Public: true,
			Handler: r.handleCRL, Summary: "A CA's CRL: {caID}.crl (DER) or {caID}.pem"})
	}
	return rts
}

// Invalidate drops the cached responses of one certificate; call it after
// a revocation. serial is pki.Certificate.Serial.
func (r *Responder) Invalidate(caID int64, serial string) {
	for _, h := range supportedHashes {
		r.cache.delete(cacheKey{caID: caID, hash: h, serial: serial})
	}
}

func (r *Responder) handleGet(w http.ResponseWriter, req *http.Request) {
	der, err := decodeGet(req.PathValue("req"))
	r.serve(w, req, der, err, true)
}

func (r *Responder) handlePost(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxRequestBytes+1))
	if err == nil && len(body) > MaxRequestBytes {
		http.Error(w, "OCSP request too large", http.StatusRequestEntityTooLarge)
		return
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		http.Error(w, "OCSP request too large", http.StatusRequestEntityTooLarge)
		return
	}
	r.serve(w, req, body, err, false)
}

// serve answers one decoded request (err: it could not be decoded).
func (r *Responder) serve(w http.ResponseWriter, req *http.Request, der []byte, err error, get bool) {
	if err != nil {
		writeError(w, xocsp.MalformedRequestErrorResponse, http.StatusOK)
		return
	}
	caID, ok := parseID(req.PathValue("caID"))
	if !ok {
		writeError(w, xocsp.UnauthorizedErrorResponse, http.StatusOK)
		return
	}
	e, err := r.respond(req.Context(), caID, der)
	switch {
	case errors.Is(err, errMalformed):
		writeError(w, xocsp.MalformedRequestErrorResponse, http.StatusOK)
	case errors.Is(err, errUnauthorized):
		writeError(w, xocsp.UnauthorizedErrorResponse, http.StatusOK)
	case err != nil:
		r.log.ErrorContext(req.Context(), "ocsp response failed", "ca_id", caID, "err", err)
		writeError(w, xocsp.InternalErrorErrorResponse, http.StatusInternalServerError)
	default:
		r.writeResponse(w, req, e, get)
	}
}

// writeResponse sends a signed response with the RFC 5019 caching headers.
func (r *Responder) writeResponse(w http.ResponseWriter, req *http.Request, e *entry, get bool) {
	h := w.Header()
	h["Etag"] = []string{e.etag}
	h["Last-Modified"] = []string{e.lastMod}
	if get {
		h["Expires"] = []string{e.expires}
		h.Set("Cache-Control", r.cacheControl(e))
		if etagMatch(req.Header.Get("If-None-Match"), e.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Type", "application/ocsp-response")
	h.Set("Content-Length", strconv.Itoa(len(e.der)))
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		_, _ = w.Write(e.der)
	}
}

// cacheControl follows RFC 5019 section 6.2: max-age ends before nextUpdate.
func (r *Responder) cacheControl(e *entry) string {
	age := e.nextUpdate.Sub(r.now())
	if r.cfg.MaxAge > 0 && age > r.cfg.MaxAge {
		age = r.cfg.MaxAge
	}
	secs := max(int64(age/time.Second)-1, 0)
	return "max-age=" + strconv.FormatInt(secs, 10) + ", public, no-transform, must-revalidate"
}

// writeError sends an unsigned OCSP error response (RFC 6960 section 2.3).
func writeError(w http.ResponseWriter, body []byte, status int) {
	h := w.Header()
	h.Set("Content-Type", "application/ocsp-response")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// etagMatch reports whether an If-None-Match header names etag.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, v := range splitList(header) {
		if v == "*" || v == etag || v == "W/"+etag {
			return true
		}
	}
	return false
}

func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
