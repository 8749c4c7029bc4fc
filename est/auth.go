package est

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
)

// maxSecretLen bounds a presented token secret before it is hashed.
const maxSecretLen = 256

// maxSerialPages bounds the device search for a factory certificate's
// serial number (pages of inventory.MaxPageSize).
const maxSerialPages = 10

// Authentication methods, for logs.
const (
	methodToken    = "token"    // one-time enrollment token (HTTP Basic)
	methodFactory  = "idevid"   // device maker's factory certificate (mTLS)
	methodReenroll = "reenroll" // the current certificate (mTLS)
)

// enrollment is an authenticated request to issue: for whom, and what it
// may ask for.
type enrollment struct {
	org     *airtight.Organization
	ctx     context.Context // acting as the EST system actor of org
	method  string
	device  *inventory.Device // nil when the certificate is linked to none
	profile string
	policy  namePolicy
	subject string // reenroll: the subject the request must repeat
	token   string // the enrollment token's hash, spent when the certificate is recorded
}

// hasCredentials reports whether the request carries any: the API's
// middleware and RFC 7030 both want 401 before anything else otherwise.
func hasCredentials(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || peerCert(r) != nil
}

func peerCert(r *http.Request) *x509.Certificate {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	return r.TLS.PeerCertificates[0]
}

// authenticateEnroll authenticates simpleenroll and serverkeygen: an
// enrollment token when the request has an Authorization header, else a
// factory certificate.
func (s *Server) authenticateEnroll(r *http.Request, org *airtight.Organization) (*enrollment, error) {
	if r.Header.Get("Authorization") != "" {
		return s.tokenEnrollment(r, org)
	}
	if peerCert(r) != nil {
		return s.factoryEnrollment(r, org)
	}
	return nil, unauthorized(nil)
}

// tokenEnrollment authenticates with the one-time token sent as the Basic
// password. The token is only looked up here; it is spent in the same
// transaction that records the certificate (IssueRequest.SpendToken), so a
// request refused on the way leaves it usable, and of two concurrent
// requests with one token exactly one gets a certificate.
func (s *Server) tokenEnrollment(r *http.Request, org *airtight.Organization) (*enrollment, error) {
	_, secret, ok := r.BasicAuth()
	if !ok || secret == "" || len(secret) > maxSecretLen {
		return nil, unauthorized(nil)
	}
	hash := auth.HashSecret(secret)
	tok, err := s.cfg.Enroll.FindEnrollmentToken(remoteContext(r), hash)
	switch code := airtight.ErrorCode(err); {
	case code == airtight.EUnauthorized || code == airtight.ENotFound:
		return nil, failf(http.StatusUnauthorized, err, "enrollment token is unknown, used or expired")
	case err != nil:
		return nil, internal(fmt.Errorf("use enrollment token: %w", err))
	case tok.OrgID != org.ID:
		return nil, failf(http.StatusForbidden, nil, "enrollment token is not valid for this label")
	case !tok.ExpiresAt.IsZero() && !s.cfg.Now().Before(tok.ExpiresAt):
		return nil, failf(http.StatusUnauthorized, nil, "enrollment token is unknown, used or expired")
	}
	sys := airtight.SystemActor(org.ID, "est")
	sys.RemoteAddr = airtight.ActorFrom(remoteContext(r)).RemoteAddr // the token's audit entry says from where
	e := &enrollment{org: org, ctx: airtight.NewContext(r.Context(), sys), method: methodToken, profile: tok.Profile, token: hash}
	if e.device, err = s.findDevice(e.ctx, tok.DeviceID); err != nil {
		return nil, err
	}
	e.policy = devicePolicy(e.device)
	return e, nil
}

// remoteContext carries the client address for the token's audit entry.
func remoteContext(r *http.Request) context.Context {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return airtight.NewContext(r.Context(), &airtight.Actor{Kind: airtight.ActorSystem, Name: "est", RemoteAddr: host})
}

func (s *Server) findDevice(ctx context.Context, id int64) (*inventory.Device, error) {
	d, err := s.cfg.Devices.FindDevice(ctx, id)
	if airtight.ErrorCode(err) == airtight.ENotFound {
		return nil, failf(http.StatusForbidden, err, "the device is no longer in the inventory")
	} else if err != nil {
		return nil, internal(fmt.Errorf("find device: %w", err))
	}
	return d, nil
}

// factoryEnrollment authenticates a device by its factory certificate
// (IDevID), which must chain to one of the organization's trust anchors,
// and finds the inventory device with the certificate's serial number.
func (s *Server) factoryEnrollment(r *http.Request, org *airtight.Organization) (*enrollment, error) {
	anchors, err := s.cfg.Enroll.ListTrustAnchors(r.Context(), org.ID)
	if err != nil {
		return nil, internal(fmt.Errorf("list trust anchors: %w", err))
	}
	roots := x509.NewCertPool()
	for _, a := range anchors {
		if c, err := x509.ParseCertificate(a.CertDER); err == nil {
			roots.AddCert(c)
		}
	}
	leaf, err := s.verifyPeer(r, roots)
	if err != nil {
		return nil, failf(http.StatusForbidden, err, "the client certificate is not a factory certificate this label trusts")
	}
	serial := leaf.Subject.SerialNumber
	if serial == "" {
		return nil, failf(http.StatusForbidden, nil, "the factory certificate has no subject serial number")
	}
	e := &enrollment{org: org, ctx: systemContext(r.Context(), org.ID), method: methodFactory, profile: pki.ProfileDeviceLDevID}
	if e.device, err = s.deviceBySerial(e.ctx, serial); err != nil {
		return nil, err
	}
	e.policy = devicePolicy(e.device)
	return e, nil
}

// verifyPeer verifies the client's certificate against roots, with the
// other certificates it presented and known as intermediates.
func (s *Server) verifyPeer(r *http.Request, roots *x509.CertPool, known ...*x509.Certificate) (*x509.Certificate, error) {
	peers := r.TLS.PeerCertificates
	inter := x509.NewCertPool()
	for _, c := range known {
		inter.AddCert(c)
	}
	for _, c := range peers[1:] {
		inter.AddCert(c)
	}
	_, err := peers[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		CurrentTime: s.cfg.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return nil, fmt.Errorf("verify client certificate: %w", err)
	}
	return peers[0], nil
}

// deviceBySerial finds the one device whose serial number is exactly serial.
func (s *Server) deviceBySerial(ctx context.Context, serial string) (*inventory.Device, error) {
	var found []*inventory.Device
	f := inventory.DeviceFilter{Query: serial, Limit: inventory.MaxPageSize}
	for range maxSerialPages {
		page, err := s.cfg.Devices.ListDevices(ctx, f)
		if err != nil {
			return nil, internal(fmt.Errorf("list devices: %w", err))
		}
		for _, d := range page.Devices {
			if d.SerialNumber == serial {
				found = append(found, d)
			}
		}
		if f.Cursor = page.NextCursor; f.Cursor == "" {
			break
		}
	}
	switch len(found) {
	case 0:
		return nil, failf(http.StatusForbidden, nil, "no device in the inventory has the factory certificate's serial number")
	case 1:
		return found[0], nil
	}
	return nil, failf(http.StatusForbidden, nil, "several devices in the inventory share the factory certificate's serial number")
}

// authenticateReenroll authenticates simplereenroll by the current
// certificate: issued by this organization's CA, recorded, still good.
func (s *Server) authenticateReenroll(r *http.Request, org *airtight.Organization) (*enrollment, error) {
	if peerCert(r) == nil {
		return nil, unauthorized(nil)
	}
	ctx := systemContext(r.Context(), org.ID)
	chain, err := s.chain(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	leaf, err := s.verifyPeer(r, chain.roots, chain.inter...)
	if err != nil {
		return nil, failf(http.StatusForbidden, err, "the client certificate was not issued by this label's CA or has expired")
	}
	rec, err := s.currentRecord(ctx, leaf)
	if err != nil {
		return nil, err
	}
	e := &enrollment{org: org, ctx: ctx, method: methodReenroll, profile: rec.Profile, subject: leaf.Subject.String()}
	if rec.DeviceID != 0 {
		if e.device, err = s.findDevice(ctx, rec.DeviceID); err != nil {
			return nil, err
		}
		e.policy = devicePolicy(e.device)
	}
	e.policy = e.policy.withCertificate(leaf)
	return e, nil
}

// currentRecord returns the store's record of leaf, which must be good.
func (s *Server) currentRecord(ctx context.Context, leaf *x509.Certificate) (*pki.Certificate, error) {
	rec, err := s.cfg.Certs.FindCertificate(ctx, pki.FormatSerial(leaf.SerialNumber))
	switch {
	case airtight.ErrorCode(err) == airtight.ENotFound:
		return nil, failf(http.StatusForbidden, err, "the client certificate is not known to this label's CA")
	case err != nil:
		return nil, internal(fmt.Errorf("find certificate: %w", err))
	case rec.DER != nil && !bytes.Equal(rec.DER, leaf.Raw):
		return nil, failf(http.StatusForbidden, nil, "the client certificate is not known to this label's CA")
	case rec.Status != pki.StatusGood:
		return nil, failf(http.StatusForbidden, nil, "the client certificate has been revoked")
	}
	return rec, nil
}
