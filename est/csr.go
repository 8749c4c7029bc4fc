package est

import (
	"crypto/x509"
	"net"
	"net/http"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
)

func badCSR(format string, args ...any) *failure {
	return failf(http.StatusBadRequest, nil, format, args...)
}

// parseCSR parses and checks a DER PKCS#10 request with pki.ParseCSR, the
// CA's own checks (size, key type and size, signature, extensions, names),
// so that EST refuses exactly what the Authority would.
// The signature is verified once, by Authority.Issue, before anything is
// signed; a bad one is a 400 like every other CSR error and issues nothing.
func parseCSR(der []byte) (*x509.CertificateRequest, error) {
	csr, err := pki.DecodeCSR(der)
	if err != nil {
		if airtight.ErrorCode(err) == airtight.EInvalid {
			return nil, failf(http.StatusBadRequest, err, "%s", airtight.ErrorMessage(err))
		}
		return nil, failf(http.StatusBadRequest, err, "malformed certification request")
	}
	return csr, nil
}

// namePolicy is the set of names a requester may put in a certificate.
type namePolicy struct {
	names  []string // common name or DNS name, compared case-insensitively
	ips    []net.IP
	serial string // the device's serial number ("" : none may be asked)
}

// devicePolicy allows the device's asset tag, hostname and serial number as
// names, its IP address, and its serial number in the subject.
func devicePolicy(d *inventory.Device) namePolicy {
	p := namePolicy{serial: d.SerialNumber}
	for _, n := range []string{d.AssetTag, d.Hostname, d.SerialNumber} {
		if n = strings.TrimSpace(n); n != "" {
			p.names = append(p.names, n)
		}
	}
	if ip := net.ParseIP(d.IP); ip != nil {
		p.ips = append(p.ips, ip)
	}
	return p
}

// withCertificate also allows the names of a certificate being renewed.
func (p namePolicy) withCertificate(c *x509.Certificate) namePolicy {
	if c.Subject.CommonName != "" {
		p.names = append(p.names, c.Subject.CommonName)
	}
	p.names = append(p.names, c.DNSNames...)
	p.ips = append(p.ips, c.IPAddresses...)
	return p
}

func (p namePolicy) allowsName(n string) bool {
	for _, a := range p.names {
		if strings.EqualFold(a, n) {
			return true
		}
	}
	return false
}

func (p namePolicy) allowsIP(ip net.IP) bool {
	for _, a := range p.ips {
		if a.Equal(ip) {
			return true
		}
	}
	return false
}

// check refuses a request naming anything the policy does not allow.
func (p namePolicy) check(csr *x509.CertificateRequest) error {
	if cn := csr.Subject.CommonName; cn != "" && !p.allowsName(cn) {
		return badCSR("the common name is not one this device may use (its asset tag, hostname or serial number)")
	}
	if sn := csr.Subject.SerialNumber; sn != "" && sn != p.serial {
		return badCSR("the subject serial number is not this device's serial number")
	}
	for _, n := range csr.DNSNames {
		if !p.allowsName(n) {
			return badCSR("a DNS name is not one this device may use (its asset tag, hostname or serial number)")
		}
	}
	for _, ip := range csr.IPAddresses {
		if !p.allowsIP(ip) {
			return badCSR("an IP address is not this device's address")
		}
	}
	if len(csr.EmailAddresses) > 0 || len(csr.URIs) > 0 {
		return badCSR("e-mail and URI names are not allowed in device certificates")
	}
	return nil
}

// allowed lists the names for pki.IssueRequest.AllowedNames.
func (p namePolicy) allowed() []string {
	out := append([]string{}, p.names...)
	for _, ip := range p.ips {
		out = append(out, ip.String())
	}
	return out
}
