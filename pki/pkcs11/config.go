package pkcs11

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Errors callers may test with errors.Is.
var (
	// ErrNotBuilt is what Open returns in a binary built without the pkcs11 tag.
	ErrNotBuilt = errors.New("this binary was built without PKCS#11 support; rebuild with -tags pkcs11")
	// ErrInvalidRef marks a key reference ParseRef rejects.
	ErrInvalidRef = errors.New("invalid PKCS#11 key reference")
	// ErrKeyNotFound marks a reference that names no key on the token.
	ErrKeyNotFound = errors.New("PKCS#11 key not found")
	// ErrUnsupportedAlgorithm marks an algorithm the store cannot generate.
	ErrUnsupportedAlgorithm = errors.New("unsupported key algorithm")
	// ErrLogin marks a rejected PIN (incorrect, locked or of a wrong length).
	ErrLogin = errors.New("PKCS#11 login failed")
	// ErrInvalidConfig marks a Config that Open refuses before touching the module.
	ErrInvalidConfig = errors.New("invalid PKCS#11 configuration")
)

// Defaults for Config fields left zero.
const (
	DefaultMaxSessions = 16
	DefaultSessionWait = 30 * time.Second
)

// Config says which token holds the keys and how to log in to it.
//
// Config's String, GoString and LogValue methods never show the PIN, so a
// Config may be printed or logged.
type Config struct {
	ModulePath string // the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so
	TokenLabel string // the token's label (CKA_LABEL of the token, as softhsm2-util --show-slots prints it)
	PIN        string // the user PIN; from the caller (environment, file, prompt), never logged
	// MaxSessions bounds the sessions the store opens; 0 means DefaultMaxSessions.
	MaxSessions int
	// SessionWait bounds how long an operation waits for a free session; 0 means DefaultSessionWait.
	SessionWait time.Duration
}

func (c Config) validate() error {
	switch {
	case c.ModulePath == "":
		return fmt.Errorf("%w: module path is required", ErrInvalidConfig)
	case c.TokenLabel == "":
		return fmt.Errorf("%w: token label is required", ErrInvalidConfig)
	case c.PIN == "":
		return fmt.Errorf("%w: PIN is required", ErrInvalidConfig)
	case c.MaxSessions < 0 || c.MaxSessions == 1:
		return fmt.Errorf("%w: max sessions must be 0 or at least 2", ErrInvalidConfig)
	case c.SessionWait < 0:
		return fmt.Errorf("%w: session wait must not be negative", ErrInvalidConfig)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.MaxSessions == 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.SessionWait == 0 {
		c.SessionWait = DefaultSessionWait
	}
	return c
}

func (c Config) redactedPIN() string {
	if c.PIN == "" {
		return ""
	}
	return "REDACTED"
}

// String describes c without its PIN.
func (c Config) String() string {
	return fmt.Sprintf("pkcs11.Config{ModulePath: %q, TokenLabel: %q, PIN: %s, MaxSessions: %d, SessionWait: %s}",
		c.ModulePath, c.TokenLabel, c.redactedPIN(), c.MaxSessions, c.SessionWait)
}

// GoString is String, so that %#v hides the PIN too.
func (c Config) GoString() string { return c.String() }

// LogValue describes c to log/slog without its PIN.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("module", c.ModulePath),
		slog.String("token", c.TokenLabel),
		slog.String("pin", c.redactedPIN()),
		slog.Int("max_sessions", c.MaxSessions),
		slog.Duration("session_wait", c.SessionWait),
	)
}
