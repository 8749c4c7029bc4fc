package pipeline

import (
	"fmt"
	"io"
	"net/netip"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/inventory"
)

// LoadInventory builds a directory from an inventory CSV file (the format
// of inventory.ReadCSV, which validates it and enforces its limits). Rows
// get ids 1, 2, … in file order, as offline replays have no database;
// devices with status decommissioned are left out. Errors name the line,
// never cell values.
func LoadInventory(r io.Reader) (*detect.MemDirectory, error) {
	recs, err := inventory.ReadCSV(r)
	if err != nil {
		return nil, fmt.Errorf("inventory csv: %w", err)
	}
	dir := detect.NewMemDirectory()
	for i := range recs {
		ref, ok, err := deviceRef(int64(i+1), &recs[i])
		if err != nil {
			return nil, fmt.Errorf("inventory csv: line %d: %w", recs[i].Line, err)
		}
		if !ok {
			continue
		}
		if err := dir.Add(ref); err != nil {
			return nil, fmt.Errorf("inventory csv: line %d: %w", recs[i].Line, errInUse)
		}
	}
	return dir, nil
}

// deviceRef converts a validated inventory record.
func deviceRef(id int64, rec *inventory.Record) (detect.DeviceRef, bool, error) {
	d := &rec.Device
	if d.Status == inventory.StatusDecommissioned {
		return detect.DeviceRef{}, false, nil
	}
	ref := detect.DeviceRef{
		ID: id, AssetTag: d.AssetTag, Name: d.Hostname, Kind: string(rec.Kind), Zone: d.NetworkZone,
		Criticality: string(rec.Criticality), AETitle: d.AETitle, HL7App: d.HL7Application,
	}
	if ref.Name == "" {
		ref.Name = rec.Manufacturer + " " + rec.Model
	}
	if d.IP != "" {
		ip, err := netip.ParseAddr(d.IP)
		if err != nil {
			return ref, false, fmt.Errorf("ip is not an address")
		}
		ref.IP = ip.Unmap()
	}
	return ref, true, nil
}

// errInUse is the directory's duplicate error without the values, which an
// error must not carry out of an import.
var errInUse = fmt.Errorf("the ip, ae title or hl7 application is already used by an earlier device: %w", detect.ErrDuplicate)
