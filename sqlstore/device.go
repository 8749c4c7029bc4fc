package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

var _ inventory.DeviceService = (*DB)(nil)

const deviceCols = `d.id, d.org_id, d.product_version_id, d.product_id, d.manufacturer_id, d.asset_tag, d.serial_number, d.udi,
	d.site, d.department, d.room, d.network_zone, d.ip, d.mac, d.hostname, d.ae_title, d.hl7_application, d.owner,
	d.status, d.first_seen, d.last_seen, d.created_at, d.updated_at, m.name, p.model, p.kind, p.fda_product_code, p.criticality, v.version`

const deviceFrom = ` FROM devices d JOIN product_versions v ON v.id = d.product_version_id
	JOIN products p ON p.id = d.product_id JOIN manufacturers m ON m.id = d.manufacturer_id`

// deviceWriteCols are the columns deviceArgs fills, in order.
const deviceWriteCols = `org_id, product_version_id, product_id, manufacturer_id, asset_tag, serial_number, udi, site,
	department, room, network_zone, ip, mac, hostname, ae_title, hl7_application, owner, status, first_seen, last_seen,
	search_text, created_at, updated_at`

const deviceWriteN = 23

func scanDevice(s scanner) (*inventory.Device, error) {
	var x inventory.Device
	var status, kind, crit string
	var first, last sql.NullInt64
	var created, updated int64
	if err := s.Scan(&x.ID, &x.OrgID, &x.ProductVersionID, &x.ProductID, &x.ManufacturerID, &x.AssetTag,
		&x.SerialNumber, &x.UDI, &x.Site, &x.Department, &x.Room, &x.NetworkZone, &x.IP, &x.MAC, &x.Hostname,
		&x.AETitle, &x.HL7Application, &x.Owner, &status, &first, &last, &created, &updated,
		&x.Manufacturer, &x.Model, &kind, &x.FDAProductCode, &crit, &x.Version); err != nil {
		return nil, err
	}
	x.Status, x.Kind, x.Criticality = inventory.Status(status), inventory.Kind(kind), inventory.Criticality(crit)
	if t := fromNullMicros(first); t != nil {
		x.FirstSeen = *t
	}
	if t := fromNullMicros(last); t != nil {
		x.LastSeen = *t
	}
	x.CreatedAt, x.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &x, nil
}

// deviceArgs returns the values of deviceWriteCols for x.
func deviceArgs(x *inventory.Device) []any {
	return []any{x.OrgID, x.ProductVersionID, x.ProductID, x.ManufacturerID, x.AssetTag, x.SerialNumber, x.UDI,
		x.Site, x.Department, x.Room, x.NetworkZone, x.IP, x.MAC, x.Hostname, x.AETitle, x.HL7Application,
		x.Owner, string(x.Status), nullMicros(&x.FirstSeen), nullMicros(&x.LastSeen), searchText(x),
		micros(x.CreatedAt), micros(x.UpdatedAt)}
}

// searchSep separates the fields of search_text. Validation forbids it in
// every field, so a query never matches across two of them.
const searchSep = "\n"

// searchText is what DeviceFilter.Query matches: the lowercased identifiers
// of the device, its model and maker, and where it stands.
func searchText(x *inventory.Device) string {
	return strings.ToLower(strings.Join([]string{x.AssetTag, x.SerialNumber, x.Hostname, x.IP, x.MAC, x.AETitle,
		x.HL7Application, x.UDI, x.Model, x.Manufacturer, x.Department, x.Room}, searchSep))
}

func deviceFields(x *inventory.Device) fields {
	return fields{"asset_tag": x.AssetTag, "product_version_id": x.ProductVersionID, "serial_number": x.SerialNumber,
		"udi": x.UDI, "site": x.Site, "department": x.Department, "room": x.Room, "network_zone": x.NetworkZone,
		"ip": x.IP, "mac": x.MAC, "hostname": x.Hostname, "ae_title": x.AETitle, "hl7_application": x.HL7Application,
		"owner": x.Owner, "status": string(x.Status), "first_seen": auditTime(&x.FirstSeen), "last_seen": auditTime(&x.LastSeen)}
}

// versionRef is what a device copies or shows from its product version.
type versionRef struct {
	productID, manufacturerID                 int64
	manufacturer, model, kind, fda, crit, ver string
}

func (r *versionRef) apply(x *inventory.Device) {
	x.ProductID, x.ManufacturerID, x.Manufacturer, x.Model = r.productID, r.manufacturerID, r.manufacturer, r.model
	x.Kind, x.Criticality, x.Version = inventory.Kind(r.kind), inventory.Criticality(r.crit), r.ver
	x.FDAProductCode = r.fda
}

// findVersionRef looks up a version of the organization for a device.
func findVersionRef(ctx context.Context, q querier, orgID, versionID int64) (*versionRef, error) {
	var r versionRef
	err := q.queryRow(ctx, `SELECT v.product_id, p.manufacturer_id, m.name, p.model, p.kind, p.fda_product_code, p.criticality, v.version`+versionFrom+
		` WHERE v.id = ? AND v.org_id = ?`, versionID, orgID).Scan(&r.productID, &r.manufacturerID, &r.manufacturer, &r.model, &r.kind, &r.fda, &r.crit, &r.ver)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, badRef("product_version_id", "no such product version")
	} else if err != nil {
		return nil, fmt.Errorf("find version: %w", err)
	}
	return &r, nil
}

// CreateDevice creates a device running one of the organization's versions.
func (d *DB) CreateDevice(ctx context.Context, x *inventory.Device) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if err := x.Validate(); err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		ref, err := findVersionRef(ctx, tx, a.OrgID, x.ProductVersionID)
		if err != nil {
			return err
		}
		ref.apply(x)
		x.OrgID, x.CreatedAt, x.UpdatedAt = a.OrgID, tx.now, tx.now
		id, err := tx.insert(ctx, `INSERT INTO devices (`+deviceWriteCols+`) VALUES (`+placeholders(deviceWriteN)+`)`, deviceArgs(x)...)
		if isUnique(err) {
			return conflict("a device with asset tag %q already exists", x.AssetTag)
		} else if err != nil {
			return fmt.Errorf("create device: %w", err)
		}
		x.ID = id
		return tx.audit(ctx, a, "device.create", "device", id, nil, nonEmpty(deviceFields(x)))
	})
}

// placeholders returns "?, ?, ..." with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// FindDevice returns one of the organization's devices.
func (d *DB) FindDevice(ctx context.Context, id int64) (*inventory.Device, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return findDevice(ctx, d, a.OrgID, id)
}

func findDevice(ctx context.Context, q querier, orgID, id int64) (*inventory.Device, error) {
	return queryOne(ctx, q, notFound("device"), "find device", scanDevice, `SELECT `+deviceCols+deviceFrom+` WHERE d.id = ? AND d.org_id = ?`, id, orgID)
}

// UpdateDevice changes a device. A new product version also moves the
// device's copies of the product and manufacturer.
func (d *DB) UpdateDevice(ctx context.Context, id int64, u inventory.DeviceUpdate) (*inventory.Device, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *inventory.Device
	err = d.withTx(ctx, func(tx *Tx) error {
		before, err := findDevice(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		after := *before
		applyDeviceUpdate(&after, u)
		if err := after.Validate(); err != nil {
			return err
		}
		out = &after
		b, c := changes(deviceFields(before), deviceFields(&after))
		if len(c) == 0 {
			return nil
		}
		if after.ProductVersionID != before.ProductVersionID {
			ref, err := findVersionRef(ctx, tx, a.OrgID, after.ProductVersionID)
			if err != nil {
				return err
			}
			ref.apply(&after)
		}
		after.UpdatedAt = tx.now
		if err := tx.updateDevice(ctx, &after); err != nil {
			return err
		}
		return tx.audit(ctx, a, "device.update", "device", id, b, c)
	})
	return out, err
}

func (t *Tx) updateDevice(ctx context.Context, x *inventory.Device) error {
	_, err := t.exec(ctx, `UPDATE devices SET product_version_id = ?, product_id = ?, manufacturer_id = ?, asset_tag = ?,
		serial_number = ?, udi = ?, site = ?, department = ?, room = ?, network_zone = ?, ip = ?, mac = ?, hostname = ?,
		ae_title = ?, hl7_application = ?, owner = ?, status = ?, first_seen = ?, last_seen = ?, search_text = ?, updated_at = ?
		WHERE id = ? AND org_id = ?`, append(deviceArgs(x)[1:deviceWriteN-2], micros(x.UpdatedAt), x.ID, x.OrgID)...)
	if isUnique(err) {
		return conflict("a device with asset tag %q already exists", x.AssetTag)
	} else if err != nil {
		return fmt.Errorf("update device: %w", err)
	}
	return nil
}

func applyDeviceUpdate(x *inventory.Device, u inventory.DeviceUpdate) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if u.ProductVersionID != nil {
		x.ProductVersionID = *u.ProductVersionID
	}
	set(&x.AssetTag, u.AssetTag)
	set(&x.SerialNumber, u.SerialNumber)
	set(&x.UDI, u.UDI)
	set(&x.Site, u.Site)
	set(&x.Department, u.Department)
	set(&x.Room, u.Room)
	set(&x.NetworkZone, u.NetworkZone)
	set(&x.IP, u.IP)
	set(&x.MAC, u.MAC)
	set(&x.Hostname, u.Hostname)
	set(&x.AETitle, u.AETitle)
	set(&x.HL7Application, u.HL7Application)
	set(&x.Owner, u.Owner)
	if u.Status != nil {
		x.Status = *u.Status
	}
	if u.LastSeen != nil {
		x.LastSeen = u.LastSeen.UTC().Truncate(time.Microsecond)
	}
}

// DeleteDevice deletes one of the organization's devices.
func (d *DB) DeleteDevice(ctx context.Context, id int64) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		x, err := findDevice(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM devices WHERE id = ? AND org_id = ?`, id, a.OrgID); err != nil {
			return fmt.Errorf("delete device: %w", err)
		}
		return tx.audit(ctx, a, "device.delete", "device", id,
			fields{"asset_tag": x.AssetTag, "product_version_id": x.ProductVersionID}, nil)
	})
}

// refreshSearch recomputes the search text of the organization's devices
// whose column (product_id or manufacturer_id) is id, after a model or
// manufacturer rename.
func (t *Tx) refreshSearch(ctx context.Context, orgID int64, column string, id int64) error {
	rows, err := t.query(ctx, `SELECT `+deviceCols+deviceFrom+` WHERE d.org_id = ? AND d.`+column+` = ?`, orgID, id)
	if err != nil {
		return fmt.Errorf("refresh search text: %w", err)
	}
	type upd struct {
		id   int64
		text string
	}
	var ups []upd
	for rows.Next() {
		x, err := scanDevice(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("refresh search text: %w", err)
		}
		ups = append(ups, upd{x.ID, searchText(x)})
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("refresh search text: %w", err)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("refresh search text: %w", err)
	}
	for _, u := range ups {
		if _, err := t.exec(ctx, `UPDATE devices SET search_text = ? WHERE id = ?`, u.text, u.id); err != nil {
			return fmt.Errorf("refresh search text: %w", err)
		}
	}
	return nil
}
