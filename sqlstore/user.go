package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
)

var _ auth.UserService = (*DB)(nil)

const userCols = `id, org_id, email, name, role, password_hash, disabled_at, last_login_at, created_at, updated_at`

func scanUser(s scanner) (*auth.User, error) {
	var u auth.User
	var role string
	var disabled, login sql.NullInt64
	var created, updated int64
	if err := s.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &role, &u.PasswordHash, &disabled, &login, &created, &updated); err != nil {
		return nil, err
	}
	u.Role, u.DisabledAt, u.LastLoginAt = airtight.Role(role), fromNullMicros(disabled), fromNullMicros(login)
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &u, nil
}

// userFields is a user's audit summary; it never holds the password hash.
func userFields(u *auth.User) fields {
	return fields{"email": u.Email, "name": u.Name, "role": string(u.Role), "disabled": u.DisabledAt != nil}
}

// CreateUser creates a user in the actor's organization. Emails are unique
// across the installation.
func (d *DB) CreateUser(ctx context.Context, u *auth.User) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if u.PasswordHash == "" {
		return airtight.Errorf(airtight.EInvalid, "password: is required")
	}
	return d.withTx(ctx, func(tx *Tx) error {
		u.OrgID, u.CreatedAt, u.UpdatedAt, u.LastLoginAt = a.OrgID, tx.now, tx.now, nil
		id, err := tx.insert(ctx, `INSERT INTO users (org_id, email, name, role, password_hash, disabled_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			u.OrgID, u.Email, u.Name, string(u.Role), u.PasswordHash, nullMicros(u.DisabledAt), micros(u.CreatedAt), micros(u.UpdatedAt))
		if isUnique(err) {
			return conflict("a user with this email already exists")
		} else if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		u.ID = id
		return tx.audit(ctx, a, "user.create", "user", id, nil, userFields(u))
	})
}

// FindUser returns a user of the actor's organization.
func (d *DB) FindUser(ctx context.Context, id int64) (*auth.User, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return findUser(ctx, d, `id = ? AND org_id = ?`, id, a.OrgID)
}

func findUser(ctx context.Context, q querier, where string, args ...any) (*auth.User, error) {
	return queryOne(ctx, q, notFound("user"), "find user", scanUser, `SELECT `+userCols+` FROM users WHERE `+where, args...)
}

// ListUsers lists the users of the actor's organization.
func (d *DB) ListUsers(ctx context.Context) ([]*auth.User, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, d, "list users", scanUser, `SELECT `+userCols+` FROM users WHERE org_id = ? ORDER BY id`, a.OrgID)
}

// UpdateUser changes a user. Disabled true disables the account (from now);
// false enables it again.
func (d *DB) UpdateUser(ctx context.Context, id int64, uu auth.UserUpdate) (*auth.User, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *auth.User
	err = d.withTx(ctx, func(tx *Tx) error {
		before, err := findUser(ctx, tx, `id = ? AND org_id = ?`, id, a.OrgID)
		if err != nil {
			return err
		}
		after := *before
		applyUserUpdate(&after, uu, tx)
		if err := after.Validate(); err != nil {
			return err
		}
		if after.PasswordHash == "" {
			return airtight.Errorf(airtight.EInvalid, "password: is required")
		}
		out = &after
		b, c := changes(userFields(before), userFields(&after))
		if after.PasswordHash != before.PasswordHash {
			b["password"], c["password"] = nil, "changed"
		}
		if len(c) == 0 {
			return nil
		}
		after.UpdatedAt = tx.now
		if _, err := tx.exec(ctx, `UPDATE users SET name = ?, role = ?, password_hash = ?, disabled_at = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
			after.Name, string(after.Role), after.PasswordHash, nullMicros(after.DisabledAt), micros(after.UpdatedAt), id, a.OrgID); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		// A new password, a new role or a disabled account ends every
		// session the user had: a stolen cookie must not outlive them.
		if after.PasswordHash != before.PasswordHash || after.Role != before.Role || after.DisabledAt != nil {
			if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return fmt.Errorf("update user: end sessions: %w", err)
			}
		}
		return tx.audit(ctx, a, "user.update", "user", id, b, c)
	})
	return out, err
}

func applyUserUpdate(u *auth.User, uu auth.UserUpdate, tx *Tx) {
	if uu.Name != nil {
		u.Name = *uu.Name
	}
	if uu.Role != nil {
		u.Role = *uu.Role
	}
	if uu.PasswordHash != nil {
		u.PasswordHash = *uu.PasswordHash
	}
	switch {
	case uu.Disabled == nil:
	case *uu.Disabled && u.DisabledAt == nil:
		now := tx.now
		u.DisabledAt = &now
	case !*uu.Disabled:
		u.DisabledAt = nil
	}
}

// FindUserByEmail returns the user with email in any organization; it is
// unscoped because it serves login.
func (d *DB) FindUserByEmail(ctx context.Context, email string) (*auth.User, error) {
	return findUser(ctx, d, `email = ?`, strings.ToLower(strings.TrimSpace(email)))
}

// RecordLogin notes a successful login of a user and audits it, attributed
// to that user. It is unscoped: it runs as the login completes.
func (d *DB) RecordLogin(ctx context.Context, userID int64, remoteAddr string) error {
	return d.withTx(ctx, func(tx *Tx) error {
		u, err := findUser(ctx, tx, `id = ?`, userID)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, micros(tx.now), userID); err != nil {
			return fmt.Errorf("record login: %w", err)
		}
		a := &airtight.Actor{OrgID: u.OrgID, Kind: airtight.ActorUser, ID: u.ID, Name: u.Name, Role: u.Role, RemoteAddr: remoteAddr}
		return tx.audit(ctx, a, "user.login", "user", userID, nil, nil)
	})
}
