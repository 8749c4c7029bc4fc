package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

var _ inventory.GrantService = (*DB)(nil)

const grantCols = `g.id, g.org_id, g.grantee_org_id, g.manufacturer_id, g.note, g.created_at, g.created_by, g.revoked_at,
	o.name, ge.name, m.name`

const grantFrom = ` FROM grants g JOIN organizations o ON o.id = g.org_id
	JOIN organizations ge ON ge.id = g.grantee_org_id JOIN manufacturers m ON m.id = g.manufacturer_id`

func scanGrant(s scanner) (*inventory.Grant, error) {
	var g inventory.Grant
	var created int64
	var revoked sql.NullInt64
	if err := s.Scan(&g.ID, &g.OrgID, &g.GranteeOrgID, &g.ManufacturerID, &g.Note, &created, &g.CreatedBy, &revoked,
		&g.OrgName, &g.GranteeOrgName, &g.ManufacturerName); err != nil {
		return nil, err
	}
	g.CreatedAt, g.RevokedAt = fromMicros(created), fromNullMicros(revoked)
	return &g, nil
}

// CreateGrant lets a device-maker organization read the devices of one of
// the actor's organization's manufacturers. The grantee must be another
// organization of kind manufacturer; a second active grant for the same
// grantee and manufacturer is a conflict.
func (d *DB) CreateGrant(ctx context.Context, g *inventory.Grant) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if err := g.Validate(); err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		if err := tx.checkGrant(ctx, a.OrgID, g); err != nil {
			return err
		}
		g.OrgID, g.CreatedAt, g.CreatedBy, g.RevokedAt = a.OrgID, tx.now, a.Name, nil
		id, err := tx.insert(ctx, `INSERT INTO grants (org_id, grantee_org_id, manufacturer_id, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			g.OrgID, g.GranteeOrgID, g.ManufacturerID, g.Note, g.CreatedBy, micros(g.CreatedAt))
		if err != nil {
			return fmt.Errorf("create grant: %w", err)
		}
		g.ID = id
		return tx.audit(ctx, a, "grant.create", "grant", id, nil,
			nonEmpty(fields{"grantee_org_id": g.GranteeOrgID, "manufacturer_id": g.ManufacturerID, "note": g.Note}))
	})
}

// checkGrant checks the grant's manufacturer and grantee and fills their
// names into g.
func (t *Tx) checkGrant(ctx context.Context, orgID int64, g *inventory.Grant) error {
	m, err := findManufacturer(ctx, t, orgID, g.ManufacturerID)
	if airtight.ErrorCode(err) == airtight.ENotFound {
		return badRef("manufacturer_id", "no such manufacturer")
	} else if err != nil {
		return err
	}
	if g.GranteeOrgID == orgID {
		return badRef("grantee_org_id", "an organization cannot grant to itself")
	}
	var grantee, granter, kind string
	err = t.queryRow(ctx, `SELECT g.name, g.kind, o.name FROM organizations g, organizations o WHERE g.id = ? AND o.id = ?`,
		g.GranteeOrgID, orgID).Scan(&grantee, &kind, &granter)
	if errors.Is(err, sql.ErrNoRows) {
		return badRef("grantee_org_id", "no such organization")
	} else if err != nil {
		return fmt.Errorf("create grant: %w", err)
	}
	if airtight.OrgKind(kind) != airtight.OrgManufacturer {
		return badRef("grantee_org_id", "is not a device-maker organization")
	}
	n, err := count(ctx, t, `SELECT COUNT(*) FROM grants WHERE org_id = ? AND grantee_org_id = ? AND manufacturer_id = ? AND revoked_at IS NULL`,
		orgID, g.GranteeOrgID, g.ManufacturerID)
	if err != nil {
		return fmt.Errorf("create grant: %w", err)
	}
	if n > 0 {
		return conflict("an active grant for this organization and manufacturer already exists")
	}
	g.ManufacturerName, g.GranteeOrgName, g.OrgName = m.Name, grantee, granter
	return nil
}

// ListGrants lists the grants the actor's organization gave or received.
func (d *DB) ListGrants(ctx context.Context) ([]*inventory.Grant, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, d, "list grants", scanGrant, `SELECT `+grantCols+grantFrom+` WHERE g.org_id = ? OR g.grantee_org_id = ? ORDER BY g.id`, a.OrgID, a.OrgID)
}

// FindGrant returns a grant the actor's organization gave or received.
func (d *DB) FindGrant(ctx context.Context, id int64) (*inventory.Grant, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return findGrant(ctx, d, a.OrgID, id)
}

func findGrant(ctx context.Context, q querier, orgID, id int64) (*inventory.Grant, error) {
	return queryOne(ctx, q, notFound("grant"), "find grant", scanGrant, `SELECT `+grantCols+grantFrom+` WHERE g.id = ? AND (g.org_id = ? OR g.grantee_org_id = ?)`, id, orgID, orgID)
}

// RevokeGrant ends a grant. Only the granting organization may: the grantee,
// which can see the grant, gets forbidden; any other organization gets not
// found. Revoking a revoked grant changes nothing.
func (d *DB) RevokeGrant(ctx context.Context, id int64) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		g, err := findGrant(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		if g.OrgID != a.OrgID {
			return airtight.Errorf(airtight.EForbidden, "only the granting organization can revoke a grant")
		}
		if g.RevokedAt != nil {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE grants SET revoked_at = ? WHERE id = ? AND org_id = ?`, micros(tx.now), id, a.OrgID); err != nil {
			return fmt.Errorf("revoke grant: %w", err)
		}
		return tx.audit(ctx, a, "grant.revoke", "grant", id, fields{"revoked_at": nil}, fields{"revoked_at": auditTime(&tx.now)})
	})
}

// ListInstalledBase lists the devices, in any organization, whose
// manufacturer that organization granted to the actor's organization by a
// grant still active.
func (d *DB) ListInstalledBase(ctx context.Context, f inventory.DeviceFilter) (*inventory.DevicePage, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return d.listDevices(ctx, f, deviceScope{grantee: a.OrgID})
}
