package pki

import (
	"github.com/airtight/airtight"

	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// CRLs.
//
// A CRL with a million entries is about 50 MB of DER. Go's
// x509.CreateRevocationList needs every entry as a struct in memory and
// marshals them by reflection, so the Authority splits the work: Go builds
// and signs the CRL without entries (version, issuer, times, AKI, CRL
// number), the entries are DER-encoded straight from Store.WalkRevoked
// into one buffer, spliced into the TBSCertList before its extensions, and
// the result is signed again with the same algorithm. Memory is the DER
// itself; time is dominated by hashing and the store walk.

// crlState is the cache of one CA's CRLs.
type crlState struct {
	mu        sync.Mutex // one builder of the full CRL at a time per CA
	gen       uint64     // bumped by every revocation
	base      *builtCRL  // the latest full CRL
	builtGen  uint64
	refreshAt time.Time
	delta     deltaState // delta.go
}

// builtCRL is a signed CRL and what delta CRLs need to know of it.
type builtCRL struct {
	der        []byte
	number     *big.Int
	thisUpdate time.Time
}

func (a *Authority) crlState(caID int64) *crlState {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.crls[caID]
	if s == nil {
		s = &crlState{}
		a.crls[caID] = s
	}
	return s
}

func (a *Authority) invalidateCRL(caID int64) {
	s := a.crlState(caID)
	a.mu.Lock()
	s.gen++
	a.mu.Unlock()
}

// crlGen returns the CA's revocation generation.
func (a *Authority) crlGen(caID int64) uint64 {
	s := a.crlState(caID)
	a.mu.Lock()
	defer a.mu.Unlock()
	return s.gen
}

// CRL returns the CA's current full CRL (DER). It is unscoped — CRLs are
// public — and cached until a revocation through this Authority or until
// half its validity (WithCRLRefresh) has passed. With a public URL, it
// names the CA's delta CRL (DeltaCRL) in a FreshestCRL extension.
func (a *Authority) CRL(ctx context.Context, caID int64) ([]byte, error) {
	b, err := a.fullCRL(ctx, caID, false)
	if err != nil {
		return nil, err
	}
	return b.der, nil
}

// fullCRL returns the CA's cached full CRL, built again when it is older
// than the refresh period or, unless anyGen, when a revocation came after it.
func (a *Authority) fullCRL(ctx context.Context, caID int64, anyGen bool) (*builtCRL, error) {
	// Only known CAs get cache state: anonymous requests for made-up CA
	// IDs must not grow it. loadUnscoped is a map lookup once loaded.
	if _, err := a.loadUnscoped(ctx, caID); err != nil {
		return nil, err
	}
	s := a.crlState(caID)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := a.now()
	a.mu.Lock()
	gen, old := s.gen, s.base
	fresh := old != nil && (anyGen || s.builtGen == gen) && now.Before(s.refreshAt)
	a.mu.Unlock()
	if fresh {
		return old, nil
	}
	k, ctx, err := a.crlSigner(ctx, caID)
	if err != nil {
		return nil, err
	}
	exts, err := a.freshestCRL(caID)
	if err != nil {
		return nil, err
	}
	hint := 0
	if old != nil {
		hint = len(old.der)
	}
	b, err := a.buildCRL(k, now, crlSpec{
		validity: a.crlValidity,
		exts:     exts,
		walk:     func(fn func(Revoked) error) error { return a.store.WalkRevoked(ctx, k.ca.ID, fn) },
		sizeHint: hint,
	})
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	s.base, s.builtGen, s.refreshAt = b, gen, now.Add(a.refreshPeriod(a.crlValidity))
	a.mu.Unlock()
	return b, nil
}

// crlSigner loads the CA (unscoped) and returns a context in which the
// CA's own organization reads its revocations: CRLs are public, whoever
// asks (an anonymous CRL download, OCSP clients, the CLI).
func (a *Authority) crlSigner(ctx context.Context, caID int64) (*caKey, context.Context, error) {
	k, err := a.loadUnscoped(ctx, caID)
	if err != nil {
		return nil, nil, err
	}
	return k, airtight.NewContext(ctx, airtight.SystemActor(k.ca.OrgID, "crl")), nil
}

// refreshPeriod is how long a CRL of the validity is served from the
// cache: half its validity, capped by WithCRLRefresh.
func (a *Authority) refreshPeriod(validity time.Duration) time.Duration {
	refresh := validity / 2
	if a.crlRefresh > 0 && a.crlRefresh < refresh {
		refresh = a.crlRefresh
	}
	return refresh
}

// nextCRLNumber returns a CRL number greater than every earlier one, full
// or delta (RFC 5280 5.2.3 and 5.2.4: one sequence for both): the Unix time
// in microseconds, bumped when two CRLs fall in the same microsecond.
// Across processes it is monotonic as long as clocks are.
func (a *Authority) nextCRLNumber(now time.Time) *big.Int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := now.UnixMicro()
	if n <= a.crlNumber {
		n = a.crlNumber + 1
	}
	a.crlNumber = n
	return big.NewInt(n)
}

// crlSpec is what differs between the CRLs buildCRL makes.
type crlSpec struct {
	validity time.Duration                      // nextUpdate - thisUpdate
	exts     []pkix.Extension                   // crlExtensions besides the AKI and the CRL number
	walk     func(fn func(Revoked) error) error // the entries, in serial order
	sizeHint int                                // the previous CRL's size, to presize the entry buffer
}

// buildCRL builds and signs a CRL.
func (a *Authority) buildCRL(k *caKey, now time.Time, spec crlSpec) (*builtCRL, error) {
	now = now.UTC().Truncate(time.Second)
	tmpl := &x509.RevocationList{
		Number:          a.nextCRLNumber(now),
		ThisUpdate:      now,
		NextUpdate:      now.Add(spec.validity),
		ExtraExtensions: spec.exts,
	}
	empty, err := x509.CreateRevocationList(rand.Reader, tmpl, k.cert, k.signer)
	if err != nil {
		return nil, fmt.Errorf("create CRL of CA %d: %w", k.ca.ID, err)
	}
	b := &builtCRL{der: empty, number: tmpl.Number, thisUpdate: now}
	entries := make([]byte, 0, spec.sizeHint+spec.sizeHint/8)
	err = spec.walk(func(r Revoked) error {
		var err error
		entries, err = appendCRLEntry(entries, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list revoked certificates of CA %d: %w", k.ca.ID, err)
	}
	if len(entries) == 0 {
		return b, nil
	}
	if b.der, err = spliceCRL(empty, entries, k.signer); err != nil {
		return nil, fmt.Errorf("sign CRL of CA %d: %w", k.ca.ID, err)
	}
	return b, nil
}

// crlShape is the outer structure of a CertificateList.
type crlShape struct {
	TBS       asn1.RawValue
	Algorithm asn1.RawValue
	Signature asn1.BitString
}

// spliceCRL inserts the revokedCertificates (entries: the DER of the
// entries, without the enclosing SEQUENCE) into a signed, empty CRL and
// signs it again.
func spliceCRL(empty, entries []byte, signer crypto.Signer) ([]byte, error) {
	parsed, err := x509.ParseRevocationList(empty)
	if err != nil {
		return nil, fmt.Errorf("parse CRL: %w", err)
	}
	var outer crlShape
	if _, err := asn1.Unmarshal(empty, &outer); err != nil {
		return nil, fmt.Errorf("parse CRL: %w", err)
	}
	// TBSCertList fields up to nextUpdate, then revokedCertificates, then
	// the [0] crlExtensions Go wrote.
	body := outer.TBS.Bytes
	var head []byte
	rest := body
	for len(rest) > 0 {
		var f asn1.RawValue
		next, err := asn1.Unmarshal(rest, &f)
		if err != nil {
			return nil, fmt.Errorf("parse CRL: %w", err)
		}
		if f.Class == asn1.ClassContextSpecific && f.Tag == 0 {
			break
		}
		head = append(head, f.FullBytes...)
		rest = next
	}
	tbs := make([]byte, 0, len(body)+len(entries)+16)
	tbs = appendHeader(tbs, 0x30, len(head)+headerLen(len(entries))+len(entries)+len(rest))
	tbs = append(tbs, head...)
	tbs = appendHeader(tbs, 0x30, len(entries))
	tbs = append(tbs, entries...)
	tbs = append(tbs, rest...)
	sig, err := signTBS(tbs, parsed.SignatureAlgorithm, signer)
	if err != nil {
		return nil, err
	}
	bits, err := asn1.Marshal(asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)})
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(tbs)+len(outer.Algorithm.FullBytes)+len(bits)+8)
	out = appendHeader(out, 0x30, len(tbs)+len(outer.Algorithm.FullBytes)+len(bits))
	out = append(out, tbs...)
	out = append(out, outer.Algorithm.FullBytes...)
	return append(out, bits...), nil
}

// signTBS signs with the algorithm Go chose for the key.
func signTBS(tbs []byte, alg x509.SignatureAlgorithm, signer crypto.Signer) ([]byte, error) {
	var h crypto.Hash
	switch alg {
	case x509.PureEd25519:
		return signer.Sign(rand.Reader, tbs, crypto.Hash(0))
	case x509.ECDSAWithSHA256, x509.SHA256WithRSA:
		h = crypto.SHA256
	case x509.ECDSAWithSHA384, x509.SHA384WithRSA:
		h = crypto.SHA384
	case x509.ECDSAWithSHA512, x509.SHA512WithRSA:
		h = crypto.SHA512
	default:
		return nil, fmt.Errorf("sign CRL: unsupported signature algorithm %s", alg)
	}
	d := h.New()
	d.Write(tbs)
	return signer.Sign(rand.Reader, d.Sum(nil), h)
}

// reasonExt is the DER of a crlEntryExtensions SEQUENCE holding one
// reasonCode extension, less its last byte (the reason).
var reasonExt = []byte{0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01}

// appendCRLEntry appends one revokedCertificates entry:
// SEQUENCE { serial INTEGER, revocationDate Time, [crlEntryExtensions] }.
// The reason code is written unless unspecified (RFC 5280 5.3.1).
func appendCRLEntry(dst []byte, r Revoked) ([]byte, error) {
	var buf [2 + 21 + 17]byte
	body, err := appendSerial(buf[:0], r.Serial)
	if err != nil {
		return dst, err
	}
	body = appendTime(body, r.RevokedAt)
	n := len(body)
	if r.Reason != ReasonUnspecified {
		n += len(reasonExt) + 1
	}
	dst = appendHeader(dst, 0x30, n)
	dst = append(dst, body...)
	if r.Reason != ReasonUnspecified {
		dst = append(dst, reasonExt...)
		dst = append(dst, byte(r.Reason))
	}
	return dst, nil
}

// appendSerial appends a hex serial as a DER INTEGER (positive, minimal)
// without allocating.
func appendSerial(dst []byte, s string) ([]byte, error) {
	for len(s) > 0 && s[0] == '0' {
		s = s[1:]
	}
	if len(s) > 40 {
		return dst, fmt.Errorf("serial %q is longer than 20 bytes", s)
	}
	var b [21]byte
	n := (len(s) + 1) / 2
	for i := len(s) - 1; i >= 0; i-- {
		v, ok := hexVal(s[i])
		if !ok {
			return dst, fmt.Errorf("serial %q is not hexadecimal", s)
		}
		pos := 1 + n - 1 - (len(s)-1-i)/2
		if (len(s)-1-i)%2 == 0 {
			b[pos] = v
		} else {
			b[pos] |= v << 4
		}
	}
	v := b[1 : 1+n]
	if n == 0 || v[0]&0x80 != 0 { // zero, or a high bit that would make it negative
		v = b[0 : 1+n]
	}
	dst = append(dst, 0x02, byte(len(v)))
	return append(dst, v...), nil
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendTime appends t as UTCTime (1950-2049) or GeneralizedTime (RFC 5280 4.1.2.5).
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	if y := t.Year(); y >= 1950 && y < 2050 {
		dst = append(dst, 0x17, 13)
		return t.AppendFormat(dst, "060102150405Z")
	}
	dst = append(dst, 0x18, 15)
	return t.AppendFormat(dst, "20060102150405Z")
}

// appendHeader appends a DER tag and definite length.
func appendHeader(dst []byte, tag byte, n int) []byte {
	dst = append(dst, tag)
	if n < 0x80 {
		return append(dst, byte(n))
	}
	var l [8]byte
	i := len(l)
	for v := n; v > 0; v >>= 8 {
		i--
		l[i] = byte(v)
	}
	dst = append(dst, 0x80|byte(len(l)-i))
	return append(dst, l[i:]...)
}

// headerLen is the size of a DER tag and length for n content bytes.
func headerLen(n int) int {
	if n < 0x80 {
		return 2
	}
	h := 2
	for v := n; v > 0; v >>= 8 {
		h++
	}
	return h
}
