// Package airtight holds the types every capability shares: the application
// error, organizations (tenants), roles and the acting principal.
//
// It imports only the standard library. Capabilities live in their own
// domain packages (inventory, auth, audit, ...); implementations are named
// after what they wrap (sqlstore, httpapi, web).
package airtight

import (
	"errors"
	"fmt"
)

// Code classifies an error. The HTTP layer maps each code to a status in one
// table; the CLI maps them to exit messages.
type Code string

// Error codes.
const (
	EInvalid      Code = "invalid"
	ENotFound     Code = "not_found"
	EConflict     Code = "conflict"
	EUnauthorized Code = "unauthorized"
	EForbidden    Code = "forbidden"
	ETooLarge     Code = "too_large"
	ERateLimited  Code = "rate_limited"
	EInternal     Code = "internal"
)

// Detail points at one bad place in an input: a CSV line, a JSON field.
type Detail struct {
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error is an application error. Message is safe to show to the caller: it
// must never contain PHI or secrets. Err is the wrapped cause, for logs only,
// and is never shown to users.
type Error struct {
	Code    Code
	Message string
	Details []Detail
	Err     error
}

func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an application error of the given code.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first application error in err's chain,
// EInternal for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	if e := asError(err); e != nil {
		return e.Code
	}
	return EInternal
}

// asError returns the first application error in err's chain, or nil. A
// typed nil *Error counts as none.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e != nil {
		return e
	}
	return nil
}

// ErrorMessage returns the user-safe message of err. Errors that are not
// application errors yield a generic text: their content may hold PHI.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e := asError(err); e != nil {
		return e.Message
	}
	return "internal error"
}

// ErrorDetails returns the details of the first application error in err.
func ErrorDetails(err error) []Detail {
	if e := asError(err); e != nil {
		return e.Details
	}
	return nil
}
