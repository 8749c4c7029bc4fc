package demo

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/inventory"
)

// The demo's incident story, as the network sensors and Windows logs of
// the demo hospital would have reported it this morning. Every address of
// the hospital is a device of the seeded inventory but two: a laptop on
// the imaging network and a system on the laboratory network that nobody
// registered. The internet address is from TEST-NET-3 (RFC 5737).
var (
	rogueImagingHost = netip.MustParseAddr("10.16.250.77")
	rogueLabHost     = netip.MustParseAddr("10.40.250.19")
	internetHost     = netip.MustParseAddr("203.0.113.45")
)

// ErrFleetTooSmall is returned by CastStory for a fleet without every
// device the story needs.
var ErrFleetTooSmall = errors.New("demo: the fleet is too small for the incident story")

// StoryCast are the devices the incident story happens on.
type StoryCast struct {
	Workstation *inventory.Device   // a nurse-station PC that scans and attacks over SMB
	Radiology   *inventory.Device   // the reading workstation it breaks into, where shadow copies are deleted
	PACS        *inventory.Device   // the PACS: password guessing, a rogue AE title refused
	HL7Engine   *inventory.Device   // the interface engine an unknown sender writes to
	Pump        *inventory.Device   // the infusion pump that talks to the internet
	Scanned     []*inventory.Device // the hosts the workstation reaches on port 445
}

// storyScanHosts is how many hosts the workstation reaches on 445: more
// than the worm-spread threshold of the built-in detections (20).
const storyScanHosts = 30

// CastStory picks the story's devices from the hospital's devices: active
// ones with an address, the first of each kind in the order given.
func CastStory(devs []*inventory.Device) (*StoryCast, error) {
	c := &StoryCast{}
	pick := func(kind string, ok func(*inventory.Device) bool) *inventory.Device {
		for _, d := range devs {
			if string(d.Kind) == kind && usable(d) && (ok == nil || ok(d)) {
				return d
			}
		}
		return nil
	}
	windows7 := func(d *inventory.Device) bool { return strings.Contains(d.Version, "Windows 7") }
	if c.Workstation = pick("nurse-station-pc", windows7); c.Workstation == nil {
		c.Workstation = pick("nurse-station-pc", nil)
	}
	c.Radiology = pick("reading-workstation", func(d *inventory.Device) bool { return d.Department == deptRadiology })
	c.PACS = pick("pacs-server", func(d *inventory.Device) bool { return d.AETitle != "" })
	c.HL7Engine = pick("hl7-interface-engine", nil)
	c.Pump = pick("infusion-pump", nil)
	for _, d := range []*inventory.Device{c.Workstation, c.Radiology, c.PACS, c.HL7Engine, c.Pump} {
		if d == nil {
			return nil, ErrFleetTooSmall
		}
	}
	c.Scanned = append(c.Scanned, c.Radiology)
	for _, d := range devs {
		if len(c.Scanned) == storyScanHosts {
			break
		}
		if usable(d) && d != c.Workstation && d != c.Radiology &&
			(d.NetworkZone == ZoneCorporate || d.NetworkZone == ZoneImaging) {
			c.Scanned = append(c.Scanned, d)
		}
	}
	if len(c.Scanned) < storyScanHosts {
		return nil, fmt.Errorf("%w: %d hosts for the SMB scan, want %d", ErrFleetTooSmall, len(c.Scanned), storyScanHosts)
	}
	return c, nil
}

func usable(d *inventory.Device) bool {
	_, err := netip.ParseAddr(d.IP)
	return d.Status == inventory.StatusActive && err == nil
}

func ip(d *inventory.Device) netip.Addr { return netip.MustParseAddr(d.IP) }

// Events returns the story's events; the last happens at end. The story
// takes about two and a half hours:
//
//   - password guessing against the PACS from the workstation, then a
//     successful logon;
//   - the workstation attacks the radiology workstation with the
//     EternalBlue pattern and scans 30 hosts on port 445;
//   - shadow copies are deleted on the radiology workstation;
//   - the PACS refuses three AE titles from an unregistered laptop;
//   - an unregistered system sends HL7 results to the interface engine;
//   - an infusion pump exchanges traffic with an internet address.
func (c *StoryCast) Events(end time.Time) []detect.Event {
	t0 := end.Add(-150 * time.Minute)
	var evs []detect.Event
	evs = append(evs, c.bruteForce(t0)...)
	evs = append(evs, c.smbAttack(t0.Add(10*time.Minute))...)
	evs = append(evs, c.shadowDelete(t0.Add(45*time.Minute)))
	evs = append(evs, c.rogueAE(t0.Add(75*time.Minute))...)
	evs = append(evs, c.unknownHL7(t0.Add(110*time.Minute)))
	evs = append(evs, c.pumpInternet(end))
	return evs
}

// bruteForce: 14 failed logons as the PACS administrator within three
// minutes, then one that succeeds.
func (c *StoryCast) bruteForce(at time.Time) []detect.Event {
	var evs []detect.Event
	for i := range 15 {
		status := "failure"
		if i == 14 {
			status, at = "success", at.Add(time.Minute)
		}
		evs = append(evs, detect.Event{Time: at.Add(time.Duration(i) * 12 * time.Second), Class: detect.ClassAuthentication,
			Activity: "logon", Status: status, Source: "syslog", Product: "sshd", Host: c.PACS.Hostname,
			Src: detect.Endpoint{IP: ip(c.Workstation), Port: uint16(50200 + i)}, Dst: detect.Endpoint{IP: ip(c.PACS), Port: 22},
			Protocol: "tcp", App: "ssh", User: "pacsadmin"})
	}
	return evs
}

// smbAttack: the EternalBlue exploit pattern (TRANS2 SESSION_SETUP over
// SMBv1) against the radiology workstation, then connection attempts to
// 30 hosts on 445 within 90 seconds.
func (c *StoryCast) smbAttack(at time.Time) []detect.Event {
	src := ip(c.Workstation)
	evs := []detect.Event{{Time: at, Class: detect.ClassSMBActivity, Activity: "request", Source: "pcap",
		Src: detect.Endpoint{IP: src, Port: 49733}, Dst: detect.Endpoint{IP: ip(c.Radiology), Port: 445}, Protocol: "tcp", App: "smb",
		SMB: &detect.SMB{Version: 1, Dialects: []string{"NT LM 0.12"}, Command: "TRANS2", Subcommand: "SESSION_SETUP",
			Anomaly: "trans2-session-setup"}}}
	for i, d := range c.Scanned {
		evs = append(evs, detect.Event{Time: at.Add(time.Minute + time.Duration(i)*3*time.Second), Class: detect.ClassNetworkActivity,
			Activity: "open", Status: "failure", Source: "netflow", Src: detect.Endpoint{IP: src, Port: uint16(49800 + i)},
			Dst: detect.Endpoint{IP: ip(d), Port: 445}, Protocol: "tcp", Packets: 2, BytesOut: 104})
	}
	return evs
}

// shadowDelete: vssadmin deletes every shadow copy on the radiology
// workstation (Windows process creation, event 4688).
func (c *StoryCast) shadowDelete(at time.Time) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassProcessActivity, Activity: "launch", Source: "jsonl",
		Product: "Microsoft-Windows-Security-Auditing", Host: c.Radiology.Hostname, Src: detect.Endpoint{IP: ip(c.Radiology)},
		User: `RIVERSIDE\rad.reader`,
		Process: &detect.Process{PID: 6212, Name: "vssadmin.exe", Path: `C:\Windows\System32\vssadmin.exe`,
			CommandLine: `vssadmin.exe Delete Shadows /All /Quiet`, ParentPath: `C:\Windows\System32\cmd.exe`, User: `RIVERSIDE\rad.reader`},
		Fields: map[string]string{"EventID": "4688"}}
}

// rogueAE: the PACS refuses associations from three AE titles it does not
// know, all from one unregistered laptop (A-ASSOCIATE-RJ, rejected
// permanently by the service user: calling AE title not recognised).
func (c *StoryCast) rogueAE(at time.Time) []detect.Event {
	var evs []detect.Event
	for i, title := range []string{"ANY-SCU", "STORESCU", "OSIRIX"} {
		evs = append(evs, detect.Event{Time: at.Add(time.Duration(i) * 40 * time.Second), Class: detect.ClassDICOMActivity,
			Activity: "reject", Status: "failure", Source: "pcap",
			Src: detect.Endpoint{IP: ip(c.PACS), Port: 104}, Dst: detect.Endpoint{IP: rogueImagingHost, Port: uint16(51320 + i)},
			Protocol: "tcp", App: "dicom",
			DICOM: &detect.DICOM{CallingAE: title, CalledAE: c.PACS.AETitle, PDU: "A-ASSOCIATE-RJ",
				RejectResult: 1, RejectSource: 1, RejectReason: 3}})
	}
	return evs
}

// unknownHL7: lab results from a sending application no device has.
func (c *StoryCast) unknownHL7(at time.Time) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassHL7Activity, Activity: "send", Source: "pcap",
		Src: detect.Endpoint{IP: rogueLabHost, Port: 40122}, Dst: detect.Endpoint{IP: ip(c.HL7Engine), Port: 6661},
		Protocol: "tcp", App: "hl7",
		HL7: &detect.HL7{SendingApp: "LABLINK", SendingFacility: "OUTREACH", ReceivingApp: c.HL7Engine.HL7Application,
			ReceivingFacility: "RGH", MessageType: "ORU^R01", ControlID: "LL20261130", Version: "2.5.1", PatientData: true}}
}

// pumpInternet: the pump exchanges HTTPS traffic with an internet address.
func (c *StoryCast) pumpInternet(at time.Time) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassNetworkActivity, Activity: "traffic", Status: "success", Source: "netflow",
		Src: detect.Endpoint{IP: ip(c.Pump), Port: 51877}, Dst: detect.Endpoint{IP: internetHost, Port: 443},
		Protocol: "tcp", BytesOut: 48213, BytesIn: 3120, Packets: 61}
}
