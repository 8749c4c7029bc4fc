package pki

import (
	"crypto/x509"
	"net"
	"strings"
)

// MaxDeviceSerialLen is the X.520 upper bound of the serialNumber attribute.
const MaxDeviceSerialLen = 64

// names returns the alternative names and subject CN for in, taking names
// from the request only where the profile allows them and, when
// req.AllowedNames is set, only names listed there.
func (p Profile) names(in certInput) (*SubjectAltName, string, error) {
	csr := in.req.CSR
	if err := p.checkNameKinds(csr); err != nil {
		return nil, "", err
	}
	san := &SubjectAltName{}
	if err := addCSRNames(san, csr, in.req.AllowedNames, p.Name == ProfileServer); err != nil {
		return nil, "", err
	}
	if p.RequireName && len(san.DNSNames)+len(san.IPAddresses) == 0 {
		return nil, "", fieldError("csr.dnsNames", "profile %s needs at least one DNS name or IP address in the request", p.Name)
	}
	if p.Device {
		if err := addDeviceNames(san, in); err != nil {
			return nil, "", err
		}
		return san, in.req.DeviceSerial, nil
	}
	cn, err := p.commonName(csr, san, in.req.AllowedNames)
	return san, cn, err
}

// checkNameKinds rejects names of kinds the profile does not take.
func (p Profile) checkNameKinds(csr *x509.CertificateRequest) error {
	kinds := []struct {
		kind  NameKinds
		n     int
		field string
		what  string
	}{
		{NameDNS, len(csr.DNSNames), "csr.dnsNames", "DNS names"},
		{NameIP, len(csr.IPAddresses), "csr.ipAddresses", "IP addresses"},
		{NameURI, len(csr.URIs), "csr.uris", "URIs"},
		{NameEmail, len(csr.EmailAddresses), "csr.emailAddresses", "email addresses"},
	}
	for _, k := range kinds {
		if k.n > 0 && !p.CSRNames.Has(k.kind) {
			return fieldError(k.field, "profile %s does not take %s from the request", p.Name, k.what)
		}
	}
	if ext := FindSubjectAltName(csr.Extensions); ext != nil {
		s, err := ParseSubjectAltName(ext.Value)
		if err != nil {
			return fieldError("csr.subjectAltName", "%s", safeSANError(err))
		}
		if len(s.HardwareModules)+len(s.OtherNames) > 0 {
			return fieldError("csr.subjectAltName", "the request may not carry otherName alternative names: the hardware module name comes from the device record")
		}
	}
	return nil
}

func addCSRNames(san *SubjectAltName, csr *x509.CertificateRequest, allowed []string, wildcard bool) error {
	for _, d := range csr.DNSNames {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		if !validDNSName(d, wildcard) {
			return fieldError("csr.dnsNames", "%q is not a valid DNS name", truncate(d, 64))
		}
		if !nameAllowed(allowed, d) {
			return fieldError("csr.dnsNames", "%q is not among the names this request may use", truncate(d, 64))
		}
		san.DNSNames = append(san.DNSNames, d)
	}
	for _, ip := range csr.IPAddresses {
		if !nameAllowed(allowed, ip.String()) {
			return fieldError("csr.ipAddresses", "%s is not among the names this request may use", ip)
		}
		san.IPAddresses = append(san.IPAddresses, ip)
	}
	for _, u := range csr.URIs {
		if !nameAllowed(allowed, u.String()) {
			return fieldError("csr.uris", "%q is not among the names this request may use", truncate(u.String(), 64))
		}
		san.URIs = append(san.URIs, u.String())
	}
	for _, m := range csr.EmailAddresses {
		if !nameAllowed(allowed, m) {
			return fieldError("csr.emailAddresses", "%q is not among the names this request may use", truncate(m, 64))
		}
		san.EmailAddresses = append(san.EmailAddresses, m)
	}
	return nil
}

// addDeviceNames adds the hardware module name and the UDI.
func addDeviceNames(san *SubjectAltName, in certInput) error {
	serial := in.req.DeviceSerial
	if serial == "" {
		return fieldError("device_serial", "device profiles need the device's serial number")
	}
	if len(serial) > MaxDeviceSerialLen || !printableASCII(serial) {
		return fieldError("device_serial", "must be 1-%d printable ASCII characters", MaxDeviceSerialLen)
	}
	san.HardwareModules = append(san.HardwareModules, HardwareModuleName{Type: in.hwType, Serial: []byte(serial)})
	if udi := in.req.UDI; udi != "" {
		if !printableASCII(udi) || len(UDIURI(udi)) > MaxNameLen {
			return fieldError("udi", "must be printable ASCII and short enough for a %d-byte URI", MaxNameLen)
		}
		san.URIs = append(san.URIs, UDIURI(udi))
	}
	return nil
}

// commonName picks the subject CN of a non-device certificate: the
// request's CN where the profile takes it, else the first name.
func (p Profile) commonName(csr *x509.CertificateRequest, san *SubjectAltName, allowed []string) (string, error) {
	if cn := csr.Subject.CommonName; cn != "" && p.CSRCommonName {
		if !nameAllowed(allowed, cn) {
			return "", fieldError("csr.subject", "common name %q is not among the names this request may use", truncate(cn, 64))
		}
		return cn, nil
	}
	switch {
	case len(san.DNSNames) > 0:
		return san.DNSNames[0], nil
	case len(san.IPAddresses) > 0:
		return san.IPAddresses[0].String(), nil
	}
	return "", fieldError("csr.subject", "profile %s needs a common name in the request", p.Name)
}

// nameAllowed reports whether name is in allowed (nil allows everything).
// DNS names compare case-insensitively, IP addresses by value.
func nameAllowed(allowed []string, name string) bool {
	if allowed == nil {
		return true
	}
	ip := net.ParseIP(name)
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSuffix(a, "."), name) {
			return true
		}
		if ip != nil && ip.Equal(net.ParseIP(a)) {
			return true
		}
	}
	return false
}

// validDNSName checks hostname syntax (RFC 1123 labels); a leading "*."
// label is accepted where wildcard is true.
func validDNSName(name string, wildcard bool) bool {
	if wildcard {
		name = strings.TrimPrefix(name, "*.")
	}
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func printableASCII(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
