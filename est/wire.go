package est

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/airtight/airtight"
)

// Media types (RFC 7030 section 3.2.4, RFC 8951).
const (
	mediaPKCS10    = "application/pkcs10"
	mediaCertsOnly = "application/pkcs7-mime; smime-type=certs-only"
	mediaCSRAttrs  = "application/csrattrs"
	mediaPKCS8     = "application/pkcs8"
	mediaText      = "text/plain; charset=utf-8"
	basicRealm     = `Basic realm="airtight EST"`
)

// failure is an EST error response: a status and a short message safe to
// show the client. err is the cause, for logs only.
type failure struct {
	status int
	msg    string
	err    error
}

func (f *failure) Error() string {
	if f.err != nil {
		return fmt.Sprintf("%d %s: %v", f.status, f.msg, f.err)
	}
	return fmt.Sprintf("%d %s", f.status, f.msg)
}

func (f *failure) Unwrap() error { return f.err }

func failf(status int, cause error, format string, args ...any) *failure {
	return &failure{status: status, msg: fmt.Sprintf(format, args...), err: cause}
}

func internal(err error) *failure {
	return &failure{status: http.StatusInternalServerError, msg: "internal error", err: err}
}

func unauthorized(cause error) *failure {
	return failf(http.StatusUnauthorized, cause, "authentication required")
}

// fromDomain turns an error of the pki or inventory services into a
// failure, keeping the domain's user-safe message for client errors.
func fromDomain(err error) *failure {
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	status := map[airtight.Code]int{
		airtight.EInvalid:      http.StatusBadRequest,
		airtight.EUnauthorized: http.StatusUnauthorized,
		airtight.EForbidden:    http.StatusForbidden,
		airtight.ETooLarge:     http.StatusRequestEntityTooLarge,
		airtight.ERateLimited:  http.StatusServiceUnavailable,
	}[airtight.ErrorCode(err)]
	if status == 0 {
		return internal(err)
	}
	return &failure{status: status, msg: airtight.ErrorMessage(err), err: err}
}

// fail writes an EST error: a short text/plain message (RFC 7030 section
// 4.2.3) and, for 401, the Basic challenge.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	f := fromDomain(err)
	level := slog.LevelInfo
	if f.status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "est: request refused", "op", operation(r), "label", r.PathValue("label"),
		"status", f.status, "reason", f.msg, "error", errText(f.err))
	h := w.Header()
	h.Set("Content-Type", mediaText)
	h.Set("X-Content-Type-Options", "nosniff")
	if f.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", basicRealm)
	}
	if f.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	w.WriteHeader(f.status)
	io.WriteString(w, f.msg+"\n")
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// operation is the last path element: cacerts, simpleenroll, ...
func operation(r *http.Request) string {
	p := r.URL.Path
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// writeBase64 answers 200 with der base64-encoded (RFC 8951: always base64,
// with the Content-Transfer-Encoding header for older clients).
func writeBase64(w http.ResponseWriter, mediaType string, der []byte) {
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Content-Transfer-Encoding", "base64")
	w.WriteHeader(http.StatusOK)
	w.Write(encodeBase64Lines(der))
}

// encodeBase64Lines encodes b in lines of 64 characters (RFC 2045 allows 76).
func encodeBase64Lines(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	out := make([]byte, 0, len(enc)+len(enc)/64*2+2)
	for len(enc) > 64 {
		out = append(out, enc[:64]...)
		out = append(out, '\r', '\n')
		enc = enc[64:]
	}
	out = append(out, enc...)
	return append(out, '\r', '\n')
}

// readRequest reads a PKCS#10 request body: the media type must be
// application/pkcs10 and the body at most max bytes of base64 (whitespace
// and line breaks tolerated, padding optional) or, leniently, PEM.
func readRequest(r *http.Request, max int64) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != mediaPKCS10 {
		return nil, failf(http.StatusUnsupportedMediaType, err, "content type must be %s", mediaPKCS10)
	}
	if r.ContentLength > max {
		return nil, failf(http.StatusRequestEntityTooLarge, nil, "request body larger than %d bytes", max)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || int64(len(body)) > max {
		return nil, failf(http.StatusRequestEntityTooLarge, err, "request body larger than %d bytes", max)
	} else if err != nil {
		return nil, failf(http.StatusBadRequest, err, "could not read the request body")
	}
	return decodeBody(body)
}

// decodeBody decodes a base64 (or PEM) body to DER.
func decodeBody(body []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(body)
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		return decodePEM(trimmed)
	}
	der, err := decodeBase64(trimmed)
	if err != nil {
		return nil, failf(http.StatusBadRequest, err, "request body is not base64")
	}
	if len(der) == 0 {
		return nil, failf(http.StatusBadRequest, nil, "request body is empty")
	}
	return der, nil
}

// decodeBase64 decodes standard base64, ignoring ASCII whitespace anywhere
// and accepting missing padding.
func decodeBase64(b []byte) ([]byte, error) {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', '\v', '\f':
		default:
			clean = append(clean, c)
		}
	}
	clean = bytes.TrimRight(clean, "=")
	der := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(der, clean)
	if err != nil {
		return nil, fmt.Errorf("decode base64: %w", err)
	}
	return der[:n], nil
}

func decodePEM(b []byte) ([]byte, error) {
	block, rest := pem.Decode(b)
	if block == nil || len(bytes.TrimSpace(rest)) != 0 ||
		(block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST") {
		return nil, failf(http.StatusBadRequest, nil, "request body is not a base64 PKCS#10 request")
	}
	return block.Bytes, nil
}
