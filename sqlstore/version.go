package sqlstore

import (
	"context"
	"fmt"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

var _ inventory.VersionService = (*DB)(nil)

const versionCols = `v.id, v.org_id, v.product_id, v.version, v.release_date, v.end_of_support, v.created_at, v.updated_at, p.model, m.name`

const versionFrom = ` FROM product_versions v JOIN products p ON p.id = v.product_id JOIN manufacturers m ON m.id = p.manufacturer_id`

func scanVersion(s scanner) (*inventory.ProductVersion, error) {
	var v inventory.ProductVersion
	var created, updated int64
	if err := s.Scan(&v.ID, &v.OrgID, &v.ProductID, &v.Version, &v.ReleaseDate, &v.EndOfSupport,
		&created, &updated, &v.Model, &v.ManufacturerName); err != nil {
		return nil, err
	}
	v.CreatedAt, v.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &v, nil
}

func versionFields(v *inventory.ProductVersion) fields {
	return fields{"product_id": v.ProductID, "version": v.Version, "release_date": v.ReleaseDate, "end_of_support": v.EndOfSupport}
}

// CreateVersion creates a version of one of the organization's products.
func (d *DB) CreateVersion(ctx context.Context, v *inventory.ProductVersion) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if err := v.Validate(); err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		p, err := findProduct(ctx, tx, a.OrgID, v.ProductID)
		if airtight.ErrorCode(err) == airtight.ENotFound {
			return badRef("product_id", "no such product")
		} else if err != nil {
			return err
		}
		v.OrgID, v.Model, v.ManufacturerName, v.CreatedAt, v.UpdatedAt = a.OrgID, p.Model, p.ManufacturerName, tx.now, tx.now
		id, err := tx.insertVersion(ctx, v)
		if err != nil {
			return err
		}
		v.ID = id
		return tx.audit(ctx, a, "version.create", "product_version", id, nil, nonEmpty(versionFields(v)))
	})
}

func (t *Tx) insertVersion(ctx context.Context, v *inventory.ProductVersion) (int64, error) {
	id, err := t.insert(ctx, `INSERT INTO product_versions (org_id, product_id, version, release_date, end_of_support, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		v.OrgID, v.ProductID, v.Version, v.ReleaseDate, v.EndOfSupport, micros(v.CreatedAt), micros(v.UpdatedAt))
	if isUnique(err) {
		return 0, conflict("the product already has a version %q", v.Version)
	} else if err != nil {
		return 0, fmt.Errorf("create version: %w", err)
	}
	return id, nil
}

// FindVersion returns one of the organization's product versions.
func (d *DB) FindVersion(ctx context.Context, id int64) (*inventory.ProductVersion, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return findVersion(ctx, d, a.OrgID, id)
}

func findVersion(ctx context.Context, q querier, orgID, id int64) (*inventory.ProductVersion, error) {
	return queryOne(ctx, q, notFound("version"), "find version", scanVersion, `SELECT `+versionCols+versionFrom+` WHERE v.id = ? AND v.org_id = ?`, id, orgID)
}

// ListVersions lists the versions of one product (all of the organization's
// versions when productID is 0). Another organization's product has none.
func (d *DB) ListVersions(ctx context.Context, productID int64) ([]*inventory.ProductVersion, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var c conds
	c.add(`v.org_id = ?`, a.OrgID)
	if productID != 0 {
		c.add(`v.product_id = ?`, productID)
	}
	return queryAll(ctx, d, "list versions", scanVersion, `SELECT `+versionCols+versionFrom+c.where()+` ORDER BY v.product_id, v.id`, c.args...)
}

// UpdateVersion changes a version's dates.
func (d *DB) UpdateVersion(ctx context.Context, id int64, u inventory.VersionUpdate) (*inventory.ProductVersion, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *inventory.ProductVersion
	err = d.withTx(ctx, func(tx *Tx) error {
		before, err := findVersion(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		after := *before
		if u.ReleaseDate != nil {
			after.ReleaseDate = *u.ReleaseDate
		}
		if u.EndOfSupport != nil {
			after.EndOfSupport = *u.EndOfSupport
		}
		if err := after.Validate(); err != nil {
			return err
		}
		out = &after
		b, c := changes(versionFields(before), versionFields(&after))
		if len(c) == 0 {
			return nil
		}
		after.UpdatedAt = tx.now
		if _, err := tx.exec(ctx, `UPDATE product_versions SET release_date = ?, end_of_support = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
			after.ReleaseDate, after.EndOfSupport, micros(after.UpdatedAt), id, a.OrgID); err != nil {
			return fmt.Errorf("update version: %w", err)
		}
		return tx.audit(ctx, a, "version.update", "product_version", id, b, c)
	})
	return out, err
}

// DeleteVersion deletes a version no device runs.
func (d *DB) DeleteVersion(ctx context.Context, id int64) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		v, err := findVersion(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		n, err := count(ctx, tx, `SELECT COUNT(*) FROM devices WHERE product_version_id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete version: %w", err)
		}
		if n > 0 {
			return conflict("%d devices still run this version", n)
		}
		if _, err := tx.exec(ctx, `DELETE FROM product_versions WHERE id = ? AND org_id = ?`, id, a.OrgID); isForeignKey(err) {
			return conflict("the version is still referenced")
		} else if err != nil {
			return fmt.Errorf("delete version: %w", err)
		}
		return tx.audit(ctx, a, "version.delete", "product_version", id, versionFields(v), nil)
	})
}
