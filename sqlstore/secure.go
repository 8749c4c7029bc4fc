package sqlstore

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/dlp"
)

var _ dlp.SecureMessageService = (*DB)(nil)

// CreateSecureMessage stores a secure message record in the actor's
// organization (audited: who sent to which domain, never the content).
func (d *DB) CreateSecureMessage(ctx context.Context, m *dlp.SecureMessage) error {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if m.ID == "" || len(m.ID) > 100 || m.VaultID == "" || len(m.Recipient) > 320 || len(m.Sender) > 320 {
		return airtight.Errorf(airtight.EInvalid, "secure message: id, vault id and addresses are required and bounded")
	}
	return d.withTx(ctx, func(tx *Tx) error {
		m.OrgID = act.OrgID
		if _, err := tx.exec(ctx, `INSERT INTO secure_messages (id, org_id, vault_id, sender, recipient, code_hash, created_at,
			expires_at, revoked, failed_attempts, max_downloads) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ID, m.OrgID, m.VaultID, m.Sender, m.Recipient, hex.EncodeToString(m.CodeHash), micros(m.Created),
			micros(m.Expires), boolInt(m.Revoked), m.FailedAttempts, m.MaxDownloads); err != nil {
			if isUnique(err) {
				return conflict("secure message %s exists", m.ID)
			}
			return fmt.Errorf("create secure message: %w", err)
		}
		return tx.audit(ctx, act, "dlp.secure.create", "secure_message", 0, nil,
			fields{"id": m.ID, "recipient_domain": domainPart(m.Recipient), "expires": m.Expires})
	})
}

func domainPart(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == '@' {
			return addr[i+1:]
		}
	}
	return ""
}

const secureCols = `id, org_id, vault_id, sender, recipient, code_hash, created_at, expires_at, revoked, failed_attempts, max_downloads`

func scanSecure(s scanner) (*dlp.SecureMessage, error) {
	var m dlp.SecureMessage
	var hash string
	var created, expires int64
	var revoked int
	if err := s.Scan(&m.ID, &m.OrgID, &m.VaultID, &m.Sender, &m.Recipient, &hash, &created, &expires, &revoked,
		&m.FailedAttempts, &m.MaxDownloads); err != nil {
		return nil, err
	}
	m.Created, m.Expires, m.Revoked = fromMicros(created), fromMicros(expires), revoked != 0
	var err error
	m.CodeHash, err = hex.DecodeString(hash)
	return &m, err
}

// FindSecureMessage returns a secure message record and its downloads, by
// its id alone: the portal's recipients are not users of airtight.
func (d *DB) FindSecureMessage(ctx context.Context, id string) (*dlp.SecureMessage, error) {
	m, err := queryOne(ctx, d, notFound("secure message"), "find secure message", scanSecure,
		`SELECT `+secureCols+` FROM secure_messages WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	rows, err := d.query(ctx, `SELECT at, remote_addr, user_agent FROM secure_downloads WHERE message_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("list secure downloads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var dl dlp.SecureDownload
		var at int64
		if err := rows.Scan(&at, &dl.RemoteAddr, &dl.UserAgent); err != nil {
			return nil, fmt.Errorf("list secure downloads: %w", err)
		}
		dl.At = fromMicros(at)
		m.Downloads = append(m.Downloads, dl)
	}
	return m, rows.Err()
}

// portalTx runs fn for a secure message as the portal, a system actor of
// the message's organization, so that its changes are audited there.
func (d *DB) portalTx(ctx context.Context, id string, fn func(tx *Tx, act *airtight.Actor, m *dlp.SecureMessage) error) error {
	return d.withTx(ctx, func(tx *Tx) error {
		// The row is locked (PostgreSQL; SQLite has one writer) so that
		// concurrent portal requests count attempts and downloads in turn.
		m, err := queryOne(ctx, tx, notFound("secure message"), "find secure message", scanSecure,
			`SELECT `+secureCols+` FROM secure_messages WHERE id = ?`+tx.d.lockHead, id)
		if err != nil {
			return err
		}
		return fn(tx, airtight.SystemActor(m.OrgID, "secure-portal"), m)
	})
}

// SecureFailedAttempt counts a wrong access code (audited).
func (d *DB) SecureFailedAttempt(ctx context.Context, id string) (int, error) {
	var n int
	err := d.portalTx(ctx, id, func(tx *Tx, act *airtight.Actor, m *dlp.SecureMessage) error {
		n = m.FailedAttempts + 1
		if _, err := tx.exec(ctx, `UPDATE secure_messages SET failed_attempts = ? WHERE id = ?`, n, id); err != nil {
			return fmt.Errorf("count failed attempt: %w", err)
		}
		return tx.audit(ctx, act, "dlp.secure.code_failed", "secure_message", 0, nil, fields{"id": id, "failed_attempts": n})
	})
	return n, err
}

// RecordSecureDownload records one download (audited with the address).
// It checks, in the same transaction, that the message is still available
// — not revoked, expired, locked or out of downloads — and fails with a
// conflict otherwise, so that parallel downloads cannot exceed the limit.
func (d *DB) RecordSecureDownload(ctx context.Context, id string, dl dlp.SecureDownload) error {
	return d.portalTx(ctx, id, func(tx *Tx, act *airtight.Actor, m *dlp.SecureMessage) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM secure_downloads WHERE message_id = ?`, id).Scan(&n); err != nil {
			return fmt.Errorf("count downloads: %w", err)
		}
		if !m.Available(dl.At, n) {
			return conflict("secure message is no longer available")
		}
		if _, err := tx.exec(ctx, `INSERT INTO secure_downloads (message_id, at, remote_addr, user_agent) VALUES (?, ?, ?, ?)`,
			id, micros(dl.At), dl.RemoteAddr, truncate(dl.UserAgent, 300)); err != nil {
			return fmt.Errorf("record download: %w", err)
		}
		return tx.audit(ctx, act, "dlp.secure.download", "secure_message", 0, nil,
			fields{"id": id, "remote_addr": dl.RemoteAddr, "recipient_domain": domainPart(m.Recipient)})
	})
}

// RevokeSecureMessage revokes a secure message's link (audited).
func (d *DB) RevokeSecureMessage(ctx context.Context, id string) error {
	return d.portalTx(ctx, id, func(tx *Tx, act *airtight.Actor, m *dlp.SecureMessage) error {
		if real, err := airtight.RequireActor(ctx); err == nil {
			if real.OrgID != m.OrgID {
				return notFound("secure message")
			}
			act = real
		}
		if _, err := tx.exec(ctx, `UPDATE secure_messages SET revoked = 1 WHERE id = ?`, id); err != nil {
			return fmt.Errorf("revoke secure message: %w", err)
		}
		return tx.audit(ctx, act, "dlp.secure.revoke", "secure_message", 0, fields{"revoked": m.Revoked}, fields{"revoked": true})
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
