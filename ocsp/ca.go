package ocsp

import (
	"context"
	"crypto"
	_ "crypto/sha1" // CertID hashes
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"sync"
	"time"

	"github.com/airtight/airtight"
)

// caCache keeps the CAs' issuer hashes and OCSP signers. Only CAs that
// exist are kept, so its size is bounded by the number of CAs.
type caCache struct {
	store   Store
	signers Signers
	now     func() time.Time

	mu  sync.RWMutex
	cas map[int64]*caInfo
}

func newCACache(store Store, signers Signers, now func() time.Time) *caCache {
	return &caCache{store: store, signers: signers, now: now, cas: make(map[int64]*caInfo)}
}

// get returns the CA's info, loading it when missing or older than
// caRefresh. An unknown CA, or one whose key this server does not hold, is
// errUnauthorized.
func (c *caCache) get(ctx context.Context, id int64) (*caInfo, error) {
	c.mu.RLock()
	ca := c.cas[id]
	c.mu.RUnlock()
	if ca != nil && c.now().Sub(ca.loadedAt) < caRefresh {
		return ca, nil
	}
	ca, err := c.load(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.cas[id] = ca
	c.mu.Unlock()
	return ca, nil
}

func (c *caCache) load(ctx context.Context, id int64) (*caInfo, error) {
	rec, err := c.store.FindCAUnscoped(ctx, id)
	if err != nil {
		return nil, classify(fmt.Errorf("ocsp: find ca %d: %w", id, err))
	}
	cert, err := rec.Certificate()
	if err != nil {
		return nil, fmt.Errorf("ocsp: parse ca %d certificate: %w", id, err)
	}
	signer, responder, err := c.signers.OCSPSigner(ctx, id)
	if err != nil {
		return nil, classify(fmt.Errorf("ocsp: signer of ca %d: %w", id, err))
	}
	if signer == nil || responder == nil {
		return nil, fmt.Errorf("%w: ca %d has no OCSP signer", errUnauthorized, id)
	}
	ca := &caInfo{id: id, cert: cert, responder: responder, signer: signer,
		delegated: !responder.Equal(cert), loadedAt: c.now()}
	if ca.nameHash, ca.keyHash, err = issuerHashes(cert.RawSubject, cert.RawSubjectPublicKeyInfo); err != nil {
		return nil, fmt.Errorf("ocsp: ca %d: %w", id, err)
	}
	return ca, nil
}

// classify turns "no such CA" and "no key for it" into errUnauthorized
// (RFC 6960: the responder is not authorized to answer for it).
func classify(err error) error {
	switch airtight.ErrorCode(err) {
	case airtight.ENotFound, airtight.EInvalid, airtight.EForbidden, airtight.EUnauthorized:
		return fmt.Errorf("%w: %w", errUnauthorized, err)
	}
	return err
}

// issuerHashes computes the CertID issuer name and key hashes of a CA for
// every supported hash algorithm (RFC 6960 section 4.1.1).
func issuerHashes(rawSubject, rawSPKI []byte) (names, keys map[crypto.Hash][]byte, err error) {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(rawSPKI, &spki); err != nil {
		return nil, nil, fmt.Errorf("parse public key: %w", err)
	}
	names, keys = make(map[crypto.Hash][]byte), make(map[crypto.Hash][]byte)
	for _, h := range supportedHashes {
		names[h] = digest(h, rawSubject)
		keys[h] = digest(h, spki.PublicKey.RightAlign())
	}
	return names, keys, nil
}

func digest(h crypto.Hash, b []byte) []byte {
	d := h.New()
	d.Write(b)
	return d.Sum(nil)
}
