package sqlstore

import (
	"context"
	"fmt"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

var _ inventory.ProductService = (*DB)(nil)

const productCols = `p.id, p.org_id, p.manufacturer_id, p.model, p.kind, p.fda_product_code, p.criticality, p.created_at, p.updated_at, m.name`

const productFrom = ` FROM products p JOIN manufacturers m ON m.id = p.manufacturer_id`

func scanProduct(s scanner) (*inventory.Product, error) {
	var p inventory.Product
	var kind, crit string
	var created, updated int64
	if err := s.Scan(&p.ID, &p.OrgID, &p.ManufacturerID, &p.Model, &kind, &p.FDAProductCode, &crit,
		&created, &updated, &p.ManufacturerName); err != nil {
		return nil, err
	}
	p.Kind, p.Criticality = inventory.Kind(kind), inventory.Criticality(crit)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &p, nil
}

func productFields(p *inventory.Product) fields {
	return fields{"manufacturer_id": p.ManufacturerID, "model": p.Model, "kind": string(p.Kind),
		"fda_product_code": p.FDAProductCode, "criticality": string(p.Criticality)}
}

// CreateProduct creates a product of one of the organization's manufacturers.
func (d *DB) CreateProduct(ctx context.Context, p *inventory.Product) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		m, err := findManufacturer(ctx, tx, a.OrgID, p.ManufacturerID)
		if airtight.ErrorCode(err) == airtight.ENotFound {
			return badRef("manufacturer_id", "no such manufacturer")
		} else if err != nil {
			return err
		}
		p.OrgID, p.ManufacturerName, p.CreatedAt, p.UpdatedAt = a.OrgID, m.Name, tx.now, tx.now
		id, err := tx.insertProduct(ctx, p)
		if err != nil {
			return err
		}
		p.ID = id
		return tx.audit(ctx, a, "product.create", "product", id, nil, nonEmpty(productFields(p)))
	})
}

func (t *Tx) insertProduct(ctx context.Context, p *inventory.Product) (int64, error) {
	id, err := t.insert(ctx, `INSERT INTO products (org_id, manufacturer_id, model, model_key, kind, fda_product_code, criticality, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.OrgID, p.ManufacturerID, p.Model, key(p.Model), string(p.Kind), p.FDAProductCode, string(p.Criticality),
		micros(p.CreatedAt), micros(p.UpdatedAt))
	if isUnique(err) {
		return 0, conflict("the manufacturer already has a model %q", p.Model)
	} else if err != nil {
		return 0, fmt.Errorf("create product: %w", err)
	}
	return id, nil
}

// FindProduct returns one of the organization's products.
func (d *DB) FindProduct(ctx context.Context, id int64) (*inventory.Product, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return findProduct(ctx, d, a.OrgID, id)
}

func findProduct(ctx context.Context, q querier, orgID, id int64) (*inventory.Product, error) {
	return queryOne(ctx, q, notFound("product"), "find product", scanProduct, `SELECT `+productCols+productFrom+` WHERE p.id = ? AND p.org_id = ?`, id, orgID)
}

// ListProducts lists the organization's products by manufacturer and model.
func (d *DB) ListProducts(ctx context.Context, f inventory.ProductFilter) ([]*inventory.Product, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var c conds
	c.add(`p.org_id = ?`, a.OrgID)
	if f.ManufacturerID != 0 {
		c.add(`p.manufacturer_id = ?`, f.ManufacturerID)
	}
	if f.Kind != "" {
		c.add(`p.kind = ?`, string(f.Kind))
	}
	return queryAll(ctx, d, "list products", scanProduct, `SELECT `+productCols+productFrom+c.where()+` ORDER BY m.name_key, p.model_key, p.id`, c.args...)
}

// UpdateProduct changes a product; a new model name is copied into the
// search text of its devices.
func (d *DB) UpdateProduct(ctx context.Context, id int64, u inventory.ProductUpdate) (*inventory.Product, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *inventory.Product
	err = d.withTx(ctx, func(tx *Tx) error {
		before, err := findProduct(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		after := *before
		applyProductUpdate(&after, u)
		if err := after.Validate(); err != nil {
			return err
		}
		out = &after
		b, c := changes(productFields(before), productFields(&after))
		if len(c) == 0 {
			return nil
		}
		after.UpdatedAt = tx.now
		if err := tx.updateProduct(ctx, &after); err != nil {
			return err
		}
		if after.Model != before.Model {
			if err := tx.refreshSearch(ctx, a.OrgID, "product_id", id); err != nil {
				return err
			}
		}
		return tx.audit(ctx, a, "product.update", "product", id, b, c)
	})
	return out, err
}

func applyProductUpdate(p *inventory.Product, u inventory.ProductUpdate) {
	if u.Model != nil {
		p.Model = *u.Model
	}
	if u.Kind != nil {
		p.Kind = *u.Kind
	}
	if u.FDAProductCode != nil {
		p.FDAProductCode = *u.FDAProductCode
	}
	if u.Criticality != nil {
		p.Criticality = *u.Criticality
	}
}

func (t *Tx) updateProduct(ctx context.Context, p *inventory.Product) error {
	_, err := t.exec(ctx, `UPDATE products SET model = ?, model_key = ?, kind = ?, fda_product_code = ?, criticality = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
		p.Model, key(p.Model), string(p.Kind), p.FDAProductCode, string(p.Criticality), micros(p.UpdatedAt), p.ID, p.OrgID)
	if isUnique(err) {
		return conflict("the manufacturer already has a model %q", p.Model)
	} else if err != nil {
		return fmt.Errorf("update product: %w", err)
	}
	return nil
}

// DeleteProduct deletes a product that has no versions.
func (d *DB) DeleteProduct(ctx context.Context, id int64) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		p, err := findProduct(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		n, err := count(ctx, tx, `SELECT COUNT(*) FROM product_versions WHERE product_id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete product: %w", err)
		}
		if n > 0 {
			return conflict("the product still has %d versions; delete them first", n)
		}
		if _, err := tx.exec(ctx, `DELETE FROM products WHERE id = ? AND org_id = ?`, id, a.OrgID); isForeignKey(err) {
			return conflict("the product is still referenced")
		} else if err != nil {
			return fmt.Errorf("delete product: %w", err)
		}
		return tx.audit(ctx, a, "product.delete", "product", id, productFields(p), nil)
	})
}
