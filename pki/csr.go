package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"

	"github.com/airtight/airtight"
)

// Limits on certificate signing requests. They bound the work a hostile
// request can cause before anything is issued.
const (
	MaxCSRSize          = 16 << 10 // bytes, in any encoding
	MaxCSRExtensions    = 32
	MaxCSRExtensionSize = 4 << 10 // bytes of one extension value
	MinRSABits          = 2048
	MaxRSABits          = 4096
)

var (
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
)

// ParseCSR parses and checks a PKCS#10 certificate signing request given as
// DER, PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or base64 DER
// (as EST sends it, line breaks allowed). It returns an EInvalid
// *airtight.Error naming the problem when the request is malformed, too
// large, uses a key type or size airtight does not accept, asks for a CA
// certificate, or its signature does not verify.
func ParseCSR(data []byte) (*x509.CertificateRequest, error) {
	csr, err := DecodeCSR(data)
	if err != nil {
		return nil, err
	}
	if err := checkCSRSignature(csr); err != nil {
		return nil, err
	}
	return csr, nil
}

// DecodeCSR applies every check of ParseCSR but the signature's, for a
// caller that will hand the request to Authority.Issue, which verifies the
// signature before anything is signed: verifying it twice costs a tenth of
// an EST issuance.
func DecodeCSR(data []byte) (*x509.CertificateRequest, error) {
	if len(data) > MaxCSRSize {
		return nil, csrErrorf(nil, "request is larger than %d KiB", MaxCSRSize>>10)
	}
	der, err := csrDER(data)
	if err != nil {
		return nil, err
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, csrErrorf(err, "request is not a valid PKCS#10 structure")
	}
	if err := checkCSRShape(csr); err != nil {
		return nil, err
	}
	return csr, nil
}

// csrDER finds the DER inside data.
func csrDER(data []byte) ([]byte, error) {
	if len(data) > 0 && data[0] == 0x30 { // DER SEQUENCE; never trimmed
		return data, nil
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, csrErrorf(nil, "request is empty")
	case bytes.HasPrefix(trimmed, []byte("-----BEGIN")):
		block, _ := pem.Decode(trimmed)
		if block == nil {
			return nil, csrErrorf(nil, "request is not valid PEM")
		}
		if block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
			return nil, csrErrorf(nil, "PEM block is %q, not a CERTIFICATE REQUEST", truncate(block.Type, 40))
		}
		return block.Bytes, nil
	default:
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, trimmed)
		der := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, err := base64.StdEncoding.Decode(der, clean)
		if err != nil {
			return nil, csrErrorf(err, "request is neither DER, PEM nor base64")
		}
		return der[:n], nil
	}
}

// CheckCSR applies ParseCSR's checks to an already parsed request. Issue
// calls it again, so that a request from any source is checked before
// anything is signed.
func CheckCSR(csr *x509.CertificateRequest) error {
	if err := checkCSRShape(csr); err != nil {
		return err
	}
	return checkCSRSignature(csr)
}

// checkCSRShape checks everything but the signature.
func checkCSRShape(csr *x509.CertificateRequest) error {
	if csr == nil {
		return csrErrorf(nil, "request is missing")
	}
	if len(csr.Raw) > MaxCSRSize {
		return csrErrorf(nil, "request is larger than %d KiB", MaxCSRSize>>10)
	}
	if err := checkPublicKey(csr.PublicKey); err != nil {
		return err
	}
	if err := checkCSRExtensions(csr.Extensions); err != nil {
		return err
	}
	return checkCSRNames(csr)
}

func checkCSRSignature(csr *x509.CertificateRequest) error {
	if err := csr.CheckSignature(); err != nil {
		return csrErrorf(err, "signature does not verify (or uses a weak algorithm such as SHA-1)")
	}
	return nil
}

func checkPublicKey(pub any) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return csrErrorf(nil, "key: ECDSA curve %s is not accepted (use P-256 or P-384)", curveName(k.Curve))
		}
	case ed25519.PublicKey:
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < MinRSABits || bits > MaxRSABits {
			return csrErrorf(nil, "key: RSA key of %d bits is not accepted (use %d to %d bits)", bits, MinRSABits, MaxRSABits)
		}
	default:
		return csrErrorf(nil, "key: unsupported key type (use ECDSA P-256/P-384, Ed25519 or RSA %d-%d)", MinRSABits, MaxRSABits)
	}
	return nil
}

func curveName(c elliptic.Curve) string {
	if c == nil || c.Params() == nil {
		return "unknown"
	}
	return c.Params().Name
}

func checkCSRExtensions(exts []pkix.Extension) error {
	if len(exts) > MaxCSRExtensions {
		return csrErrorf(nil, "request has %d extensions, at most %d", len(exts), MaxCSRExtensions)
	}
	for _, ext := range exts {
		if len(ext.Value) > MaxCSRExtensionSize {
			return csrErrorf(nil, "extension %s is %d bytes, at most %d", ext.Id, len(ext.Value), MaxCSRExtensionSize)
		}
		switch {
		case ext.Id.Equal(oidBasicConstraints):
			var bc struct {
				IsCA       bool `asn1:"optional"`
				MaxPathLen int  `asn1:"optional,default:-1"`
			}
			if _, err := asn1.Unmarshal(ext.Value, &bc); err != nil {
				return csrErrorf(err, "basicConstraints extension is malformed")
			}
			if bc.IsCA {
				return csrErrorf(nil, "request asks for a CA certificate (basicConstraints cA=true)")
			}
		case ext.Id.Equal(oidKeyUsage):
			var bits asn1.BitString
			if _, err := asn1.Unmarshal(ext.Value, &bits); err != nil {
				return csrErrorf(err, "keyUsage extension is malformed")
			}
			if bits.At(5) == 1 || bits.At(6) == 1 { // keyCertSign, cRLSign
				return csrErrorf(nil, "request asks for CA key usages (keyCertSign or cRLSign)")
			}
		case ext.Id.Equal(OIDSubjectAltName):
			if _, err := ParseSubjectAltName(ext.Value); err != nil {
				return csrErrorf(err, "%s", safeSANError(err))
			}
		}
	}
	return nil
}

// safeSANError returns the SAN parser's message; it names limits and kinds,
// never the names themselves.
func safeSANError(err error) string { return truncate(err.Error(), 120) }

func checkCSRNames(csr *x509.CertificateRequest) error {
	n := len(csr.DNSNames) + len(csr.EmailAddresses) + len(csr.IPAddresses) + len(csr.URIs)
	if n > MaxSANs {
		return csrErrorf(nil, "request has %d alternative names, at most %d", n, MaxSANs)
	}
	for _, atv := range csr.Subject.Names {
		if s, ok := atv.Value.(string); ok && len(s) > MaxNameLen {
			return csrErrorf(nil, "subject attribute %s is longer than %d bytes", atv.Type, MaxNameLen)
		}
	}
	for _, u := range csr.URIs {
		if len(u.String()) > MaxNameLen {
			return csrErrorf(nil, "URI name is longer than %d bytes", MaxNameLen)
		}
	}
	for _, list := range [][]string{csr.DNSNames, csr.EmailAddresses} {
		for _, s := range list {
			if len(s) > MaxNameLen {
				return csrErrorf(nil, "alternative name is longer than %d bytes", MaxNameLen)
			}
		}
	}
	return nil
}

// csrErrorf returns an EInvalid error about a CSR; cause is kept for logs.
func csrErrorf(cause error, format string, args ...any) *airtight.Error {
	return &airtight.Error{Code: airtight.EInvalid, Message: "csr: " + fmt.Sprintf(format, args...), Err: cause}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
