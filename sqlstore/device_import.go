package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

const (
	// maxImportDetails caps the problems a rejected import lists.
	maxImportDetails = 100
	// importBatch is how many devices one INSERT writes: 400 rows of 23
	// values stay under both engines' limits on bound parameters.
	importBatch = 400
)

// ImportDevices creates or updates (by asset tag) every record in one
// transaction. Every record is validated first; if any is invalid nothing is
// written and the error lists up to 100 problems by line (a record's
// position, from 1, when it has no line). Missing manufacturers, products
// and versions are created; an existing product keeps its kind and
// criticality. One audit entry records the counts.
func (d *DB) ImportDevices(ctx context.Context, recs []inventory.Record) (*inventory.ImportResult, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	recs = slices.Clone(recs)
	if err := validateRecords(recs); err != nil {
		return nil, err
	}
	res := &inventory.ImportResult{}
	if len(recs) == 0 {
		return res, nil
	}
	err = d.withTx(ctx, func(tx *Tx) error {
		im, err := tx.newImporter(ctx, a.OrgID)
		if err != nil {
			return err
		}
		for i := range recs {
			if err := im.add(ctx, &recs[i]); err != nil {
				return err
			}
		}
		if err := im.flush(ctx); err != nil {
			return err
		}
		res.Created, res.Updated = im.created, im.updated
		return tx.audit(ctx, a, "device.import", "device", 0, nil, im.summary())
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// validateRecords validates and normalises every record and rejects
// duplicate asset tags, collecting problems into one invalid error.
func validateRecords(recs []inventory.Record) error {
	var details []airtight.Detail
	bad := 0
	seen := make(map[string]int, len(recs))
	for i := range recs {
		r := &recs[i]
		if r.Line == 0 {
			r.Line = i + 1
		}
		ds := recordProblems(r, seen)
		if len(ds) == 0 {
			continue
		}
		bad++
		details = append(details, ds[:min(len(ds), maxImportDetails-len(details))]...)
	}
	switch bad {
	case 0:
		return nil
	case 1:
		return &airtight.Error{Code: airtight.EInvalid, Message: "1 row is invalid", Details: details}
	}
	return &airtight.Error{Code: airtight.EInvalid, Message: fmt.Sprintf("%d rows are invalid", bad), Details: details}
}

func recordProblems(r *inventory.Record, seen map[string]int) []airtight.Detail {
	var out []airtight.Detail
	if err := r.Validate(); err != nil {
		out = append(out, lineDetails(r.Line, err)...)
	}
	tag := r.Device.AssetTag
	if tag == "" {
		return out
	}
	if first, ok := seen[tag]; ok {
		return append(out, airtight.Detail{Line: r.Line, Field: "asset_tag",
			Message: fmt.Sprintf("repeats the asset tag of line %d", first)})
	}
	seen[tag] = r.Line
	return out
}

// lineDetails turns a validation error into details on line.
func lineDetails(line int, err error) []airtight.Detail {
	ds := airtight.ErrorDetails(err)
	if len(ds) == 0 {
		return []airtight.Detail{{Line: line, Message: airtight.ErrorMessage(err)}}
	}
	out := make([]airtight.Detail, len(ds))
	for i, d := range ds {
		d.Line = line
		out[i] = d
	}
	return out
}

type productKey struct {
	makerID int64
	model   string // model_key
}

type versionKey struct {
	productID int64
	version   string
}

type named struct {
	id   int64
	name string
}

// importer finds or creates the parents of imported devices from maps
// loaded once, and writes devices in multi-row batches.
type importer struct {
	tx       *Tx
	orgID    int64
	makers   map[string]named // name_key -> manufacturer
	products map[productKey]named
	versions map[versionKey]int64
	tags     map[string]bool // asset tags present in the organization

	batch                    []any
	created, updated         int
	newMakers, newProducts   int
	newVersions, batchedRows int
}

func (t *Tx) newImporter(ctx context.Context, orgID int64) (*importer, error) {
	im := &importer{tx: t, orgID: orgID, makers: map[string]named{}, products: map[productKey]named{},
		versions: map[versionKey]int64{}, tags: map[string]bool{}}
	if err := im.load(ctx); err != nil {
		return nil, fmt.Errorf("import devices: %w", err)
	}
	return im, nil
}

func (im *importer) load(ctx context.Context) error {
	loaders := []struct {
		q  string
		fn func(scanner) error
	}{
		{`SELECT id, name, name_key FROM manufacturers WHERE org_id = ?`, func(s scanner) error {
			var m named
			var k string
			err := s.Scan(&m.id, &m.name, &k)
			im.makers[k] = m
			return err
		}},
		{`SELECT id, model, manufacturer_id, model_key FROM products WHERE org_id = ?`, func(s scanner) error {
			var p named
			var k productKey
			err := s.Scan(&p.id, &p.name, &k.makerID, &k.model)
			im.products[k] = p
			return err
		}},
		{`SELECT id, product_id, version FROM product_versions WHERE org_id = ?`, func(s scanner) error {
			var id int64
			var k versionKey
			err := s.Scan(&id, &k.productID, &k.version)
			im.versions[k] = id
			return err
		}},
		{`SELECT asset_tag FROM devices WHERE org_id = ?`, func(s scanner) error {
			var tag string
			err := s.Scan(&tag)
			im.tags[tag] = true
			return err
		}},
	}
	for _, l := range loaders {
		if err := im.each(ctx, l.q, l.fn); err != nil {
			return err
		}
	}
	return nil
}

// each runs a query of the organization and calls fn for every row.
func (im *importer) each(ctx context.Context, q string, fn func(scanner) error) error {
	rows, err := im.tx.query(ctx, q, im.orgID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (im *importer) add(ctx context.Context, r *inventory.Record) error {
	maker, err := im.maker(ctx, r)
	if err != nil {
		return err
	}
	product, err := im.product(ctx, maker.id, r)
	if err != nil {
		return err
	}
	vid, err := im.version(ctx, product.id, r)
	if err != nil {
		return err
	}
	x := r.Device
	x.OrgID, x.ProductVersionID, x.ProductID, x.ManufacturerID = im.orgID, vid, product.id, maker.id
	x.Manufacturer, x.Model, x.CreatedAt, x.UpdatedAt = maker.name, product.name, im.tx.now, im.tx.now
	if im.tags[x.AssetTag] {
		im.updated++
	} else {
		im.created++
		im.tags[x.AssetTag] = true
	}
	im.batch = append(im.batch, deviceArgs(&x)...)
	if im.batchedRows++; im.batchedRows == importBatch {
		return im.flush(ctx)
	}
	return nil
}

func (im *importer) maker(ctx context.Context, r *inventory.Record) (named, error) {
	k := key(r.Manufacturer)
	if m, ok := im.makers[k]; ok {
		return m, nil
	}
	m := &inventory.Manufacturer{OrgID: im.orgID, Name: strings.TrimSpace(r.Manufacturer), CreatedAt: im.tx.now, UpdatedAt: im.tx.now}
	id, err := im.tx.insertManufacturer(ctx, m)
	if err != nil {
		return named{}, err
	}
	im.newMakers++
	im.makers[k] = named{id, m.Name}
	return im.makers[k], nil
}

func (im *importer) product(ctx context.Context, makerID int64, r *inventory.Record) (named, error) {
	k := productKey{makerID, key(r.Model)}
	if p, ok := im.products[k]; ok {
		return p, nil
	}
	p := &inventory.Product{OrgID: im.orgID, ManufacturerID: makerID, Model: strings.TrimSpace(r.Model), Kind: r.Kind,
		FDAProductCode: r.FDAProductCode, Criticality: r.Criticality, CreatedAt: im.tx.now, UpdatedAt: im.tx.now}
	id, err := im.tx.insertProduct(ctx, p)
	if err != nil {
		return named{}, err
	}
	im.newProducts++
	im.products[k] = named{id, p.Model}
	return im.products[k], nil
}

func (im *importer) version(ctx context.Context, productID int64, r *inventory.Record) (int64, error) {
	k := versionKey{productID, r.Version}
	if id, ok := im.versions[k]; ok {
		return id, nil
	}
	v := &inventory.ProductVersion{OrgID: im.orgID, ProductID: productID, Version: r.Version, CreatedAt: im.tx.now, UpdatedAt: im.tx.now}
	id, err := im.tx.insertVersion(ctx, v)
	if err != nil {
		return 0, err
	}
	im.newVersions++
	im.versions[k] = id
	return id, nil
}

// upsertSet is the update half of the device upsert: every imported field
// replaces the stored one; created_at stays, and seen times are kept when
// the import has none.
const upsertSet = ` ON CONFLICT (org_id, asset_tag) DO UPDATE SET product_version_id = excluded.product_version_id,
	product_id = excluded.product_id, manufacturer_id = excluded.manufacturer_id, serial_number = excluded.serial_number,
	udi = excluded.udi, site = excluded.site, department = excluded.department, room = excluded.room,
	network_zone = excluded.network_zone, ip = excluded.ip, mac = excluded.mac, hostname = excluded.hostname,
	ae_title = excluded.ae_title, hl7_application = excluded.hl7_application, owner = excluded.owner,
	status = excluded.status, first_seen = COALESCE(excluded.first_seen, devices.first_seen),
	last_seen = COALESCE(excluded.last_seen, devices.last_seen), search_text = excluded.search_text,
	updated_at = excluded.updated_at`

// flush writes the batched devices with one multi-row upsert.
func (im *importer) flush(ctx context.Context) error {
	if im.batchedRows == 0 {
		return nil
	}
	if _, err := im.tx.exec(ctx, upsertSQL(im.batchedRows), im.batch...); err != nil {
		return fmt.Errorf("import devices: %w", err)
	}
	im.batch, im.batchedRows = im.batch[:0], 0
	return nil
}

var fullBatchSQL = buildUpsertSQL(importBatch)

func upsertSQL(rows int) string {
	if rows == importBatch {
		return fullBatchSQL
	}
	return buildUpsertSQL(rows)
}

func buildUpsertSQL(rows int) string {
	row := "(" + placeholders(deviceWriteN) + ")"
	var b strings.Builder
	b.WriteString(`INSERT INTO devices (` + deviceWriteCols + `) VALUES `)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(upsertSet)
	return b.String()
}

func (im *importer) summary() fields {
	return fields{"created": im.created, "updated": im.updated, "manufacturers_created": im.newMakers,
		"products_created": im.newProducts, "versions_created": im.newVersions}
}
