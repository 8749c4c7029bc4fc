package airtight_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/airtight/airtight"
	"github.com/google/go-cmp/cmp"
)

func TestErrorAccessors(t *testing.T) {
	details := []airtight.Detail{{Line: 3, Field: "ip", Message: "is not an IP address"}}
	appErr := &airtight.Error{Code: airtight.EInvalid, Message: "ip: is not an IP address", Details: details}
	phi := errors.New("lookup patient Jane Doe (MRN 000123) failed")

	tests := []struct {
		name        string
		err         error
		wantCode    airtight.Code
		wantMessage string
		wantDetails []airtight.Detail
	}{
		{name: "nil", err: nil, wantCode: "", wantMessage: ""},
		{name: "application error", err: appErr, wantCode: airtight.EInvalid, wantMessage: "ip: is not an IP address", wantDetails: details},
		{name: "wrapped once", err: fmt.Errorf("create device: %w", appErr), wantCode: airtight.EInvalid, wantMessage: "ip: is not an IP address", wantDetails: details},
		{name: "wrapped twice", err: fmt.Errorf("import: %w", fmt.Errorf("line 3: %w", appErr)), wantCode: airtight.EInvalid, wantMessage: "ip: is not an IP address", wantDetails: details},
		{name: "Errorf formats", err: airtight.Errorf(airtight.ENotFound, "device %d not found", 42), wantCode: airtight.ENotFound, wantMessage: "device 42 not found"},
		{name: "plain error is internal", err: phi, wantCode: airtight.EInternal, wantMessage: "internal error"},
		{name: "wrapped plain error is internal", err: fmt.Errorf("store: %w", phi), wantCode: airtight.EInternal, wantMessage: "internal error"},
		{name: "application error hides its cause", err: &airtight.Error{Code: airtight.EConflict, Message: "asset tag already exists", Err: phi}, wantCode: airtight.EConflict, wantMessage: "asset tag already exists"},
		{name: "outermost application error wins", err: &airtight.Error{Code: airtight.EForbidden, Message: "outer", Err: airtight.Errorf(airtight.ENotFound, "inner")}, wantCode: airtight.EForbidden, wantMessage: "outer"},
		{name: "joined with plain error", err: errors.Join(phi, airtight.Errorf(airtight.ETooLarge, "upload too large")), wantCode: airtight.ETooLarge, wantMessage: "upload too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := airtight.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode = %q, want %q", got, tt.wantCode)
			}
			msg := airtight.ErrorMessage(tt.err)
			if msg != tt.wantMessage {
				t.Errorf("ErrorMessage = %q, want %q", msg, tt.wantMessage)
			}
			for _, secret := range []string{"Jane", "MRN", "000123"} {
				if strings.Contains(msg, secret) {
					t.Errorf("ErrorMessage %q leaks %q", msg, secret)
				}
			}
			if diff := cmp.Diff(tt.wantDetails, airtight.ErrorDetails(tt.err)); diff != "" {
				t.Errorf("ErrorDetails mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorErrorAndUnwrap(t *testing.T) {
	cause := errors.New("disk full")
	tests := []struct {
		name string
		err  *airtight.Error
		want string
	}{
		{name: "message only", err: &airtight.Error{Code: airtight.EInvalid, Message: "bad input"}, want: "bad input"},
		{name: "with cause", err: &airtight.Error{Code: airtight.EInternal, Message: "save failed", Err: cause}, want: "save failed: disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			if got := errors.Unwrap(tt.err); got != tt.err.Err {
				t.Errorf("Unwrap() = %v, want %v", got, tt.err.Err)
			}
		})
	}
	e := &airtight.Error{Code: airtight.EInternal, Message: "save failed", Err: cause}
	if !errors.Is(fmt.Errorf("x: %w", e), cause) {
		t.Error("errors.Is does not reach the cause through *Error")
	}
}

// A typed nil *Error stored in an error interface is not nil; classifying it
// must not panic.
func TestErrorCodeTypedNil(t *testing.T) {
	var e *airtight.Error
	var err error = e
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v", r)
		}
	}()
	if got := airtight.ErrorCode(err); got != airtight.EInternal {
		t.Errorf("ErrorCode = %q, want %q", got, airtight.EInternal)
	}
	if got := airtight.ErrorMessage(err); got != "internal error" {
		t.Errorf("ErrorMessage = %q, want %q", got, "internal error")
	}
	if got := airtight.ErrorDetails(err); got != nil {
		t.Errorf("ErrorDetails = %v, want nil", got)
	}
}
