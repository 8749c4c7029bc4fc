package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/airtight/airtight"
)

var _ airtight.OrganizationService = (*DB)(nil)

// CreateOrganization creates an organization. It is a system operation: the
// actor (if any) is recorded in the new organization's audit log.
func (d *DB) CreateOrganization(ctx context.Context, o *airtight.Organization) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		o.CreatedAt = tx.now
		id, err := tx.insert(ctx, `INSERT INTO organizations (slug, name, kind, created_at) VALUES (?, ?, ?, ?)`,
			o.Slug, o.Name, string(o.Kind), micros(tx.now))
		if isUnique(err) {
			return airtight.Errorf(airtight.EConflict, "an organization with slug %q already exists", o.Slug)
		} else if err != nil {
			return fmt.Errorf("create organization: %w", err)
		}
		o.ID = id
		a := airtight.ActorFrom(ctx)
		if a == nil {
			a = &airtight.Actor{Kind: airtight.ActorSystem, Name: "system"}
		}
		actor := *a
		actor.OrgID = id
		return tx.audit(ctx, &actor, "organization.create", "organization", id, nil,
			map[string]any{"slug": o.Slug, "name": o.Name, "kind": o.Kind})
	})
}

const orgCols = `id, slug, name, kind, created_at`

func scanOrg(s scanner) (*airtight.Organization, error) {
	var o airtight.Organization
	var kind string
	var created int64
	if err := s.Scan(&o.ID, &o.Slug, &o.Name, &kind, &created); err != nil {
		return nil, err
	}
	o.Kind, o.CreatedAt = airtight.OrgKind(kind), fromMicros(created)
	return &o, nil
}

// FindOrganizationByID returns an organization. An actor may see only its
// own organization and those it shares a grant with; without an actor
// (system use) any organization is found.
func (d *DB) FindOrganizationByID(ctx context.Context, id int64) (*airtight.Organization, error) {
	o, err := scanOrg(d.queryRow(ctx, `SELECT `+orgCols+` FROM organizations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, airtight.Errorf(airtight.ENotFound, "organization not found")
	} else if err != nil {
		return nil, fmt.Errorf("find organization: %w", err)
	}
	if a := airtight.ActorFrom(ctx); a != nil && a.OrgID != id {
		ok, err := d.orgsRelated(ctx, a.OrgID, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, airtight.Errorf(airtight.ENotFound, "organization not found")
		}
	}
	return o, nil
}

// orgsRelated reports whether a grant (active or not) links the two organizations.
func (d *DB) orgsRelated(ctx context.Context, a, b int64) (bool, error) {
	var n int
	err := d.queryRow(ctx, `SELECT COUNT(*) FROM grants WHERE (org_id = ? AND grantee_org_id = ?) OR (org_id = ? AND grantee_org_id = ?)`,
		a, b, b, a).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("find organization: %w", err)
	}
	return n > 0, nil
}

// FindOrganizationBySlug returns an organization by slug (system use: CLI
// and login).
func (d *DB) FindOrganizationBySlug(ctx context.Context, slug string) (*airtight.Organization, error) {
	o, err := scanOrg(d.queryRow(ctx, `SELECT `+orgCols+` FROM organizations WHERE slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, airtight.Errorf(airtight.ENotFound, "organization %q not found", slug)
	} else if err != nil {
		return nil, fmt.Errorf("find organization: %w", err)
	}
	return o, nil
}

// ListOrganizations lists every organization (system use) or, for an actor,
// its own and those it shares a grant with.
func (d *DB) ListOrganizations(ctx context.Context) ([]*airtight.Organization, error) {
	q, args := `SELECT `+orgCols+` FROM organizations ORDER BY id`, []any(nil)
	if a := airtight.ActorFrom(ctx); a != nil && a.Kind != airtight.ActorSystem {
		q = `SELECT ` + orgCols + ` FROM organizations WHERE id = ? OR id IN (SELECT grantee_org_id FROM grants WHERE org_id = ?) OR id IN (SELECT org_id FROM grants WHERE grantee_org_id = ?) ORDER BY id`
		args = []any{a.OrgID, a.OrgID, a.OrgID}
	}
	return queryAll(ctx, d, "list organizations", scanOrg, q, args...)
}
