package demo

import (
	"net/netip"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/inventory"
)

// Traffic returns a day's ordinary network traffic of the hospital, as
// monitoring sees it, for the network map: modalities storing images on
// the PACS and reading workstations fetching them (DICOM), analyzers and
// monitors' central stations sending results to the interface engine
// (HL7), nurse-station PCs on the file server (SMB), and pumps reporting
// to their server. Events are spread over the 20 hours before end (the map shows the last 24).
// Only devices with an address take part.
func Traffic(devs []*inventory.Device, end time.Time) []detect.Event {
	by := map[inventory.Kind][]*inventory.Device{}
	for _, d := range devs {
		if usable(d) {
			by[d.Kind] = append(by[d.Kind], d)
		}
	}
	pacs, engine := first(by["pacs-server"]), first(by["hl7-interface-engine"])
	var evs []detect.Event
	t := end.Add(-20 * time.Hour)
	step := func() time.Time { t = t.Add(97 * time.Second); return t }
	if pacs != nil {
		for _, k := range []inventory.Kind{"ct-scanner", "mr-scanner", "x-ray", "mobile-x-ray", "ultrasound", "mammography", "modality-workstation"} {
			for _, d := range by[k] {
				evs = append(evs, dicomFlow(d, pacs, step(), 40<<20)...)
			}
		}
		for _, d := range by["reading-workstation"] {
			evs = append(evs, dicomFlow(d, pacs, step(), 120<<20)...)
		}
	}
	if engine != nil {
		for _, k := range []inventory.Kind{"lab-analyzer", "hematology-analyzer", "blood-gas-analyzer", "central-station"} {
			for _, d := range by[k] {
				evs = append(evs, hl7Flow(d, engine, step())...)
			}
		}
	}
	evs = append(evs, fileShares(by["nurse-station-pc"], step)...)
	return evs
}

func first(ds []*inventory.Device) *inventory.Device {
	if len(ds) == 0 {
		return nil
	}
	return ds[0]
}

func flow(src, dst *inventory.Device, port uint16, app string, at time.Time, bytes int64) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassNetworkActivity, Activity: "traffic", Source: "pcap", Protocol: "tcp",
		App: app, Src: detect.Endpoint{IP: ip(src), Port: 49152}, Dst: detect.Endpoint{IP: ip(dst), Port: port},
		BytesOut: bytes, BytesIn: bytes / 50, Packets: bytes/1400 + 10}
}

// dicomFlow is what packet capture reports for an image transfer: the
// association (with its AE titles) and, when the connection ends, the flow
// with its byte counts.
func dicomFlow(src, pacs *inventory.Device, at time.Time, bytes int64) []detect.Event {
	f := flow(src, pacs, 104, "dicom", at.Add(time.Minute), bytes)
	a := flow(src, pacs, 104, "dicom", at, 0)
	a.Class, a.Activity, a.BytesOut, a.BytesIn, a.Packets = detect.ClassDICOMActivity, "associate", 0, 0, 0
	a.DICOM = &detect.DICOM{CallingAE: src.AETitle, CalledAE: pacs.AETitle, PDU: "A-ASSOCIATE-AC"}
	return []detect.Event{a, f}
}

// hl7Flow: a result message with its acknowledgement, and the flow.
func hl7Flow(src, engine *inventory.Device, at time.Time) []detect.Event {
	f := flow(src, engine, 2575, "hl7", at.Add(time.Second), 24<<10)
	m := flow(src, engine, 2575, "hl7", at, 0)
	m.Class, m.Activity, m.BytesOut, m.BytesIn, m.Packets = detect.ClassHL7Activity, "message", 0, 0, 0
	m.HL7 = &detect.HL7{SendingApp: src.HL7Application, ReceivingApp: engine.HL7Application, MessageType: "ORU^R01", PatientData: true}
	return []detect.Event{m, f}
}

// fileShares: nurse-station PCs on one file server. The demo fleet has no
// file server device, so it is an address in the data centre that the
// map shows as not in the inventory — as a real first run would.
func fileShares(pcs []*inventory.Device, step func() time.Time) []detect.Event {
	server := netip.MustParseAddr("10.10.0.20")
	var evs []detect.Event
	for i, pc := range pcs {
		if i == 12 {
			break
		}
		e := detect.Event{Time: step(), Class: detect.ClassNetworkActivity, Activity: "traffic", Source: "netflow",
			Protocol: "tcp", App: "smb", Src: detect.Endpoint{IP: ip(pc), Port: 50123},
			Dst: detect.Endpoint{IP: server, Port: 445}, BytesOut: 2 << 20, BytesIn: 9 << 20, Packets: 9000}
		evs = append(evs, e)
	}
	return evs
}
