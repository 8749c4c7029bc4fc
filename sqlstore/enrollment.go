package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

var (
	_ pki.EnrollmentStore = (*DB)(nil)
	_ pki.TokenSpender    = (*DB)(nil)
)

const enrollmentCols = `id, org_id, device_id, profile, hash, expires_at, used_at, created_by, created_at`

func scanEnrollmentToken(s scanner) (*pki.EnrollmentToken, error) {
	var t pki.EnrollmentToken
	var used sql.NullInt64
	var expires, created int64
	if err := s.Scan(&t.ID, &t.OrgID, &t.DeviceID, &t.Profile, &t.Hash, &expires, &used, &t.CreatedBy, &created); err != nil {
		return nil, err
	}
	t.ExpiresAt, t.UsedAt, t.CreatedAt = fromMicros(expires), fromNullMicros(used), fromMicros(created)
	return &t, nil
}

// errBadEnrollment is the one answer to an unknown, used or expired
// enrollment token: the caller learns nothing about which.
func errBadEnrollment() error {
	return airtight.Errorf(airtight.EUnauthorized, "invalid enrollment token")
}

func deviceProfile(name string) bool {
	p, err := pki.LookupProfile(name)
	return err == nil && p.Device
}

func validateEnrollmentToken(t *pki.EnrollmentToken, now time.Time) error {
	switch {
	case t.DeviceID == 0:
		return invalid("device_id", "is required")
	case !deviceProfile(t.Profile):
		return invalid("profile", "must be a device profile (device-ldevid, device-idevid or device-short)")
	case t.Hash == "" || len(t.Hash) > 200:
		return invalid("hash", "is required")
	case !t.ExpiresAt.After(now):
		return invalid("expires_at", "must be in the future")
	case len(t.CreatedBy) > 200 || !airtight.SafeText(t.CreatedBy):
		return invalid("created_by", "is too long or contains control characters")
	}
	return nil
}

// CreateEnrollmentToken stores a one-time enrollment token for one of the
// actor's organization's devices. The caller sets Hash; the audit entry
// names the device, profile and expiry, never the hash.
func (d *DB) CreateEnrollmentToken(ctx context.Context, t *pki.EnrollmentToken) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		if err := validateEnrollmentToken(t, tx.now); err != nil {
			return err
		}
		if err := tx.exists(ctx, `SELECT 1 FROM devices WHERE id = ? AND org_id = ?`, t.DeviceID, a.OrgID); err != nil {
			return ifNotFound(err, badRef("device_id", "no such device"))
		}
		t.OrgID, t.UsedAt, t.CreatedAt = a.OrgID, nil, tx.now
		t.ExpiresAt = t.ExpiresAt.UTC().Truncate(time.Microsecond)
		if t.CreatedBy == "" {
			t.CreatedBy = a.Name
		}
		id, err := tx.insert(ctx, `INSERT INTO enrollment_tokens (org_id, device_id, profile, hash, expires_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, t.OrgID, t.DeviceID, t.Profile, t.Hash, micros(t.ExpiresAt), t.CreatedBy, micros(t.CreatedAt))
		if isUnique(err) {
			return conflict("the enrollment token already exists")
		} else if err != nil {
			return fmt.Errorf("create enrollment token: %w", err)
		}
		t.ID = id
		return tx.audit(ctx, a, "enrollment_token.create", "enrollment_token", id, nil,
			fields{"device_id": t.DeviceID, "profile": t.Profile, "expires_at": auditTime(&t.ExpiresAt)})
	})
}

// UseEnrollmentToken marks the unused, unexpired token with the hash used
// and returns it. The conditional update is the whole check, so of two
// concurrent uses exactly one succeeds. It is unscoped; its audit entry is
// attributed to the system actor "est" of the token's organization (with
// the remote address of ctx's actor, when there is one).
func (d *DB) UseEnrollmentToken(ctx context.Context, hash string) (*pki.EnrollmentToken, error) {
	var out *pki.EnrollmentToken
	err := d.withTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.spendToken(ctx, hash)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindEnrollmentToken returns the unused, unexpired token with the hash,
// changing nothing.
func (d *DB) FindEnrollmentToken(ctx context.Context, hash string) (*pki.EnrollmentToken, error) {
	if hash == "" {
		return nil, errBadEnrollment()
	}
	t, err := scanEnrollmentToken(d.queryRow(ctx, `SELECT `+enrollmentCols+` FROM enrollment_tokens
		WHERE hash = ? AND used_at IS NULL AND expires_at > ?`, hash, micros(d.Now())))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errBadEnrollment()
	} else if err != nil {
		return nil, fmt.Errorf("find enrollment token: %w", err)
	}
	return t, nil
}

// spendToken marks the unused, unexpired token with the hash used, and
// audits it as the EST system actor of the token's organization.
func (t *Tx) spendToken(ctx context.Context, hash string) (*pki.EnrollmentToken, error) {
	if hash == "" {
		return nil, errBadEnrollment()
	}
	res, err := t.exec(ctx, `UPDATE enrollment_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?`,
		micros(t.now), hash, micros(t.now))
	if err != nil {
		return nil, fmt.Errorf("use enrollment token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("use enrollment token: %w", err)
	} else if n != 1 {
		return nil, errBadEnrollment()
	}
	out, err := scanEnrollmentToken(t.queryRow(ctx, `SELECT `+enrollmentCols+` FROM enrollment_tokens WHERE hash = ?`, hash))
	if err != nil {
		return nil, fmt.Errorf("use enrollment token: %w", err)
	}
	a := airtight.SystemActor(out.OrgID, "est")
	if c := airtight.ActorFrom(ctx); c != nil {
		a.RemoteAddr = c.RemoteAddr
	}
	err = t.audit(ctx, a, "enrollment_token.use", "enrollment_token", out.ID, nil,
		fields{"device_id": out.DeviceID, "profile": out.Profile})
	return out, err
}

// CreateCertificateSpendingToken records the certificate and spends the
// enrollment token in one transaction: both or neither. The token must
// belong to the actor's organization.
func (d *DB) CreateCertificateSpendingToken(ctx context.Context, x *pki.Certificate, tokenHash string) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	serial, err := validateCertificate(x)
	if err != nil {
		return err
	}
	if tokenHash == "" {
		return errBadEnrollment()
	}
	return d.recordIssuance(&issuance{ctx: ctx, actor: a, cert: x, serial: serial, token: tokenHash})
}

const trustAnchorCols = `id, org_id, name, cert_der, created_at`

func scanTrustAnchor(s scanner) (*pki.TrustAnchor, error) {
	var x pki.TrustAnchor
	var created int64
	if err := s.Scan(&x.ID, &x.OrgID, &x.Name, &x.CertDER, &created); err != nil {
		return nil, err
	}
	x.CreatedAt = fromMicros(created)
	return &x, nil
}

// AddTrustAnchor stores a maker's factory CA certificate that the actor's
// organization trusts. The audit entry holds its name and SHA-256
// fingerprint, not the certificate.
func (d *DB) AddTrustAnchor(ctx context.Context, x *pki.TrustAnchor) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	x.Name = strings.TrimSpace(x.Name)
	if err := checkName(x.Name); err != nil {
		return err
	}
	if len(x.CertDER) == 0 {
		return invalid("cert_der", "is required")
	}
	return d.withTx(ctx, func(tx *Tx) error {
		x.OrgID, x.CreatedAt = a.OrgID, tx.now
		id, err := tx.insert(ctx, `INSERT INTO trust_anchors (org_id, name, cert_der, created_at) VALUES (?, ?, ?, ?)`,
			x.OrgID, x.Name, x.CertDER, micros(x.CreatedAt))
		if isUnique(err) {
			return conflict("a trust anchor named %q already exists", x.Name)
		} else if err != nil {
			return fmt.Errorf("add trust anchor: %w", err)
		}
		x.ID = id
		return tx.audit(ctx, a, "trust_anchor.add", "trust_anchor", id, nil,
			fields{"name": x.Name, "sha256": fingerprint(x.CertDER)})
	})
}

// ListTrustAnchors lists the trust anchors of orgID in creation order. It
// is unscoped by actor: EST checks a device's factory certificate against
// the anchors of the organization it enrolls in.
func (d *DB) ListTrustAnchors(ctx context.Context, orgID int64) ([]*pki.TrustAnchor, error) {
	return queryAll(ctx, d, "list trust anchors", scanTrustAnchor, `SELECT `+trustAnchorCols+` FROM trust_anchors WHERE org_id = ? ORDER BY id`, orgID)
}
