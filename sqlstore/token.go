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

var _ auth.TokenService = (*DB)(nil)

const tokenCols = `id, org_id, name, role, prefix, hash, created_by, expires_at, revoked_at, last_used_at, created_at`

func scanToken(s scanner) (*auth.Token, error) {
	var t auth.Token
	var role string
	var expires, revoked, used sql.NullInt64
	var created int64
	if err := s.Scan(&t.ID, &t.OrgID, &t.Name, &role, &t.Prefix, &t.Hash, &t.CreatedBy, &expires, &revoked, &used, &created); err != nil {
		return nil, err
	}
	t.Role, t.CreatedAt = airtight.Role(role), fromMicros(created)
	t.ExpiresAt, t.RevokedAt, t.LastUsedAt = fromNullMicros(expires), fromNullMicros(revoked), fromNullMicros(used)
	return &t, nil
}

// CreateToken stores an API token in the actor's organization. The caller
// sets Hash and Prefix; the audit entry holds neither.
func (d *DB) CreateToken(ctx context.Context, t *auth.Token) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if t.Hash == "" || t.Prefix == "" {
		return airtight.Errorf(airtight.EInvalid, "token: hash and prefix are required")
	}
	return d.withTx(ctx, func(tx *Tx) error {
		t.OrgID, t.CreatedAt, t.RevokedAt, t.LastUsedAt = a.OrgID, tx.now, nil, nil
		if t.CreatedBy == "" {
			t.CreatedBy = a.Name
		}
		if t.ExpiresAt != nil {
			e := t.ExpiresAt.UTC().Truncate(time.Microsecond)
			t.ExpiresAt = &e
		}
		id, err := tx.insert(ctx, `INSERT INTO tokens (org_id, name, role, prefix, hash, created_by, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			t.OrgID, t.Name, string(t.Role), t.Prefix, t.Hash, t.CreatedBy, nullMicros(t.ExpiresAt), micros(t.CreatedAt))
		if isUnique(err) {
			return conflict("the token already exists")
		} else if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		t.ID = id
		return tx.audit(ctx, a, "token.create", "token", id, nil,
			nonEmpty(fields{"name": t.Name, "role": string(t.Role), "expires_at": auditTime(t.ExpiresAt)}))
	})
}

// ListTokens lists the tokens of the actor's organization.
func (d *DB) ListTokens(ctx context.Context) ([]*auth.Token, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, d, "list tokens", scanToken, `SELECT `+tokenCols+` FROM tokens WHERE org_id = ? ORDER BY id`, a.OrgID)
}

// RevokeToken revokes a token of the actor's organization. Revoking a
// revoked token changes nothing.
func (d *DB) RevokeToken(ctx context.Context, id int64) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		t, err := scanToken(tx.queryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE id = ? AND org_id = ?`, id, a.OrgID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("token")
		} else if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if t.RevokedAt != nil {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND org_id = ?`, micros(tx.now), id, a.OrgID); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return tx.audit(ctx, a, "token.revoke", "token", id, fields{"name": t.Name}, fields{"revoked_at": auditTime(&tx.now)})
	})
}

// FindTokenByHash returns the usable token with the given hash. Unknown,
// revoked and expired tokens are all unauthorized, alike.
func (d *DB) FindTokenByHash(ctx context.Context, hash string) (*auth.Token, error) {
	t, err := scanToken(d.queryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, airtight.Errorf(airtight.EUnauthorized, "invalid token")
	} else if err != nil {
		return nil, fmt.Errorf("find token: %w", err)
	}
	if !t.Usable(d.Now()) {
		return nil, airtight.Errorf(airtight.EUnauthorized, "invalid token")
	}
	return t, nil
}

// TouchToken records a use of a token. It is bookkeeping, not a change of
// state worth an audit entry.
func (d *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	if _, err := d.db.ExecContext(ctx, d.dialect.q(`UPDATE tokens SET last_used_at = ? WHERE id = ?`), micros(at), id); err != nil {
		return fmt.Errorf("touch token: %w", err)
	}
	return nil
}
