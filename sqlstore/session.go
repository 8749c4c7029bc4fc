package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
)

var _ auth.SessionService = (*DB)(nil)

const sessionCols = `s.id, s.hash, s.user_id, s.org_id, s.csrf_token, s.remote_addr, s.created_at, s.expires_at`

func scanSession(s scanner, extra ...any) (*auth.Session, error) {
	var x auth.Session
	var created, expires int64
	dst := append([]any{&x.ID, &x.Hash, &x.UserID, &x.OrgID, &x.CSRFToken, &x.RemoteAddr, &created, &expires}, extra...)
	if err := s.Scan(dst...); err != nil {
		return nil, err
	}
	x.CreatedAt, x.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &x, nil
}

// CreateSession stores a dashboard session for a user of the actor's
// organization (the caller sets Hash and CSRFToken). A zero ExpiresAt means
// auth.SessionTTL from now.
func (d *DB) CreateSession(ctx context.Context, s *auth.Session) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if s.Hash == "" || s.CSRFToken == "" {
		return airtight.Errorf(airtight.EInvalid, "session: hash and csrf token are required")
	}
	return d.withTx(ctx, func(tx *Tx) error {
		if _, err := findUser(ctx, tx, `id = ? AND org_id = ?`, s.UserID, a.OrgID); airtight.ErrorCode(err) == airtight.ENotFound {
			return badRef("user_id", "no such user")
		} else if err != nil {
			return err
		}
		s.OrgID, s.CreatedAt = a.OrgID, tx.now
		if s.ExpiresAt.IsZero() {
			s.ExpiresAt = tx.now.Add(auth.SessionTTL)
		}
		s.ExpiresAt = s.ExpiresAt.UTC().Truncate(time.Microsecond)
		id, err := tx.insert(ctx, `INSERT INTO sessions (hash, user_id, org_id, csrf_token, remote_addr, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			s.Hash, s.UserID, s.OrgID, s.CSRFToken, s.RemoteAddr, micros(s.CreatedAt), micros(s.ExpiresAt))
		if isUnique(err) {
			return conflict("the session already exists")
		} else if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		s.ID = id
		return tx.audit(ctx, a, "session.create", "session", id, nil,
			fields{"user_id": s.UserID, "expires_at": auditTime(&s.ExpiresAt)})
	})
}

// FindSessionByHash returns the live session with the given hash. Unknown
// and expired sessions, and sessions of disabled users, are unauthorized.
func (d *DB) FindSessionByHash(ctx context.Context, hash string) (*auth.Session, error) {
	var disabled sql.NullInt64
	s, err := scanSession(d.queryRow(ctx, `SELECT `+sessionCols+`, u.disabled_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ?`, hash), &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, airtight.Errorf(airtight.EUnauthorized, "session expired")
	} else if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	if disabled.Valid || !d.Now().Before(s.ExpiresAt) {
		return nil, airtight.Errorf(airtight.EUnauthorized, "session expired")
	}
	return s, nil
}

// DeleteSession ends a session (logout), audited as its user. An unknown
// session is already gone: that is not an error.
func (d *DB) DeleteSession(ctx context.Context, hash string) error {
	return d.withTx(ctx, func(tx *Tx) error {
		var name, role string
		s, err := scanSession(tx.queryRow(ctx, `SELECT `+sessionCols+`, u.name, u.role FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ?`, hash), &name, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE id = ?`, s.ID); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		a := &airtight.Actor{OrgID: s.OrgID, Kind: airtight.ActorUser, ID: s.UserID, Name: name, Role: airtight.Role(role)}
		if c := airtight.ActorFrom(ctx); c != nil {
			a.RemoteAddr = c.RemoteAddr
		}
		return tx.audit(ctx, a, "session.delete", "session", s.ID, nil, nil)
	})
}

// DeleteExpiredSessions removes sessions expired at now and returns how
// many. It is housekeeping of dead records, not audited.
func (d *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := d.db.ExecContext(ctx, d.dialect.q(`DELETE FROM sessions WHERE expires_at <= ?`), micros(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return int(n), nil
}
