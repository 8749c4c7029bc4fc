package sqlstore

import (
	"context"
	"fmt"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

var _ inventory.ManufacturerService = (*DB)(nil)

const manufacturerCols = `id, org_id, name, website, created_at, updated_at`

func scanManufacturer(s scanner) (*inventory.Manufacturer, error) {
	var m inventory.Manufacturer
	var created, updated int64
	if err := s.Scan(&m.ID, &m.OrgID, &m.Name, &m.Website, &created, &updated); err != nil {
		return nil, err
	}
	m.CreatedAt, m.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &m, nil
}

func manufacturerFields(m *inventory.Manufacturer) fields {
	return fields{"name": m.Name, "website": m.Website}
}

// CreateManufacturer creates a manufacturer in the actor's organization.
func (d *DB) CreateManufacturer(ctx context.Context, m *inventory.Manufacturer) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		m.OrgID, m.CreatedAt, m.UpdatedAt = a.OrgID, tx.now, tx.now
		id, err := tx.insertManufacturer(ctx, m)
		if err != nil {
			return err
		}
		m.ID = id
		return tx.audit(ctx, a, "manufacturer.create", "manufacturer", id, nil, nonEmpty(manufacturerFields(m)))
	})
}

func (t *Tx) insertManufacturer(ctx context.Context, m *inventory.Manufacturer) (int64, error) {
	id, err := t.insert(ctx, `INSERT INTO manufacturers (org_id, name, name_key, website, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		m.OrgID, m.Name, key(m.Name), m.Website, micros(m.CreatedAt), micros(m.UpdatedAt))
	if isUnique(err) {
		return 0, conflict("a manufacturer named %q already exists", m.Name)
	} else if err != nil {
		return 0, fmt.Errorf("create manufacturer: %w", err)
	}
	return id, nil
}

// FindManufacturer returns one of the actor's organization's manufacturers.
func (d *DB) FindManufacturer(ctx context.Context, id int64) (*inventory.Manufacturer, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return findManufacturer(ctx, d, a.OrgID, id)
}

func findManufacturer(ctx context.Context, q querier, orgID, id int64) (*inventory.Manufacturer, error) {
	return queryOne(ctx, q, notFound("manufacturer"), "find manufacturer", scanManufacturer, `SELECT `+manufacturerCols+` FROM manufacturers WHERE id = ? AND org_id = ?`, id, orgID)
}

// ListManufacturers lists the organization's manufacturers by name.
func (d *DB) ListManufacturers(ctx context.Context) ([]*inventory.Manufacturer, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, d, "list manufacturers", scanManufacturer, `SELECT `+manufacturerCols+` FROM manufacturers WHERE org_id = ? ORDER BY name_key, id`, a.OrgID)
}

// UpdateManufacturer changes a manufacturer; a new name is copied into the
// search text of its devices.
func (d *DB) UpdateManufacturer(ctx context.Context, id int64, u inventory.ManufacturerUpdate) (*inventory.Manufacturer, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *inventory.Manufacturer
	err = d.withTx(ctx, func(tx *Tx) error {
		before, err := findManufacturer(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		after := *before
		applyManufacturerUpdate(&after, u)
		if err := after.Validate(); err != nil {
			return err
		}
		out = &after
		b, c := changes(manufacturerFields(before), manufacturerFields(&after))
		if len(c) == 0 {
			return nil
		}
		after.UpdatedAt = tx.now
		if err := tx.updateManufacturer(ctx, &after); err != nil {
			return err
		}
		if after.Name != before.Name {
			if err := tx.refreshSearch(ctx, a.OrgID, "manufacturer_id", id); err != nil {
				return err
			}
		}
		return tx.audit(ctx, a, "manufacturer.update", "manufacturer", id, b, c)
	})
	return out, err
}

func applyManufacturerUpdate(m *inventory.Manufacturer, u inventory.ManufacturerUpdate) {
	if u.Name != nil {
		m.Name = *u.Name
	}
	if u.Website != nil {
		m.Website = *u.Website
	}
}

func (t *Tx) updateManufacturer(ctx context.Context, m *inventory.Manufacturer) error {
	_, err := t.exec(ctx, `UPDATE manufacturers SET name = ?, name_key = ?, website = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
		m.Name, key(m.Name), m.Website, micros(m.UpdatedAt), m.ID, m.OrgID)
	if isUnique(err) {
		return conflict("a manufacturer named %q already exists", m.Name)
	} else if err != nil {
		return fmt.Errorf("update manufacturer: %w", err)
	}
	return nil
}

// DeleteManufacturer deletes a manufacturer that has no products and no
// grants.
func (d *DB) DeleteManufacturer(ctx context.Context, id int64) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		m, err := findManufacturer(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.checkNoChildren(ctx, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM manufacturers WHERE id = ? AND org_id = ?`, id, a.OrgID); isForeignKey(err) {
			return conflict("the manufacturer is still referenced")
		} else if err != nil {
			return fmt.Errorf("delete manufacturer: %w", err)
		}
		return tx.audit(ctx, a, "manufacturer.delete", "manufacturer", id, manufacturerFields(m), nil)
	})
}

func (t *Tx) checkNoChildren(ctx context.Context, manufacturerID int64) error {
	n, err := count(ctx, t, `SELECT COUNT(*) FROM products WHERE manufacturer_id = ?`, manufacturerID)
	if err != nil {
		return fmt.Errorf("delete manufacturer: %w", err)
	}
	if n > 0 {
		return conflict("the manufacturer still has %d products; delete them first", n)
	}
	n, err = count(ctx, t, `SELECT COUNT(*) FROM grants WHERE manufacturer_id = ?`, manufacturerID)
	if err != nil {
		return fmt.Errorf("delete manufacturer: %w", err)
	}
	if n > 0 {
		return conflict("the manufacturer is named in %d grants", n)
	}
	return nil
}
