package est

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
)

// Object identifiers named in the CSR attributes response.
var (
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidSECP256R1       = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidSerialNumber    = asn1.ObjectIdentifier{2, 5, 4, 5}
)

// attrValues is the values SET of an Attribute.
type attrValues []asn1.ObjectIdentifier

// attribute is an Attribute whose values are object identifiers.
type attribute struct {
	Type   asn1.ObjectIdentifier
	Values attrValues `asn1:"set"`
}

// csrAttrsDER is the CsrAttrs (RFC 7030 section 4.5.2) this CA wants: an
// ECDSA P-256 key, signed with SHA-256, and the device's serial number in
// the subject. The challengePassword is not wanted: authentication is the
// token or the TLS client certificate.
var csrAttrsDER = mustMarshal([]any{
	oidECDSAWithSHA256,
	attribute{Type: oidECPublicKey, Values: attrValues{oidSECP256R1}},
	oidSerialNumber,
})

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// serveCSRAttrs answers /csrattrs (RFC 7030 section 4.5). No
// authentication; unknown labels are 404.
func (s *Server) serveCSRAttrs(w http.ResponseWriter, r *http.Request) {
	if _, err := s.organization(r); err != nil {
		s.fail(w, r, err)
		return
	}
	writeBase64(w, mediaCSRAttrs, csrAttrsDER)
}

// serveServerKeygen answers /serverkeygen (RFC 7030 section 4.4): the
// request is authenticated and checked as for simpleenroll; the server
// generates an ECDSA P-256 key, certifies it with the request's names and
// returns both, the key as unencrypted PKCS#8 (protected by TLS only).
func (s *Server) serveServerKeygen(w http.ResponseWriter, r *http.Request) {
	e, csr, err := s.prepare(r, s.authenticateEnroll)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	key, keyCSR, err := generateKey(csr)
	if err != nil {
		s.fail(w, r, internal(err))
		return
	}
	cert, err := s.issue(e, keyCSR)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, ctype, err := keygenResponse(key, cert)
	if err != nil {
		s.fail(w, r, internal(err))
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// generateKey makes a P-256 key and a request for it carrying the client's
// names, so that the CA checks and certifies the new key.
func generateKey(client *x509.CertificateRequest) (*ecdsa.PrivateKey, *x509.CertificateRequest, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	tmpl := &x509.CertificateRequest{Subject: client.Subject, DNSNames: client.DNSNames,
		IPAddresses: client.IPAddresses, SignatureAlgorithm: x509.ECDSAWithSHA256}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create request: %w", err)
	}
	csr, err := parseCSR(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse generated request: %w", err)
	}
	return key, csr, nil
}

// keygenResponse is the multipart/mixed body of RFC 7030 section 4.4.2:
// the private key (application/pkcs8), then the certificate (certs-only).
func keygenResponse(key *ecdsa.PrivateKey, cert *x509.Certificate) ([]byte, string, error) {
	pk8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, "", fmt.Errorf("marshal key: %w", err)
	}
	p7, err := encodeCertsOnly([]*x509.Certificate{cert})
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, part := range []struct {
		ctype string
		der   []byte
	}{{mediaPKCS8, pk8}, {mediaCertsOnly, p7}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ctype},
			"Content-Transfer-Encoding": {"base64"}})
		if err != nil {
			return nil, "", fmt.Errorf("multipart: %w", err)
		}
		pw.Write(encodeBase64Lines(part.der))
	}
	if err := mw.Close(); err != nil {
		return nil, "", fmt.Errorf("multipart: %w", err)
	}
	return buf.Bytes(), "multipart/mixed; boundary=" + mw.Boundary(), nil
}
