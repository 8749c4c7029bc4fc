package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/airtight/airtight"
)

// Codes the HTTP layer adds to airtight's: conditions only HTTP knows.
const (
	codeUnsupportedMedia airtight.Code = "unsupported_media_type"
	codeMethodNotAllowed airtight.Code = "method_not_allowed"
	codeUnavailable      airtight.Code = "unavailable"
)

// statusOf is the one table from error codes to HTTP status.
var statusOf = map[airtight.Code]int{
	airtight.EInvalid:      http.StatusBadRequest,
	airtight.EUnauthorized: http.StatusUnauthorized,
	airtight.EForbidden:    http.StatusForbidden,
	airtight.ENotFound:     http.StatusNotFound,
	codeMethodNotAllowed:   http.StatusMethodNotAllowed,
	airtight.EConflict:     http.StatusConflict,
	airtight.ETooLarge:     http.StatusRequestEntityTooLarge,
	codeUnsupportedMedia:   http.StatusUnsupportedMediaType,
	airtight.ERateLimited:  http.StatusTooManyRequests,
	airtight.EInternal:     http.StatusInternalServerError,
	codeUnavailable:        http.StatusServiceUnavailable,
}

// StatusCode returns the HTTP status for err's code.
func StatusCode(err error) int {
	if s, ok := statusOf[airtight.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the one error shape of the API.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code      airtight.Code     `json:"code"`
	Message   string            `json:"message"`
	RequestID string            `json:"request_id,omitempty"`
	Details   []airtight.Detail `json:"details,omitempty"`
}

// retryAfter is carried as the cause of a rate-limited error so that the
// response can say when to come back.
type retryAfter time.Duration

func (d retryAfter) Error() string { return "retry after " + time.Duration(d).String() }

func rateLimited(msg string, wait time.Duration) error {
	return &airtight.Error{Code: airtight.ERateLimited, Message: msg, Err: retryAfter(wait)}
}

// writeError writes err in the API's error shape. Internal errors are logged
// (without request data) and shown as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := airtight.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = airtight.EInternal, http.StatusInternalServerError
	}
	p := errorPayload{Code: code, Message: airtight.ErrorMessage(err), RequestID: requestID(r.Context()),
		Details: airtight.ErrorDetails(err)}
	if status == http.StatusInternalServerError {
		s.logInternal(r, err)
		p.Message, p.Details = "internal error", nil
	}
	setErrorHeaders(w, status, err)
	writeJSON(w, status, errorBody{Error: p})
}

func setErrorHeaders(w http.ResponseWriter, status int, err error) {
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="airtight"`)
	case http.StatusTooManyRequests:
		var ra retryAfter
		secs := 60
		if errors.As(err, &ra) {
			secs = max(1, int((time.Duration(ra)+time.Second-1)/time.Second))
		}
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
}

// logInternal logs an internal error. The error text comes from our own
// code and stores, which keep request values out of their errors.
func (s *Server) logInternal(r *http.Request, err error) {
	s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
		slog.String("request_id", requestID(r.Context())),
		slog.String("route", routeOf(r.Context())),
		slog.String("err", err.Error()))
}
