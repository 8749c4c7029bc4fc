package httpapi

import (
	"net/http"
	"time"

	"github.com/airtight/airtight/inventory"
)

func (s *Server) deviceRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/devices", Roles: readers, Summary: "List devices", Handler: s.listDevices},
		{Method: "POST", Pattern: "/api/v1/devices", Roles: editors, Summary: "Create a device", Handler: s.createDevice},
		{Method: "GET", Pattern: "/api/v1/devices/summary", Roles: readers, Summary: "Count devices by kind, department, zone, criticality, status and maker", Handler: s.summarizeDevices},
		{Method: "GET", Pattern: "/api/v1/devices/export", Roles: readers, Summary: "Export devices as CSV", Handler: s.exportDevices},
		{Method: "POST", Pattern: "/api/v1/devices/import", Roles: editors, Summary: "Import devices from CSV", Handler: s.importDevices, MaxBodyBytes: s.cfg.MaxImportBytes},
		{Method: "GET", Pattern: "/api/v1/devices/{id}", Roles: readers, Summary: "Get a device", Handler: s.withID(s.getDevice)},
		{Method: "PATCH", Pattern: "/api/v1/devices/{id}", Roles: editors, Summary: "Update a device", Handler: s.withID(s.updateDevice)},
		{Method: "DELETE", Pattern: "/api/v1/devices/{id}", Roles: editors, Summary: "Delete a device", Handler: s.withID(s.deleteDevice)},
		{Method: "GET", Pattern: "/api/v1/installed-base/devices", Roles: readers, Summary: "Devices of granted manufacturers at other organizations (device makers)", Handler: s.listInstalledBase},
	}
}

// Query parameters of device lists; exports take all but the paging ones.
var (
	pageParams   = []string{"cursor", "limit"}
	filterParams = []string{"q", "kind", "criticality", "department", "site", "zone", "status",
		"manufacturer_id", "product_id", "version_id"}
)

// deviceFilter reads a device filter from the query string.
func deviceFilter(r *http.Request, paged bool) (inventory.DeviceFilter, error) {
	allowed := filterParams
	if paged {
		allowed = append(append([]string(nil), filterParams...), pageParams...)
	}
	p, err := queryParams(r, allowed...)
	if err != nil {
		return inventory.DeviceFilter{}, err
	}
	f := inventory.DeviceFilter{
		Query: p.str("q"), Kind: inventory.Kind(p.str("kind")), Criticality: inventory.Criticality(p.str("criticality")),
		Department: p.str("department"), Site: p.str("site"), NetworkZone: p.str("zone"),
		Status: inventory.Status(p.str("status")), ManufacturerID: p.id("manufacturer_id"),
		ProductID: p.id("product_id"), VersionID: p.id("version_id"), Cursor: p.str("cursor"),
		Limit: p.int("limit", 1, inventory.MaxPageSize),
	}
	if p.err != nil {
		return f, p.err
	}
	return f, f.Validate()
}

// devicePage never lists devices as null.
func devicePage(p *inventory.DevicePage) *inventory.DevicePage {
	if p != nil && p.Devices == nil {
		p.Devices = []*inventory.Device{}
	}
	return p
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request) {
	f, err := deviceFilter(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.svc.Devices.ListDevices(r.Context(), f)
	s.respond(w, r, http.StatusOK, devicePage(p), err)
}

func (s *Server) listInstalledBase(w http.ResponseWriter, r *http.Request) {
	f, err := deviceFilter(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.svc.Grants.ListInstalledBase(r.Context(), f)
	s.respond(w, r, http.StatusOK, devicePage(p), err)
}

func (s *Server) summarizeDevices(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	sum, err := s.svc.Devices.Summarize(r.Context())
	s.respond(w, r, http.StatusOK, sum, err)
}

// deviceInput is the writable part of a device.
type deviceInput struct {
	ProductVersionID int64            `json:"product_version_id"`
	AssetTag         string           `json:"asset_tag"`
	SerialNumber     string           `json:"serial_number"`
	UDI              string           `json:"udi"`
	Site             string           `json:"site"`
	Department       string           `json:"department"`
	Room             string           `json:"room"`
	NetworkZone      string           `json:"network_zone"`
	IP               string           `json:"ip"`
	MAC              string           `json:"mac"`
	Hostname         string           `json:"hostname"`
	AETitle          string           `json:"ae_title"`
	HL7Application   string           `json:"hl7_application"`
	Owner            string           `json:"owner"`
	Status           inventory.Status `json:"status"`
	LastSeen         time.Time        `json:"last_seen"`
}

func (in deviceInput) device() *inventory.Device {
	return &inventory.Device{ProductVersionID: in.ProductVersionID, AssetTag: in.AssetTag,
		SerialNumber: in.SerialNumber, UDI: in.UDI, Site: in.Site, Department: in.Department, Room: in.Room,
		NetworkZone: in.NetworkZone, IP: in.IP, MAC: in.MAC, Hostname: in.Hostname, AETitle: in.AETitle,
		HL7Application: in.HL7Application, Owner: in.Owner, Status: in.Status, LastSeen: in.LastSeen}
}

func (s *Server) createDevice(w http.ResponseWriter, r *http.Request) {
	var in deviceInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	d := in.device()
	err := s.svc.Devices.CreateDevice(r.Context(), d)
	s.respond(w, r, http.StatusCreated, d, err)
}

func (s *Server) getDevice(w http.ResponseWriter, r *http.Request, id int64) {
	d, err := s.svc.Devices.FindDevice(r.Context(), id)
	s.respond(w, r, http.StatusOK, d, err)
}

func (s *Server) updateDevice(w http.ResponseWriter, r *http.Request, id int64) {
	var u inventory.DeviceUpdate
	if err := decodeJSON(r, &u); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.svc.Devices.UpdateDevice(r.Context(), id, u)
	s.respond(w, r, http.StatusOK, d, err)
}

func (s *Server) deleteDevice(w http.ResponseWriter, r *http.Request, id int64) {
	s.respond(w, r, http.StatusNoContent, nil, s.svc.Devices.DeleteDevice(r.Context(), id))
}
