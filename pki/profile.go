package pki

import (
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/airtight/airtight"
)

// NameKinds is a set of alternative-name kinds.
type NameKinds uint8

// Alternative-name kinds a profile may take from a request.
const (
	NameDNS NameKinds = 1 << iota
	NameIP
	NameURI
	NameEmail
)

// Has reports whether k holds all of x.
func (k NameKinds) Has(x NameKinds) bool { return k&x == x }

// Profile shapes one kind of certificate.
type Profile struct {
	Name        string
	Description string
	KeyUsage    x509.KeyUsage // for every key; TLS profiles add keyEncipherment for RSA keys
	ExtKeyUsage []x509.ExtKeyUsage
	TLS         bool          // used for TLS (RSA key transport needs keyEncipherment)
	Lifetime    time.Duration // default lifetime; 0 with FixedNotAfter set
	MaxLifetime time.Duration // the most IssueRequest.Lifetime may ask for
	// FixedNotAfter is the notAfter when the request asks for no lifetime.
	// It is not clamped to the issuing CA's notAfter.
	FixedNotAfter time.Time
	Device        bool      // subject serialNumber, hardware module name and UDI from the device
	CSRNames      NameKinds // alternative names the request may carry
	CSRCommonName bool      // the subject CN comes from the request
	RequireName   bool      // the request must carry a DNS name or IP address
	NoRevocation  bool      // short-lived: RFC 9608 noRevAvail, no CRL or OCSP pointers
}

// IDevIDNotAfter is the notAfter of factory identities: IEEE 802.1AR-2018
// section 8.5 asks for 99991231235959Z (GeneralizedTime), "no well-defined
// expiration date", since a device keeps its factory identity for life.
// Relying parties check revocation instead. A request may still ask for a
// finite Lifetime (at most 30 years).
var IDevIDNotAfter = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

const day = 24 * time.Hour

var profiles = []Profile{
	{
		Name: ProfileDeviceIDevID, Description: "IEEE 802.1AR factory identity (IDevID) of a device",
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		TLS: true, FixedNotAfter: IDevIDNotAfter, MaxLifetime: 30 * 365 * day, Device: true,
	},
	{
		Name: ProfileDeviceLDevID, Description: "IEEE 802.1AR local operational identity (LDevID) of a device",
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		TLS:         true, Lifetime: 365 * day, MaxLifetime: 2 * 365 * day, Device: true, CSRNames: NameDNS | NameIP,
	},
	{
		Name: ProfileDeviceShort, Description: "short-lived operational identity of a device (no revocation)",
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		TLS:         true, Lifetime: day, MaxLifetime: 7 * day, Device: true, CSRNames: NameDNS | NameIP, NoRevocation: true,
	},
	{
		Name: ProfileServer, Description: "TLS server (PACS, HL7 engine, EST and OCSP endpoints)",
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		TLS: true, Lifetime: 397 * day, MaxLifetime: 397 * day, CSRNames: NameDNS | NameIP, CSRCommonName: true, RequireName: true,
	},
	{
		Name: ProfileUpdateSigning, Description: "signs software update metadata (not for TLS)",
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		Lifetime: 3 * 365 * day, MaxLifetime: 5 * 365 * day, CSRCommonName: true,
	},
}

// Profiles returns every profile, in a stable order.
func Profiles() []Profile {
	out := make([]Profile, len(profiles))
	copy(out, profiles)
	return out
}

// LookupProfile returns the named profile, or an EInvalid error.
func LookupProfile(name string) (Profile, error) {
	for _, p := range profiles {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fieldError("profile", "unknown profile %q (device-idevid, device-ldevid, device-short, server, update-signing)", truncate(name, 40))
}

var oidNoRevAvail = asn1.ObjectIdentifier{2, 5, 29, 56} // RFC 9608

// backdate covers clock skew between the CA and relying parties.
const backdate = 5 * time.Minute

// certInput is everything a profile needs to build a certificate template.
type certInput struct {
	req    IssueRequest
	now    time.Time
	issuer *x509.Certificate
	hwType asn1.ObjectIdentifier
	crlURL string // "" when no public URL is configured
	ocsp   string
}

// template builds the certificate template for in (serial excluded).
func (p Profile) template(in certInput) (*x509.Certificate, error) {
	names, cn, err := p.names(in)
	if err != nil {
		return nil, err
	}
	nb, na, err := p.validity(in.now, in.req.Lifetime, in.issuer)
	if err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(in.req.CSR.PublicKey)
	if err != nil {
		return nil, err
	}
	t := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             nb,
		NotAfter:              na,
		KeyUsage:              p.keyUsage(in.req.CSR.PublicKey),
		ExtKeyUsage:           p.ExtKeyUsage,
		BasicConstraintsValid: true,
		SubjectKeyId:          ski,
	}
	if p.Device {
		t.Subject.SerialNumber = in.req.DeviceSerial
	}
	if t.UnknownExtKeyUsage, err = p.roles(in.req.RoleOIDs); err != nil {
		return nil, err
	}
	if names.Len() > 0 {
		ext, err := names.Extension(false)
		if err != nil {
			return nil, &airtight.Error{Code: airtight.EInvalid, Message: "subjectAltName: " + safeSANError(err), Err: err}
		}
		t.ExtraExtensions = append(t.ExtraExtensions, ext)
	}
	p.revocationPointers(t, in)
	return t, nil
}

// roles checks the requested role OIDs: device profiles only, a few, each
// a well-formed OID of at least two arcs.
func (p Profile) roles(oids []asn1.ObjectIdentifier) ([]asn1.ObjectIdentifier, error) {
	if len(oids) == 0 {
		return nil, nil
	}
	bad := func(msg string) error {
		return &airtight.Error{Code: airtight.EInvalid, Message: "role_oids: " + msg,
			Details: []airtight.Detail{{Field: "role_oids", Message: msg}}}
	}
	switch {
	case !p.Device:
		return nil, bad("only device certificates carry role OIDs")
	case len(oids) > MaxRoleOIDs:
		return nil, bad(fmt.Sprintf("at most %d", MaxRoleOIDs))
	}
	for _, o := range oids {
		if len(o) < 2 || o[0] > 2 || (o[0] < 2 && o[1] > 39) {
			return nil, bad("not a valid object identifier")
		}
		for _, arc := range o {
			if arc < 0 {
				return nil, bad("not a valid object identifier")
			}
		}
	}
	return oids, nil
}

func (p Profile) keyUsage(pub any) x509.KeyUsage {
	ku := p.KeyUsage
	if _, ok := pub.(*rsa.PublicKey); ok && p.TLS {
		ku |= x509.KeyUsageKeyEncipherment
	}
	return ku
}

func (p Profile) revocationPointers(t *x509.Certificate, in certInput) {
	if p.NoRevocation {
		t.ExtraExtensions = append(t.ExtraExtensions, pkix.Extension{Id: oidNoRevAvail, Value: []byte{0x05, 0x00}})
		return
	}
	if in.crlURL != "" {
		t.CRLDistributionPoints = []string{in.crlURL}
	}
	if in.ocsp != "" {
		t.OCSPServer = []string{in.ocsp}
	}
}

// validity returns notBefore and notAfter for a request lifetime (0: the
// profile's default).
func (p Profile) validity(now time.Time, lifetime time.Duration, issuer *x509.Certificate) (time.Time, time.Time, error) {
	now = now.UTC().Truncate(time.Second)
	nb := now.Add(-backdate)
	if nb.Before(issuer.NotBefore) {
		nb = issuer.NotBefore
	}
	if lifetime < 0 || lifetime > p.MaxLifetime {
		return time.Time{}, time.Time{}, fieldError("lifetime", "profile %s allows lifetimes up to %s", p.Name, p.MaxLifetime)
	}
	if lifetime == 0 && !p.FixedNotAfter.IsZero() {
		return nb, p.FixedNotAfter, nil
	}
	if lifetime == 0 {
		lifetime = p.Lifetime
	}
	na := now.Add(lifetime)
	if na.After(issuer.NotAfter) {
		na = issuer.NotAfter
	}
	if !na.After(now) {
		return time.Time{}, time.Time{}, airtight.Errorf(airtight.EInvalid, "the issuing CA has expired")
	}
	return nb, na, nil
}

// fieldError is an EInvalid error naming the field at fault.
func fieldError(field, format string, args ...any) *airtight.Error {
	e := airtight.Errorf(airtight.EInvalid, field+": "+format, args...)
	e.Details = []airtight.Detail{{Field: field, Message: e.Message}}
	return e
}
