package pki

import (
	"context"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/airtight/airtight"
)

// Delta CRLs (RFC 5280 5.2.4).
//
// A hospital mirror fetches the large full CRL rarely and the small delta
// often. A delta is only usable with a full CRL whose number is at least
// the delta's DeltaCRLIndicator, so the delta does not follow every full
// CRL a revocation makes: it is built against a pinned base, the latest
// full CRL when the delta was first asked for, and moves to a newer full
// CRL once the pinned one is older than the CRL refresh period (half the
// full CRL's validity, or WithCRLRefresh). Any full CRL built since the
// pinned base also works with the delta: the delta lists everything revoked
// after the base, which covers everything revoked after a later full CRL.
//
// CRL numbers come from one sequence (nextCRLNumber), so a delta's number
// exceeds that of its base and of every full CRL built before it.

// Delta CRL extensions.
var (
	oidDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidFreshestCRL       = asn1.ObjectIdentifier{2, 5, 29, 46}
)

// deltaOverlap widens a delta back in time before its base's thisUpdate.
// Listing a certificate in both is harmless; missing one is not, and the
// base's thisUpdate is truncated to the second, a store may keep coarser
// times than the clock, a revocation's transaction may commit after the
// base was read, and server nodes' clocks differ a little.
const deltaOverlap = time.Minute

// ErrNoDeltaCRL is returned by DeltaCRL when the Store is not a DeltaStore.
var ErrNoDeltaCRL = &airtight.Error{Code: airtight.ENotFound,
	Message: "delta CRLs are not available: the store cannot list recent revocations (pki.DeltaStore)"}

// DefaultDeltaCRLValidity is the default validity of a delta CRL.
const DefaultDeltaCRLValidity = time.Hour

// WithDeltaCRLValidity sets how long a delta CRL is valid (nextUpdate -
// thisUpdate); default DefaultDeltaCRLValidity. A built delta is served
// from the cache for half of it (at most WithCRLRefresh) or until a
// revocation through this Authority.
func WithDeltaCRLValidity(d time.Duration) Option { return func(a *Authority) { a.deltaValidity = d } }

// deltaState is the cache of one CA's delta CRL.
type deltaState struct {
	mu        sync.Mutex // one builder at a time per CA; taken before crlState.mu
	base      *builtCRL  // the pinned base
	baseUntil time.Time  // when to pin a newer base
	der       []byte
	builtGen  uint64
	builtBase *builtCRL
	refreshAt time.Time
}

// DeltaCRL returns the CA's current delta CRL (DER): the certificates
// revoked since its base, a full CRL that CRL returned (see above),
// marked with a critical DeltaCRLIndicator naming the base's number. It is
// unscoped like CRL and cached until a revocation through this Authority,
// until half its validity has passed, or until the base moves. The Store
// must implement DeltaStore (ErrNoDeltaCRL otherwise).
func (a *Authority) DeltaCRL(ctx context.Context, caID int64) ([]byte, error) {
	ds, ok := a.store.(DeltaStore)
	if !ok {
		return nil, ErrNoDeltaCRL
	}
	if _, err := a.loadUnscoped(ctx, caID); err != nil { // no cache state for unknown CAs
		return nil, err
	}
	d := &a.crlState(caID).delta
	d.mu.Lock()
	defer d.mu.Unlock()
	base, err := a.deltaBase(ctx, caID, d)
	if err != nil {
		return nil, err
	}
	now := a.now()
	gen := a.crlGen(caID)
	if d.der != nil && d.builtGen == gen && d.builtBase == base && now.Before(d.refreshAt) {
		return d.der, nil
	}
	der, err := a.buildDelta(ctx, ds, caID, base, now, len(d.der))
	if err != nil {
		return nil, err
	}
	d.der, d.builtGen, d.builtBase, d.refreshAt = der, gen, base, now.Add(a.refreshPeriod(a.deltaValidity))
	return der, nil
}

// deltaBase returns the pinned base of the delta, pinning the latest full
// CRL (built if there is none that is recent enough) when there is none
// or the pinned one is older than the refresh period. d.mu is held.
func (a *Authority) deltaBase(ctx context.Context, caID int64, d *deltaState) (*builtCRL, error) {
	if d.base != nil && a.now().Before(d.baseUntil) {
		return d.base, nil
	}
	b, err := a.fullCRL(ctx, caID, true)
	if err != nil {
		return nil, err
	}
	d.base, d.baseUntil = b, b.thisUpdate.Add(a.refreshPeriod(a.crlValidity))
	return b, nil
}

// buildDelta builds and signs a delta CRL against base.
func (a *Authority) buildDelta(ctx context.Context, ds DeltaStore, caID int64, base *builtCRL, now time.Time, sizeHint int) ([]byte, error) {
	k, ctx, err := a.crlSigner(ctx, caID)
	if err != nil {
		return nil, err
	}
	indicator, err := deltaIndicator(base.number)
	if err != nil {
		return nil, err
	}
	since := base.thisUpdate.Add(-deltaOverlap)
	b, err := a.buildCRL(k, now, crlSpec{
		validity: a.deltaValidity,
		exts:     []pkix.Extension{indicator},
		walk:     func(fn func(Revoked) error) error { return ds.WalkRevokedSince(ctx, k.ca.ID, since, fn) },
		sizeHint: sizeHint,
	})
	if err != nil {
		return nil, fmt.Errorf("delta CRL of CA %d: %w", caID, err)
	}
	return b.der, nil
}

// deltaIndicator is the critical DeltaCRLIndicator extension naming the
// base CRL's number (BaseCRLNumber ::= CRLNumber ::= INTEGER).
func deltaIndicator(base *big.Int) (pkix.Extension, error) {
	v, err := asn1.Marshal(base)
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("encode delta CRL indicator: %w", err)
	}
	return pkix.Extension{Id: oidDeltaCRLIndicator, Critical: true, Value: v}, nil
}

// deltaURL is where the CA's delta CRL is published ("" without a public URL).
func (a *Authority) deltaURL(caID int64) string {
	if a.publicURL == "" {
		return ""
	}
	return fmt.Sprintf("%s/pki/crl/%d-delta.crl", a.publicURL, caID)
}

// freshestCRL returns the non-critical FreshestCRL extension of the CA's
// full CRLs, pointing at its delta CRL; none without a public URL.
func (a *Authority) freshestCRL(caID int64) ([]pkix.Extension, error) {
	u := a.deltaURL(caID)
	if u == "" {
		return nil, nil
	}
	v, err := marshalDistributionPoints(u)
	if err != nil {
		return nil, fmt.Errorf("encode freshest CRL extension: %w", err)
	}
	return []pkix.Extension{{Id: oidFreshestCRL, Value: v}}, nil
}

// distributionPoint and distributionPointName are RFC 5280 4.2.1.13's
// DistributionPoint with only a fullName.
type distributionPoint struct {
	Name distributionPointName `asn1:"optional,tag:0"`
}

type distributionPointName struct {
	FullName []asn1.RawValue `asn1:"optional,tag:0"`
}

// marshalDistributionPoints encodes CRLDistributionPoints (FreshestCRL has
// the same syntax) with one distribution point naming the URL.
func marshalDistributionPoints(url string) ([]byte, error) {
	name := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte(url)} // uniformResourceIdentifier
	return asn1.Marshal([]distributionPoint{{Name: distributionPointName{FullName: []asn1.RawValue{name}}}})
}
