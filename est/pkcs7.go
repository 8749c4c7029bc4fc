package est

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
)

// PKCS#7 (CMS, RFC 5652) "certs-only": a degenerate SignedData with no
// content and no signers, which only carries certificates (RFC 7030
// section 4.1.3). Written by hand: the standard library has no CMS.

var (
	oidData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
)

// contentInfo is CMS ContentInfo with SignedData as [0] EXPLICIT content.
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue // [0] EXPLICIT
}

// encapContent is EncapsulatedContentInfo without eContent.
type encapContent struct {
	ContentType asn1.ObjectIdentifier
}

// signedData is CMS SignedData with certificates present ([0] IMPLICIT SET
// OF Certificate) and no crls.
type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue // SET OF, empty
	EncapContentInfo encapContent
	Certificates     asn1.RawValue // [0] IMPLICIT
	SignerInfos      asn1.RawValue // SET OF, empty
}

func emptySet() asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: []byte{}}
}

// encodeCertsOnly returns the DER of a certs-only PKCS#7 holding certs in
// order (the issued certificate first, where there is one).
func encodeCertsOnly(certs []*x509.Certificate) ([]byte, error) {
	if len(certs) == 0 {
		return nil, errors.New("pkcs7: no certificates")
	}
	var all []byte
	for _, c := range certs {
		all = append(all, c.Raw...)
	}
	sd, err := asn1.Marshal(signedData{
		Version:          1,
		DigestAlgorithms: emptySet(),
		EncapContentInfo: encapContent{ContentType: oidData},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: all},
		SignerInfos:      emptySet(),
	})
	if err != nil {
		return nil, fmt.Errorf("pkcs7: marshal signed data: %w", err)
	}
	der, err := asn1.Marshal(contentInfo{ContentType: oidSignedData, Content: asn1.RawValue{
		Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sd}})
	if err != nil {
		return nil, fmt.Errorf("pkcs7: marshal content info: %w", err)
	}
	return der, nil
}

// parseCertsOnly returns the certificates of a certs-only PKCS#7, in
// order. It is strict about the envelope and used by tests and clients.
func parseCertsOnly(der []byte) ([]*x509.Certificate, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("pkcs7: content info: %w", err)
	}
	if len(rest) != 0 || !ci.ContentType.Equal(oidSignedData) ||
		ci.Content.Class != asn1.ClassContextSpecific || ci.Content.Tag != 0 {
		return nil, errors.New("pkcs7: not a single SignedData")
	}
	var sd signedData
	if rest, err = asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("pkcs7: signed data: %w", err)
	}
	if len(rest) != 0 || sd.Certificates.Class != asn1.ClassContextSpecific || sd.Certificates.Tag != 0 {
		return nil, errors.New("pkcs7: no certificates")
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pkcs7: certificates: %w", err)
	}
	return certs, nil
}
