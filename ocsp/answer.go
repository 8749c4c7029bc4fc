package ocsp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"time"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

// status is what the store says about one serial.
type status struct {
	code      int // xocsp.Good, xocsp.Revoked, xocsp.Unknown
	revokedAt time.Time
	reason    pki.Reason
}

// sig identifies the status for comparison with a cached entry.
func (s status) sig() string {
	if s.code != xocsp.Revoked {
		return strconv.Itoa(s.code)
	}
	return strconv.Itoa(s.code) + "/" + strconv.FormatInt(s.revokedAt.UnixMicro(), 10) + "/" + strconv.Itoa(int(s.reason))
}

// respond returns the signed response for a DER request to the CA caID,
// from the cache when it is fresh. A request seen before is found by its
// bytes, without parsing.
func (r *Responder) respond(ctx context.Context, caID int64, der []byte) (*entry, error) {
	now := r.now()
	if len(der) <= maxRawKeyBytes {
		if key, ok := r.reqs.get(rawKey{caID: caID, der: string(der)}); ok {
			if e, ok := r.cache.get(key); ok && e.fresh(now, r.cfg.StatusTTL) {
				return e, nil
			}
		}
	}
	req, serial, err := parseRequest(der)
	if err != nil {
		return nil, err
	}
	ca, err := r.cas.get(ctx, caID)
	if err != nil {
		return nil, err
	}
	if !ca.issued(req) {
		return nil, fmt.Errorf("%w: issuer hash of another CA", errUnauthorized)
	}
	if serial == "" { // impossible serial: unknown, signed afresh, never cached
		return r.sign(ca, req, status{code: xocsp.Unknown})
	}
	key := cacheKey{caID: caID, hash: req.HashAlgorithm, serial: serial}
	if len(der) <= maxRawKeyBytes {
		r.reqs.put(rawKey{caID: caID, der: string(der)}, key)
	}
	cached, _ := r.cache.get(key)
	if cached != nil && cached.fresh(now, r.cfg.StatusTTL) {
		return cached, nil
	}
	return r.refresh(ctx, ca, req, key, cached, now)
}

// refresh asks the store for the status and re-signs unless the cached
// response still says the same and is not due for re-signing.
func (r *Responder) refresh(ctx context.Context, ca *caInfo, req *xocsp.Request, key cacheKey, cached *entry, now time.Time) (*entry, error) {
	st, err := r.lookup(ctx, key.caID, key.serial)
	if err != nil {
		return nil, err
	}
	if cached != nil && cached.statusSig == st.sig() && now.Before(cached.refreshAt) {
		confirmed := *cached
		confirmed.checkedAt = now
		r.cache.put(key, &confirmed)
		return &confirmed, nil
	}
	e, err := r.sign(ca, req, st)
	if err != nil {
		return nil, err
	}
	r.cache.put(key, e)
	return e, nil
}

// lookup reads a certificate's status from the store.
func (r *Responder) lookup(ctx context.Context, caID int64, serial string) (status, error) {
	c, err := r.cfg.Store.FindCertificateUnscoped(ctx, caID, serial)
	switch {
	case airtight.ErrorCode(err) == airtight.ENotFound:
		return status{code: xocsp.Unknown}, nil
	case err != nil:
		return status{}, fmt.Errorf("ocsp: find certificate: %w", err)
	case c.Status == pki.StatusRevoked:
		st := status{code: xocsp.Revoked, reason: c.Reason}
		if c.RevokedAt != nil {
			st.revokedAt = c.RevokedAt.UTC().Truncate(time.Second)
		}
		return st, nil
	default:
		return status{code: xocsp.Good}, nil
	}
}

// sign builds and signs a response for the request's CertID.
func (r *Responder) sign(ca *caInfo, req *xocsp.Request, st status) (*entry, error) {
	now := r.now()
	this := now.Add(-backdate).Truncate(time.Second)
	tmpl := xocsp.Response{
		Status:           st.code,
		SerialNumber:     new(big.Int).Set(req.SerialNumber),
		ThisUpdate:       this,
		NextUpdate:       this.Add(r.cfg.Validity),
		RevokedAt:        st.revokedAt,
		RevocationReason: int(st.reason),
		IssuerHash:       req.HashAlgorithm,
	}
	if ca.delegated {
		tmpl.Certificate = ca.responder
	}
	der, err := xocsp.CreateResponse(ca.cert, ca.responder, tmpl, ca.signer)
	if err != nil {
		return nil, fmt.Errorf("ocsp: sign response for ca %d: %w", ca.id, err)
	}
	sum := sha256.Sum256(der)
	return &entry{
		der: der, etag: `"` + hex.EncodeToString(sum[:16]) + `"`,
		status: st.code, statusSig: st.sig(),
		thisUpdate: this, nextUpdate: tmpl.NextUpdate,
		lastMod: this.UTC().Format(http.TimeFormat), expires: tmpl.NextUpdate.UTC().Format(http.TimeFormat),
		refreshAt: now.Add(r.cfg.Validity / 2), checkedAt: now,
	}, nil
}

// caInfo is what answering for one CA needs, loaded once per caRefresh.
type caInfo struct {
	id        int64
	cert      *x509.Certificate // the CA: issuer of the certificates asked about
	responder *x509.Certificate // signs responses: the CA itself or a delegated responder
	delegated bool
	signer    crypto.Signer
	nameHash  map[crypto.Hash][]byte
	keyHash   map[crypto.Hash][]byte
	loadedAt  time.Time
}

// issued reports whether the request's CertID names this CA as issuer.
func (ca *caInfo) issued(req *xocsp.Request) bool {
	return bytes.Equal(req.IssuerNameHash, ca.nameHash[req.HashAlgorithm]) &&
		bytes.Equal(req.IssuerKeyHash, ca.keyHash[req.HashAlgorithm])
}
