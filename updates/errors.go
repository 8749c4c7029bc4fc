package updates

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/airtight/airtight"
)

// Reasons a device refuses an update. Verify returns an *airtight.Error with
// code EForbidden whose message states the reason; errors.Is matches one of
// these on it.
var (
	ErrTampered     = errors.New("file does not match its signed length and hashes")
	ErrBadSignature = errors.New("metadata signature invalid")
	ErrRollback     = errors.New("metadata rollback")
	ErrExpired      = errors.New("metadata expired")
	ErrBadMetadata  = errors.New("malformed metadata")
	ErrNotDelegated = errors.New("target not signed by the product line's key")
	ErrDowngrade    = errors.New("version not allowed")
	ErrWrongModel   = errors.New("update is for another model")
)

// refuse returns the application error for a refused update.
func refuse(reason error, format string, args ...any) error {
	return &airtight.Error{
		Code:    airtight.EForbidden,
		Message: "update refused: " + fmt.Sprintf(format, args...),
		Err:     reason,
	}
}

// classify turns an error of the TUF client into a refusal with a reason,
// or wraps it as an internal error when it is not about the update itself
// (a disk or network failure).
func classify(err error) error {
	var (
		unsigned *metadata.ErrUnsignedMetadata
		expired  *metadata.ErrExpiredMetadata
		version  *metadata.ErrBadVersionNumber
		mismatch *metadata.ErrLengthOrHashMismatch
		tooLong  *metadata.ErrDownloadLengthMismatch
		httpErr  *metadata.ErrDownloadHTTP
		repo     *metadata.ErrRepository
		value    *metadata.ErrValue
		typ      *metadata.ErrType
	)
	switch {
	case errors.As(err, &unsigned):
		return refuse(fmt.Errorf("%w: %w", ErrBadSignature, err), "metadata signature check failed: %s", unsigned.Msg)
	case errors.As(err, &expired):
		return refuse(fmt.Errorf("%w: %w", ErrExpired, err), "metadata expired: %s", expired.Msg)
	case errors.As(err, &version):
		return refuse(fmt.Errorf("%w: %w", ErrRollback, err),
			"metadata version is older than the one this device trusts or does not match: %s", version.Msg)
	case errors.As(err, &mismatch):
		return refuse(fmt.Errorf("%w: %w", ErrTampered, err), "metadata length or hash mismatch: %s", mismatch.Msg)
	case errors.As(err, &tooLong):
		return refuse(fmt.Errorf("%w: %w", ErrTampered, err), "file larger than signed or allowed: %s", tooLong.Msg)
	case errors.As(err, &httpErr):
		return &airtight.Error{Code: airtight.ENotFound,
			Message: fmt.Sprintf("update repository: %s answered status %d", httpErr.URL, httpErr.StatusCode), Err: err}
	case errors.As(err, &repo), errors.As(err, &value), errors.As(err, &typ), isJSONError(err):
		return refuse(fmt.Errorf("%w: %w", ErrBadMetadata, err), "malformed metadata: %v", err)
	}
	return fmt.Errorf("verify update: %w", err)
}

func isJSONError(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ)
}
