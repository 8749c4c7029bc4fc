package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/airtight/airtight"
)

// writeJSON writes v as the JSON response body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}

// requireContentType returns a 415 error unless the body has media type want.
func requireContentType(r *http.Request, want string) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != want {
		return airtight.Errorf(codeUnsupportedMedia, "Content-Type must be %s", want)
	}
	return nil
}

// decodeJSON decodes the request body into v: one JSON object of known
// fields, nothing after it.
func decodeJSON(r *http.Request, v any) error {
	if err := requireContentType(r, "application/json"); err != nil {
		return err
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if isTooLarge(err) {
			return tooLarge()
		}
		return airtight.Errorf(airtight.EInvalid, "request body has data after the JSON value")
	}
	return nil
}

func tooLarge() error {
	return airtight.Errorf(airtight.ETooLarge, "request body is too large")
}

func isTooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// decodeError turns a json decoding error into a client error that names
// the offending field or byte offset.
func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case isTooLarge(err):
		return tooLarge()
	case errors.Is(err, io.EOF):
		return airtight.Errorf(airtight.EInvalid, "request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return airtight.Errorf(airtight.EInvalid, "request body is truncated JSON")
	case errors.As(err, &syn):
		return airtight.Errorf(airtight.EInvalid, "malformed JSON at byte offset %d", syn.Offset)
	case errors.As(err, &typ):
		return fieldError(typ.Field, "must be of type "+typ.Type.String())
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fieldError(strings.Trim(name, `"`), "is not a known field")
	}
	return airtight.Errorf(airtight.EInvalid, "malformed JSON request body")
}

// fieldError is a 400 naming one field. The name is the client's own input,
// so it is cut short and quoted.
func fieldError(field, msg string) error {
	if len(field) > 64 {
		field = field[:64]
	}
	return &airtight.Error{Code: airtight.EInvalid, Message: fmt.Sprintf("%q: %s", field, msg),
		Details: []airtight.Detail{{Field: field, Message: msg}}}
}
