// Package auth is the domain of the platform's own principals: user accounts
// (argon2id passwords, dashboard sessions) and API tokens. Secrets are random,
// shown once, and stored only as hashes.
//
// It imports only the standard library; password hashing lives in
// auth/argon2id.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/airtight/airtight"
)

// User is a person's account in one organization.
type User struct {
	ID           int64         `json:"id"`
	OrgID        int64         `json:"org_id"`
	Email        string        `json:"email"` // unique across the installation, lowercase
	Name         string        `json:"name"`
	Role         airtight.Role `json:"role"`
	PasswordHash string        `json:"-"` // PHC string from argon2id
	DisabledAt   *time.Time    `json:"disabled_at,omitempty"`
	LastLoginAt  *time.Time    `json:"last_login_at,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

// Validate checks and normalises the user's fields.
func (u *User) Validate() error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || len(u.Email) > 254 {
		return airtight.Errorf(airtight.EInvalid, "email: is not a valid address")
	}
	if strings.TrimSpace(u.Name) == "" || len(u.Name) > 200 || !airtight.SafeText(u.Name) {
		return airtight.Errorf(airtight.EInvalid, "name: is required: at most 200 bytes of text without control characters")
	}
	if !u.Role.Valid() {
		return airtight.Errorf(airtight.EInvalid, "role: is not a known role")
	}
	return nil
}

// Password rules.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// CheckPassword enforces the password policy (length, per NIST SP 800-63B).
func CheckPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		return airtight.Errorf(airtight.EInvalid, "password: must be at least %d characters", MinPasswordLen)
	}
	if len(pw) > MaxPasswordLen {
		return airtight.Errorf(airtight.EInvalid, "password: must be at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// Token is an API token. The secret is shown once at creation; only its
// SHA-256 is stored (the secret has 256 bits of entropy, so a fast hash is
// enough and lookups stay O(1)).
type Token struct {
	ID         int64         `json:"id"`
	OrgID      int64         `json:"org_id"`
	Name       string        `json:"name"`
	Role       airtight.Role `json:"role"`
	Prefix     string        `json:"prefix"` // first characters of the secret, to recognise it
	Hash       string        `json:"-"`
	CreatedBy  string        `json:"created_by"`
	ExpiresAt  *time.Time    `json:"expires_at,omitempty"`
	RevokedAt  *time.Time    `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time    `json:"last_used_at,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
}

// Validate checks the token's fields.
func (t *Token) Validate() error {
	if strings.TrimSpace(t.Name) == "" || len(t.Name) > 100 || !airtight.SafeText(t.Name) {
		return airtight.Errorf(airtight.EInvalid, "name: is required (at most 100 characters)")
	}
	if !t.Role.Valid() {
		return airtight.Errorf(airtight.EInvalid, "role: is not a known role")
	}
	return nil
}

// Usable reports whether the token may authenticate at now.
func (t *Token) Usable(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// TokenPrefix starts every API token, so that secret scanners recognise them.
const TokenPrefix = "atk_"

// NewSecret returns a random secret with the given prefix and its hash.
func NewSecret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	secret = prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return secret, HashSecret(secret)
}

// HashSecret returns the stored form of a token or session secret.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Session is a dashboard login. The cookie holds the secret; the store holds
// its hash. CSRFToken is bound to the session.
type Session struct {
	ID         int64     `json:"id"`
	Hash       string    `json:"-"`
	UserID     int64     `json:"user_id"`
	OrgID      int64     `json:"org_id"`
	CSRFToken  string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	RemoteAddr string    `json:"remote_addr"`
}

// Session lifetime.
const SessionTTL = 12 * time.Hour

// UserService manages users. Methods that take a context act inside the
// actor's organization; the *ByEmail and authentication lookups are used
// before any actor exists.
type UserService interface {
	CreateUser(ctx context.Context, u *User) error
	FindUser(ctx context.Context, id int64) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	UpdateUser(ctx context.Context, id int64, u UserUpdate) (*User, error)
	// FindUserByEmail is unscoped: it serves login.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// RecordLogin notes a successful login (and audits it).
	RecordLogin(ctx context.Context, userID int64, remoteAddr string) error
}

// UserUpdate holds the fields to change; nil means unchanged.
type UserUpdate struct {
	Name         *string        `json:"name"`
	Role         *airtight.Role `json:"role"`
	PasswordHash *string        `json:"-"`
	Disabled     *bool          `json:"disabled"`
}

// TokenService manages API tokens.
type TokenService interface {
	// CreateToken stores t (Hash and Prefix already set) in the actor's organization.
	CreateToken(ctx context.Context, t *Token) error
	ListTokens(ctx context.Context) ([]*Token, error)
	RevokeToken(ctx context.Context, id int64) error
	// FindTokenByHash is unscoped: it serves authentication. It returns
	// unauthorized for unknown, revoked or expired tokens.
	FindTokenByHash(ctx context.Context, hash string) (*Token, error)
	// TouchToken records a use (best effort, throttled by the caller).
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// SessionService manages dashboard sessions.
type SessionService interface {
	CreateSession(ctx context.Context, s *Session) error
	// FindSessionByHash is unscoped; it returns unauthorized for unknown or
	// expired sessions.
	FindSessionByHash(ctx context.Context, hash string) (*Session, error)
	DeleteSession(ctx context.Context, hash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}
