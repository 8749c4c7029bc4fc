package pki

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"

	"github.com/airtight/airtight"
)

// serialBits is the size of random serial numbers: 128 bits of CSPRNG
// output, above the 64 the CA/Browser Forum asks for. Encoded as a
// positive INTEGER they take at most 17 bytes (RFC 5280 allows 20).
const serialBits = 128

// randomSerial returns a positive random serial number.
func randomSerial() (*big.Int, error) {
	for {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), serialBits))
		if err != nil {
			return nil, fmt.Errorf("serial number: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// NormalizeSerial turns a serial number as people and tools write it
// ("0A:1B:...", "0x0a1b", upper case, leading zeros) into Certificate.Serial
// form: lowercase hex without leading zeros.
func NormalizeSerial(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "0x")
	s = strings.NewReplacer(":", "", " ", "", "-", "").Replace(s)
	if s == "" || len(s) > 40 {
		return "", fieldError("serial", "must be a hexadecimal serial number of at most 20 bytes")
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return "", fieldError("serial", "must be a hexadecimal serial number of at most 20 bytes")
		}
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		s = "0"
	}
	return s, nil
}

// subjectKeyID computes a key identifier per RFC 7093 section 2 method 1:
// the leftmost 160 bits of the SHA-256 hash of the subjectPublicKey bits.
func subjectKeyID(pub any) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, &airtight.Error{Code: airtight.EInvalid, Message: "csr: unsupported public key", Err: err}
	}
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("subject key identifier: %w", err)
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}
