package pki_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

var oidNoRevAvail = asn1.ObjectIdentifier{2, 5, 29, 56}

func hasExt(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	return slices.ContainsFunc(c.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oid) })
}

// parsedSAN decodes the certificate's subjectAltName with this package's parser.
func parsedSAN(t *testing.T, c *x509.Certificate) *pki.SubjectAltName {
	t.Helper()
	ext := pki.FindSubjectAltName(c.Extensions)
	if ext == nil {
		return &pki.SubjectAltName{}
	}
	s, err := pki.ParseSubjectAltName(ext.Value)
	if err != nil {
		t.Fatalf("parse SAN: %v", err)
	}
	return s
}

func TestProfiles(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	const udi = "(01)00884521062169(17)271231(10)LOT42(21)SN-7"
	device := &x509.CertificateRequest{Subject: pkix.Name{CommonName: "ignored"}}
	withNames := &x509.CertificateRequest{Subject: pkix.Name{CommonName: "pacs.riverside.example"},
		DNSNames: []string{"pacs.riverside.example"}, IPAddresses: []net.IP{net.ParseIP("10.1.0.10")}}
	signing := &x509.CertificateRequest{Subject: pkix.Name{CommonName: "Pump firmware signing 2026"}}
	tests := []struct {
		profile  string
		csr      *x509.CertificateRequest
		rsa      bool
		udi      string
		eku      []x509.ExtKeyUsage
		ku       x509.KeyUsage
		life     time.Duration // 0: 9999-12-31
		cn       string
		dns      []string
		device   bool
		noRevoke bool
	}{
		{profile: pki.ProfileDeviceIDevID, csr: device, udi: udi, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			ku: x509.KeyUsageDigitalSignature, cn: "SN-7", device: true},
		{profile: pki.ProfileDeviceLDevID, csr: &x509.CertificateRequest{DNSNames: []string{"pump-7.biomed.riverside.example"}},
			eku: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
			ku:  x509.KeyUsageDigitalSignature, life: 365 * 24 * time.Hour, cn: "SN-7", dns: []string{"pump-7.biomed.riverside.example"}, device: true},
		{profile: pki.ProfileDeviceLDevID, csr: device, rsa: true,
			eku: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
			ku:  x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, life: 365 * 24 * time.Hour, cn: "SN-7", device: true},
		{profile: pki.ProfileDeviceShort, csr: device, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
			ku: x509.KeyUsageDigitalSignature, life: 24 * time.Hour, cn: "SN-7", device: true, noRevoke: true},
		{profile: pki.ProfileServer, csr: withNames, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			ku: x509.KeyUsageDigitalSignature, life: 397 * 24 * time.Hour, cn: "pacs.riverside.example", dns: []string{"pacs.riverside.example"}},
		{profile: pki.ProfileUpdateSigning, csr: signing, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
			ku: x509.KeyUsageDigitalSignature, life: 3 * 365 * 24 * time.Hour, cn: "Pump firmware signing 2026"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/rsa=%v", tc.profile, tc.rsa), func(t *testing.T) {
			alg := "ecdsa-p256"
			if tc.rsa {
				alg = "rsa-3072"
			}
			csr, _ := csrFor(t, alg, tc.csr)
			rec, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: tc.profile, CSR: csr, DeviceID: 42, DeviceSerial: "SN-7", UDI: tc.udi})
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			c, err := x509.ParseCertificate(rec.DER)
			if err != nil {
				t.Fatal(err)
			}
			if rec.DeviceID != 42 || rec.Profile != tc.profile || rec.CAID != f.issuing.ID || rec.Serial != pki.FormatSerial(c.SerialNumber) {
				t.Errorf("record: %+v", rec)
			}
			f.verify(t, c, tc.eku[0])
			checkProfileCert(t, f, c, tc.eku, tc.ku, tc.cn, tc.dns, tc.noRevoke)
			checkLifetime(t, c, tc.life)
			san := parsedSAN(t, c)
			if tc.device {
				if c.Subject.SerialNumber != "SN-7" || len(san.HardwareModules) != 1 ||
					string(san.HardwareModules[0].Serial) != "SN-7" || !san.HardwareModules[0].Type.Equal(pki.DefaultHardwareType) {
					t.Errorf("device identity: subject %q, hardware modules %+v", c.Subject, san.HardwareModules)
				}
			} else if len(san.HardwareModules) != 0 || c.Subject.SerialNumber != "" {
				t.Errorf("non-device certificate carries device identity")
			}
			if tc.udi != "" {
				if len(c.URIs) != 1 {
					t.Fatalf("URIs = %v", c.URIs)
				}
				if got, ok := pki.ParseUDIURI(c.URIs[0].String()); !ok || got != tc.udi {
					t.Errorf("UDI URI %s decodes to %q", c.URIs[0], got)
				}
			}
		})
	}
}

func checkProfileCert(t *testing.T, f *fixture, c *x509.Certificate, eku []x509.ExtKeyUsage, ku x509.KeyUsage, cn string, dns []string, noRevoke bool) {
	t.Helper()
	if !slices.Equal(c.ExtKeyUsage, eku) || c.KeyUsage != ku {
		t.Errorf("EKU %v KU %v, want %v %v", c.ExtKeyUsage, c.KeyUsage, eku, ku)
	}
	if c.IsCA || !c.BasicConstraintsValid {
		t.Error("end-entity certificate is a CA")
	}
	if c.Subject.CommonName != cn || !slices.Equal(c.DNSNames, dns) {
		t.Errorf("CN %q DNS %v, want %q %v", c.Subject.CommonName, c.DNSNames, cn, dns)
	}
	if len(c.SubjectKeyId) != 20 || !slices.Equal(c.AuthorityKeyId, f.issuingC.SubjectKeyId) {
		t.Errorf("SKI %x AKI %x", c.SubjectKeyId, c.AuthorityKeyId)
	}
	if noRevoke {
		if !hasExt(c, oidNoRevAvail) || len(c.CRLDistributionPoints)+len(c.OCSPServer) != 0 {
			t.Errorf("short-lived: noRevAvail=%v CRL=%v OCSP=%v", hasExt(c, oidNoRevAvail), c.CRLDistributionPoints, c.OCSPServer)
		}
		return
	}
	wantCRL := fmt.Sprintf("%s/pki/crl/%d.crl", testURL, f.issuing.ID)
	wantOCSP := fmt.Sprintf("%s/pki/ocsp/%d", testURL, f.issuing.ID)
	if !slices.Equal(c.CRLDistributionPoints, []string{wantCRL}) || !slices.Equal(c.OCSPServer, []string{wantOCSP}) {
		t.Errorf("CRL %v OCSP %v", c.CRLDistributionPoints, c.OCSPServer)
	}
}

func checkLifetime(t *testing.T, c *x509.Certificate, life time.Duration) {
	t.Helper()
	if life == 0 {
		if !c.NotAfter.Equal(pki.IDevIDNotAfter) {
			t.Errorf("notAfter %s, want 9999-12-31T23:59:59Z", c.NotAfter)
		}
		return
	}
	if got := c.NotAfter.Sub(c.NotBefore) - 5*time.Minute; got != life {
		t.Errorf("lifetime %s, want %s", got, life)
	}
}

func TestIssueRejects(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	names := &x509.CertificateRequest{DNSNames: []string{"pump-7.example"}}
	mail := &x509.CertificateRequest{EmailAddresses: []string{"a@b.example"}}
	uri, _ := url.Parse("https://x.example/")
	tests := []struct {
		name  string
		req   pki.IssueRequest
		csr   *x509.CertificateRequest
		field string
	}{
		{"unknown profile", pki.IssueRequest{Profile: "ca"}, nil, "profile"},
		{"device without serial", pki.IssueRequest{Profile: pki.ProfileDeviceLDevID}, nil, "device_serial"},
		{"serial not printable", pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, DeviceSerial: "SN\n1"}, nil, "device_serial"},
		{"DNS name in IDevID", pki.IssueRequest{Profile: pki.ProfileDeviceIDevID, DeviceSerial: "S"}, names, "csr.dnsNames"},
		{"email in LDevID", pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, DeviceSerial: "S"}, mail, "csr.emailAddresses"},
		{"URI in server", pki.IssueRequest{Profile: pki.ProfileServer}, &x509.CertificateRequest{DNSNames: []string{"a.example"}, URIs: []*url.URL{uri}}, "csr.uris"},
		{"name not allowed", pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, DeviceSerial: "S", AllowedNames: []string{"other.example"}}, names, "csr.dnsNames"},
		{"server without names", pki.IssueRequest{Profile: pki.ProfileServer}, nil, "csr.dnsNames"},
		{"server CN not allowed", pki.IssueRequest{Profile: pki.ProfileServer, AllowedNames: []string{"pump-7.example"}},
			&x509.CertificateRequest{Subject: pkix.Name{CommonName: "evil.example"}, DNSNames: []string{"pump-7.example"}}, "csr.subject"},
		{"bad DNS name", pki.IssueRequest{Profile: pki.ProfileServer}, &x509.CertificateRequest{DNSNames: []string{"-bad-.example"}}, "csr.dnsNames"},
		{"lifetime too long", pki.IssueRequest{Profile: pki.ProfileDeviceShort, DeviceSerial: "S", Lifetime: 30 * 24 * time.Hour}, nil, "lifetime"},
		{"update-signing without CN", pki.IssueRequest{Profile: pki.ProfileUpdateSigning}, &x509.CertificateRequest{}, "csr.subject"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.CSR, _ = csrFor(t, "ecdsa-p256", tc.csr)
			before := len(f.store.certs)
			_, err := f.auth.Issue(f.ctx, tc.req)
			if airtight.ErrorCode(err) != airtight.EInvalid {
				t.Fatalf("Issue: %v, want invalid", err)
			}
			if d := airtight.ErrorDetails(err); len(d) != 1 || d[0].Field != tc.field {
				t.Errorf("details %+v, want field %s (%v)", d, tc.field, err)
			}
			if len(f.store.certs) != before {
				t.Error("a certificate was recorded")
			}
		})
	}
	// A CSR whose signature no longer verifies is refused even when parsed elsewhere.
	csr, _ := csrFor(t, "ecdsa-p256", nil)
	csr.Signature[len(csr.Signature)-3] ^= 0xff
	if _, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "S"}); airtight.ErrorCode(err) != airtight.EInvalid {
		t.Errorf("tampered CSR: %v", err)
	}
}

func TestAllowedNamesAccepts(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	csr, _ := csrFor(t, "ecdsa-p256", &x509.CertificateRequest{DNSNames: []string{"Pump-7.Example"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.7")}})
	_, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "S",
		AllowedNames: []string{"pump-7.example.", "10.0.0.7"}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLifetimeClampedToIssuer(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	// Ten years on, the issuing CA has months left: an LDevID stops with it.
	later := f.issuingC.NotAfter.Add(-30 * 24 * time.Hour)
	a := pki.NewAuthority(f.store, f.keys, pki.WithClock(func() time.Time { return later }))
	csr, _ := csrFor(t, "ecdsa-p256", nil)
	rec, err := a.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "S"})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.NotAfter.Equal(f.issuingC.NotAfter) {
		t.Errorf("notAfter %s, want the issuing CA's %s", rec.NotAfter, f.issuingC.NotAfter)
	}
}

// Device certificates can name the device's roles as extended key usages
// (e.g. IEEE 11073 SDC participant roles); other profiles cannot, and
// malformed or too many OIDs are refused before anything is signed.
func TestRoleOIDs(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	role := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 11073, 1} // documentation arc (RFC 5612)
	csr, _ := csrFor(t, "ecdsa-p256", &x509.CertificateRequest{})
	rec, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "SN-7",
		RoleOIDs: []asn1.ObjectIdentifier{role}})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(rec.DER)
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.UnknownExtKeyUsage) != 1 || !cert.UnknownExtKeyUsage[0].Equal(role) ||
		!slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
		t.Errorf("EKUs = %v + %v", cert.ExtKeyUsage, cert.UnknownExtKeyUsage)
	}
	many := make([]asn1.ObjectIdentifier, pki.MaxRoleOIDs+1)
	for i := range many {
		many[i] = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, i + 1}
	}
	for _, tc := range []struct {
		name    string
		profile string
		oids    []asn1.ObjectIdentifier
	}{
		{"server profile", pki.ProfileServer, []asn1.ObjectIdentifier{role}},
		{"too many", pki.ProfileDeviceLDevID, many},
		{"one arc", pki.ProfileDeviceLDevID, []asn1.ObjectIdentifier{{1}}},
		{"bad first arc", pki.ProfileDeviceLDevID, []asn1.ObjectIdentifier{{3, 1}}},
		{"bad second arc", pki.ProfileDeviceLDevID, []asn1.ObjectIdentifier{{1, 40}}},
		{"negative arc", pki.ProfileDeviceLDevID, []asn1.ObjectIdentifier{{1, 3, -6}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			csr, _ := csrFor(t, "ecdsa-p256", &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x.example"}, DNSNames: []string{"x.example"}})
			_, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: tc.profile, CSR: csr, DeviceSerial: "SN-7", RoleOIDs: tc.oids})
			if airtight.ErrorCode(err) != airtight.EInvalid || !strings.Contains(airtight.ErrorMessage(err), "role_oids") {
				t.Errorf("Issue = %v, want invalid role_oids", err)
			}
		})
	}
}
