package ocsp

import (
	"crypto"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/airtight/airtight/pki"
)

// Request errors, answered with the OCSP status of the same name.
var (
	errMalformed    = errors.New("malformed OCSP request")
	errUnauthorized = errors.New("unauthorized: not a CA this responder serves")
)

// supportedHashes are the CertID hash algorithms answered (those x/crypto
// parses); the response repeats the request's.
var supportedHashes = []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512}

// maxSerialBytes is RFC 5280's limit on serial numbers (20 octets).
const maxSerialBytes = 20

// lenient maps a space (a '+' decoded by a proxy) and the URL-safe alphabet
// to standard base64.
var lenient = strings.NewReplacer(" ", "+", "-", "+", "_", "/")

// decodeGet decodes the base64 request of a GET path (RFC 6960 appendix
// A.1). The mux has already URL-unescaped it; clients that did not escape
// '+' and '/' work too, and so do a '+' turned into a space by a proxy,
// missing padding and the URL-safe alphabet.
func decodeGet(s string) ([]byte, error) {
	if len(s) > base64.StdEncoding.EncodedLen(MaxRequestBytes)+16 {
		return nil, fmt.Errorf("%w: too long", errMalformed)
	}
	if strings.Contains(s, "%") { // escaped twice, or escaped in a way the mux left alone
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
	}
	if strings.ContainsAny(s, " -_") {
		s = lenient.Replace(s)
	}
	s = strings.TrimRight(s, "=")
	der, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: base64: %w", errMalformed, err)
	}
	return der, nil
}

// parseRequest parses a DER OCSP request and checks its serial number.
func parseRequest(der []byte) (*xocsp.Request, string, error) {
	if len(der) == 0 || len(der) > MaxRequestBytes {
		return nil, "", fmt.Errorf("%w: size %d", errMalformed, len(der))
	}
	req, err := xocsp.ParseRequest(der)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", errMalformed, err)
	}
	if !supported(req.HashAlgorithm) || req.SerialNumber == nil {
		return nil, "", fmt.Errorf("%w: hash %v", errMalformed, req.HashAlgorithm)
	}
	return req, serialKey(req.SerialNumber), nil
}

// serialKey renders a serial as pki.Certificate.Serial, or "" for one no
// CA could have issued (negative, zero or longer than 20 octets).
func serialKey(n *big.Int) string {
	if n.Sign() <= 0 || len(n.Bytes()) > maxSerialBytes {
		return ""
	}
	return pki.FormatSerial(n)
}

func supported(h crypto.Hash) bool {
	for _, s := range supportedHashes {
		if s == h {
			return true
		}
	}
	return false
}

// splitList splits a comma-separated header value and trims its items.
func splitList(v string) []string {
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
