package detect

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
)

// Criticality values of a DeviceRef, as in the inventory.
const (
	CriticalityLifeSustaining = "life-sustaining"
	CriticalityLifeSupporting = "life-supporting"
	CriticalityDiagnostic     = "diagnostic"
	CriticalityAdministrative = "administrative"
)

// DeviceRef is what detection needs to know about an inventory device.
type DeviceRef struct {
	ID          int64      `json:"id"`                    // inventory device id
	AssetTag    string     `json:"asset_tag,omitempty"`   // the hospital's asset tag
	Name        string     `json:"name,omitempty"`        // host name, or maker and model
	Kind        string     `json:"kind,omitempty"`        // inventory kind, e.g. "infusion-pump"
	Zone        string     `json:"zone,omitempty"`        // network zone, e.g. "clinical-wireless"
	Criticality string     `json:"criticality,omitempty"` // life-sustaining … administrative
	IP          netip.Addr `json:"ip,omitzero"`
	AETitle     string     `json:"ae_title,omitempty"`
	// HL7App is the device's HL7 sending application, "APP" or
	// "APP^FACILITY" (the MSH-3 and MSH-4 components).
	HL7App string `json:"hl7_app,omitempty"`
}

// Clinical reports whether the device serves patient care (anything but
// administrative equipment). Devices of unknown criticality count as
// clinical: an inventory gap must not silence an alert.
func (d DeviceRef) Clinical() bool {
	return d.Criticality != CriticalityAdministrative
}

// Subject is the text a Detection uses for the device: its id.
func (d DeviceRef) Subject() string {
	return strconv.FormatInt(d.ID, 10)
}

// Directory resolves network identities to inventory devices. It must be
// safe for concurrent use.
type Directory interface {
	LookupIP(ip netip.Addr) (DeviceRef, bool)
	// LookupAE finds the device that owns a DICOM AE title (compared
	// exactly after trimming spaces, which PS3.8 uses as padding).
	LookupAE(title string) (DeviceRef, bool)
	// LookupHL7App finds the device registered as an HL7 sending
	// application; facility may be empty.
	LookupHL7App(app, facility string) (DeviceRef, bool)
}

// MemDirectory is an in-memory Directory. Add and lookups may run
// concurrently.
type MemDirectory struct {
	mu   sync.RWMutex
	devs []DeviceRef
	ip   map[netip.Addr]int
	ae   map[string]int
	hl7  map[string]int
}

var _ Directory = (*MemDirectory)(nil)

// NewMemDirectory returns an empty directory.
func NewMemDirectory() *MemDirectory {
	return &MemDirectory{ip: map[netip.Addr]int{}, ae: map[string]int{}, hl7: map[string]int{}}
}

// ErrDuplicate is returned by Add when an address, AE title or HL7
// application already belongs to another device.
var ErrDuplicate = errors.New("already registered to another device")

// Add registers a device under its IP, AE title and HL7 application (those
// that are set). The device id must be positive.
func (m *MemDirectory) Add(d DeviceRef) error {
	if d.ID <= 0 {
		return fmt.Errorf("device %q: id must be positive", d.AssetTag)
	}
	d.IP = d.IP.Unmap()
	d.AETitle = normAE(d.AETitle)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkFree(d); err != nil {
		return err
	}
	i := len(m.devs)
	m.devs = append(m.devs, d)
	if d.IP.IsValid() {
		m.ip[d.IP] = i
	}
	if d.AETitle != "" {
		m.ae[d.AETitle] = i
	}
	if d.HL7App != "" {
		m.hl7[normHL7(d.HL7App)] = i
	}
	return nil
}

func (m *MemDirectory) checkFree(d DeviceRef) error {
	if _, ok := m.ip[d.IP]; ok && d.IP.IsValid() {
		return fmt.Errorf("device %q: ip %s: %w", d.AssetTag, d.IP, ErrDuplicate)
	}
	if _, ok := m.ae[d.AETitle]; ok && d.AETitle != "" {
		return fmt.Errorf("device %q: ae title %q: %w", d.AssetTag, d.AETitle, ErrDuplicate)
	}
	if _, ok := m.hl7[normHL7(d.HL7App)]; ok && d.HL7App != "" {
		return fmt.Errorf("device %q: hl7 application %q: %w", d.AssetTag, d.HL7App, ErrDuplicate)
	}
	return nil
}

// Len is the number of devices.
func (m *MemDirectory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.devs)
}

// LookupIP finds a device by address (IPv4-mapped IPv6 matches IPv4).
func (m *MemDirectory) LookupIP(ip netip.Addr) (DeviceRef, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return get(m, m.ip, ip.Unmap())
}

// LookupAE finds a device by DICOM AE title.
func (m *MemDirectory) LookupAE(title string) (DeviceRef, bool) {
	t := normAE(title)
	if t == "" {
		return DeviceRef{}, false
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return get(m, m.ae, t)
}

// LookupHL7App finds a device by HL7 application: first "APP^FACILITY",
// then "APP" alone (a registration without a facility matches any).
func (m *MemDirectory) LookupHL7App(app, facility string) (DeviceRef, bool) {
	app = strings.TrimSpace(app)
	if app == "" {
		return DeviceRef{}, false
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if f := strings.TrimSpace(facility); f != "" {
		if d, ok := get(m, m.hl7, normHL7(app+"^"+f)); ok {
			return d, true
		}
	}
	return get(m, m.hl7, normHL7(app))
}

// get reads an index; the caller holds the read lock.
func get[K comparable](m *MemDirectory, idx map[K]int, k K) (DeviceRef, bool) {
	i, ok := idx[k]
	if !ok {
		return DeviceRef{}, false
	}
	return m.devs[i], true
}

// normAE trims the space padding of an AE title (PS3.5: leading and
// trailing spaces are not significant).
func normAE(s string) string { return strings.TrimSpace(s) }

// normHL7 compares HL7 applications case-insensitively, with "^" or "|"
// between application and facility.
func normHL7(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "|", "^"))
}
