package pki

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Object identifiers of the subjectAltName extension and its otherName forms.
var (
	OIDSubjectAltName     = asn1.ObjectIdentifier{2, 5, 29, 17}
	OIDHardwareModuleName = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 8, 4} // RFC 4108 id-on-hardwareModuleName

	// DefaultHardwareType is the hwType of the hardware module names
	// airtight writes when the deployment names none. It sits under
	// 1.3.6.1.4.1.32473, the enterprise number IANA reserves for
	// documentation (RFC 5612): a placeholder, not an identifier anyone
	// owns. A device maker should set its own arc (its IANA private
	// enterprise number, e.g. 1.3.6.1.4.1.<PEN>.<product line>) with
	// WithHardwareType.
	DefaultHardwareType = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 1, 1}
)

// Limits on names, shared by the CSR checks and the SAN encoder.
const (
	MaxNameLen = 255 // bytes in one name
	MaxSANs    = 20  // names in one subjectAltName
)

// HardwareModuleName is the RFC 4108 otherName that identifies a hardware
// module (here: a medical device) by type and serial number.
type HardwareModuleName struct {
	Type   asn1.ObjectIdentifier // hwType
	Serial []byte                // hwSerialNum
}

// OtherName is an otherName of a type this package does not decode.
type OtherName struct {
	Type  asn1.ObjectIdentifier
	Value []byte // DER of the [0] EXPLICIT value's content
}

// SubjectAltName is the content of a subjectAltName extension, including the
// otherName forms crypto/x509 cannot write.
type SubjectAltName struct {
	DNSNames        []string
	EmailAddresses  []string
	IPAddresses     []net.IP
	URIs            []string
	HardwareModules []HardwareModuleName
	OtherNames      []OtherName // otherNames other than hardware module names
}

// Len is the number of names.
func (s *SubjectAltName) Len() int {
	return len(s.DNSNames) + len(s.EmailAddresses) + len(s.IPAddresses) + len(s.URIs) +
		len(s.HardwareModules) + len(s.OtherNames)
}

// GeneralName tags (RFC 5280 section 4.2.1.6), context-specific.
const (
	tagOtherName = 0
	tagRFC822    = 1
	tagDNS       = 2
	tagURI       = 6
	tagIP        = 7
)

// hwModuleName is the ASN.1 shape of HardwareModuleName.
type hwModuleName struct {
	Type   asn1.ObjectIdentifier
	Serial []byte
}

// Extension encodes s as a subjectAltName extension, for
// x509.Certificate.ExtraExtensions. critical must be true when the subject
// is empty (RFC 5280).
func (s *SubjectAltName) Extension(critical bool) (pkix.Extension, error) {
	if s.Len() == 0 {
		return pkix.Extension{}, fmt.Errorf("subjectAltName: no names")
	}
	if s.Len() > MaxSANs {
		return pkix.Extension{}, fmt.Errorf("subjectAltName: %d names, at most %d", s.Len(), MaxSANs)
	}
	var names []asn1.RawValue
	for _, m := range s.HardwareModules {
		v, err := asn1.Marshal(hwModuleName(m))
		if err != nil {
			return pkix.Extension{}, fmt.Errorf("hardware module name: %w", err)
		}
		on, err := otherName(OIDHardwareModuleName, v)
		if err != nil {
			return pkix.Extension{}, err
		}
		names = append(names, on)
	}
	for _, o := range s.OtherNames {
		on, err := otherName(o.Type, o.Value)
		if err != nil {
			return pkix.Extension{}, err
		}
		names = append(names, on)
	}
	add := func(tag int, kind string, vs []string) error {
		for _, v := range vs {
			if err := checkIA5(kind, v); err != nil {
				return err
			}
			names = append(names, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tag, Bytes: []byte(v)})
		}
		return nil
	}
	if err := add(tagDNS, "DNS name", s.DNSNames); err != nil {
		return pkix.Extension{}, err
	}
	for _, ip := range s.IPAddresses {
		b := ip.To4()
		if b == nil {
			b = ip.To16()
		}
		if b == nil {
			return pkix.Extension{}, fmt.Errorf("subjectAltName: bad IP address")
		}
		names = append(names, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tagIP, Bytes: b})
	}
	if err := add(tagURI, "URI", s.URIs); err != nil {
		return pkix.Extension{}, err
	}
	if err := add(tagRFC822, "email address", s.EmailAddresses); err != nil {
		return pkix.Extension{}, err
	}
	der, err := asn1.Marshal(names)
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("subjectAltName: %w", err)
	}
	return pkix.Extension{Id: OIDSubjectAltName, Critical: critical, Value: der}, nil
}

// otherName encodes an otherName GeneralName: [0] { type-id, [0] EXPLICIT value }.
func otherName(typ asn1.ObjectIdentifier, value []byte) (asn1.RawValue, error) {
	oid, err := asn1.Marshal(typ)
	if err != nil {
		return asn1.RawValue{}, fmt.Errorf("otherName type: %w", err)
	}
	val, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: value})
	if err != nil {
		return asn1.RawValue{}, fmt.Errorf("otherName value: %w", err)
	}
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tagOtherName, IsCompound: true,
		Bytes: append(oid, val...)}, nil
}

func checkIA5(kind, v string) error {
	if v == "" || len(v) > MaxNameLen {
		return fmt.Errorf("subjectAltName: %s must be 1-%d bytes", kind, MaxNameLen)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return fmt.Errorf("subjectAltName: %s has a character outside printable ASCII", kind)
		}
	}
	return nil
}

// ParseSubjectAltName decodes the value of a subjectAltName extension.
// Directory names, registered IDs and X.400/EDI names are rejected: no
// device profile uses them.
func ParseSubjectAltName(der []byte) (*SubjectAltName, error) {
	var names []asn1.RawValue
	rest, err := asn1.Unmarshal(der, &names)
	if err != nil {
		return nil, fmt.Errorf("subjectAltName: %w", err)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("subjectAltName: trailing data")
	}
	s := &SubjectAltName{}
	for _, n := range names {
		if s.Len() >= MaxSANs {
			return nil, fmt.Errorf("subjectAltName: more than %d names", MaxSANs)
		}
		if err := s.add(n); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *SubjectAltName) add(n asn1.RawValue) error {
	if n.Class != asn1.ClassContextSpecific {
		return fmt.Errorf("subjectAltName: name is not a GeneralName")
	}
	switch n.Tag {
	case tagOtherName:
		return s.addOtherName(n.Bytes)
	case tagDNS, tagURI, tagRFC822:
		kind := map[int]string{tagDNS: "DNS name", tagURI: "URI", tagRFC822: "email address"}[n.Tag]
		v := string(n.Bytes)
		if err := checkIA5(kind, v); err != nil {
			return err
		}
		switch n.Tag {
		case tagDNS:
			s.DNSNames = append(s.DNSNames, v)
		case tagURI:
			s.URIs = append(s.URIs, v)
		default:
			s.EmailAddresses = append(s.EmailAddresses, v)
		}
	case tagIP:
		if len(n.Bytes) != net.IPv4len && len(n.Bytes) != net.IPv6len {
			return fmt.Errorf("subjectAltName: IP address of %d bytes", len(n.Bytes))
		}
		s.IPAddresses = append(s.IPAddresses, net.IP(append([]byte(nil), n.Bytes...)))
	default:
		return fmt.Errorf("subjectAltName: unsupported name type [%d]", n.Tag)
	}
	return nil
}

func (s *SubjectAltName) addOtherName(b []byte) error {
	var typ asn1.ObjectIdentifier
	rest, err := asn1.Unmarshal(b, &typ)
	if err != nil {
		return fmt.Errorf("subjectAltName: otherName type: %w", err)
	}
	var val asn1.RawValue
	rest, err = asn1.Unmarshal(rest, &val)
	if err != nil || len(rest) > 0 || val.Class != asn1.ClassContextSpecific || val.Tag != 0 || !val.IsCompound {
		return fmt.Errorf("subjectAltName: malformed otherName value")
	}
	if !typ.Equal(OIDHardwareModuleName) {
		s.OtherNames = append(s.OtherNames, OtherName{Type: typ, Value: val.Bytes})
		return nil
	}
	var hw hwModuleName
	rest, err = asn1.Unmarshal(val.Bytes, &hw)
	if err != nil || len(rest) > 0 {
		return fmt.Errorf("subjectAltName: malformed hardware module name")
	}
	if len(hw.Serial) == 0 || len(hw.Serial) > MaxNameLen {
		return fmt.Errorf("subjectAltName: hardware module serial must be 1-%d bytes", MaxNameLen)
	}
	s.HardwareModules = append(s.HardwareModules, HardwareModuleName(hw))
	return nil
}

// FindSubjectAltName returns the subjectAltName extension among exts, or nil.
func FindSubjectAltName(exts []pkix.Extension) *pkix.Extension {
	for i := range exts {
		if exts[i].Id.Equal(OIDSubjectAltName) {
			return &exts[i]
		}
	}
	return nil
}

// UDI URIs.
//
// A UDI (FDA Unique Device Identifier, 21 CFR 830) is carried as a URI SAN
// "urn:udi:" followed by the UDI exactly as printed in its human-readable
// form (GS1 "(01)…(17)…", HIBCC "+…", ICCBBA "=/…"), percent-encoded per RFC
// 3986: every byte outside the unreserved set (ALPHA / DIGIT / "-" / "." /
// "_" / "~") becomes %XX. The encoding is lossless for all three issuing
// agencies, keeps the agency recognisable from the first character, and
// yields a URI that every X.509 stack parses. "udi" is not an
// IANA-registered URN namespace (none exists for UDIs); relying parties
// should match the URI with ParseUDIURI rather than by prefix alone. GS1 UDIs
// could alternatively use GS1 Digital Link, which HIBCC and ICCBBA lack.
const udiURIPrefix = "urn:udi:"

// UDIURI returns the URI SAN that carries udi.
func UDIURI(udi string) string {
	var b strings.Builder
	b.WriteString(udiURIPrefix)
	for i := 0; i < len(udi); i++ {
		c := udi[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// ParseUDIURI returns the UDI a URI SAN carries, and whether it is one.
func ParseUDIURI(uri string) (string, bool) {
	rest, ok := strings.CutPrefix(uri, udiURIPrefix)
	if !ok || rest == "" {
		return "", false
	}
	udi, err := url.PathUnescape(rest)
	if err != nil {
		return "", false
	}
	return udi, true
}

func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
