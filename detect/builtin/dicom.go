package builtin

import (
	"slices"
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/correlate"
)

// Rule ids of the DICOM detections.
const (
	RuleDICOMRogueAE   = "airtight.dicom.rogue_ae"
	RuleDICOMUnknownAE = "airtight.dicom.unknown_ae"
	RuleDICOMAESpoof   = "airtight.dicom.ae_spoof"
)

// A rejected association from an unregistered AE title is probing for DICOM
// nodes that will talk: Remote System Discovery in ATT&CK for ICS (T0846).
// Several titles tried by one requester is enumeration, also Network
// Service Discovery (T1046).
var rogueAERule = rule{
	id: RuleDICOMRogueAE, title: "Unrecognised system tried to connect to a DICOM server",
	severity: sevMedium, attack: []string{"T0846"},
	summary: "A DICOM server (PACS, modality or worklist) refused an association because the caller's or " +
		"the requested AE title is not recognised. That is what a misconfigured new system looks like, but " +
		"also an attacker or malware probing imaging systems for one that will hand out patient images.",
	action: "Ask radiology IT whether a new modality, viewer or vendor laptop was being set up at that time from " +
		"the address shown. If nobody was, find the computer at that address and keep it off the imaging network.",
}

// An AE title is DICOM's only identity. Using one the PACS accepts without
// it being registered, or a registered one from another address, is use
// of valid credentials (T1078; T0859 in ATT&CK for ICS).
var unknownAERule = rule{
	id: RuleDICOMUnknownAE, title: "DICOM association from an AE title not in the inventory",
	severity: sevMedium, attack: []string{"T1078", "T0859"},
	summary: "A system asked for a DICOM association using an AE title that belongs to no device in the " +
		"inventory. If the server accepts any AE title, this system can read or send patient images.",
	action: "Find out which system uses this AE title and add it to the inventory if it is legitimate. If it is " +
		"not, configure the PACS to accept only known AE titles and check what the system retrieved.",
}

var aeSpoofRule = rule{
	id: RuleDICOMAESpoof, title: "Known DICOM AE title used from an unexpected address",
	severity: sevHigh, attack: []string{"T1078", "T0859"},
	summary: "A DICOM association used the AE title of a device in the inventory, but came from a different " +
		"address than that device's. Someone may be impersonating the device to read or inject images; or the " +
		"device moved and the inventory is out of date.",
	action: "Check whether the device named here changed address. If it did not, block the other address from " +
		"the imaging network and review what it sent or retrieved.",
}

// A-ASSOCIATE-RJ reasons (PS3.8 Table 9-21), for service-user rejections.
const (
	rejectCallingAE = 3
	rejectCalledAE  = 7
)

// dicomDetector raises the DICOM identity detections.
type dicomDetector struct {
	cfg    Config
	probes *correlate.Distinct[string, string] // AE titles rejected per requester
	once   *throttle
}

func newDICOM(cfg Config) (*dicomDetector, error) {
	probes, err := correlate.NewDistinct[string, string](correlate.DistinctConfig{
		Window: cfg.AEProbeWindow, Threshold: cfg.AEProbeTitles, MaxKeys: cfg.MaxKeys, MaxValues: 4 * cfg.AEProbeTitles,
	})
	if err != nil {
		return nil, err
	}
	return &dicomDetector{cfg: cfg, probes: probes, once: newThrottle(cfg.Reemit, cfg.MaxKeys)}, nil
}

func (d *dicomDetector) Observe(e *detect.Event, emit func(*detect.Detection)) {
	if e.DICOM == nil {
		return
	}
	req := d.requester(e)
	if e.DICOM.PDU == "A-ASSOCIATE-RJ" || e.Activity == "reject" && e.DICOM.RejectReason != 0 {
		d.rejected(e, req, emit)
		return
	}
	if e.DICOM.PDU == "A-ASSOCIATE-RQ" || e.DICOM.PDU == "" && e.DICOM.CallingAE != "" {
		d.identity(e, req, emit)
	}
}

// requester is the endpoint that asked for the association. Parsers may
// report an A-ASSOCIATE-RJ from its sender (the server) or from the
// association's point of view, so the DICOM service port decides; failing
// that, the higher (ephemeral) port; failing that, an RJ or AC comes from
// the server.
func (d *dicomDetector) requester(e *detect.Event) detect.Endpoint {
	sp, dp := slices.Contains(d.cfg.DICOMPorts, e.Src.Port), slices.Contains(d.cfg.DICOMPorts, e.Dst.Port)
	switch {
	case dp && !sp:
		return e.Src
	case sp && !dp:
		return e.Dst
	case e.Src.Port != 0 && e.Dst.Port != 0 && e.Src.Port != e.Dst.Port:
		if e.Src.Port > e.Dst.Port {
			return e.Src
		}
		return e.Dst
	case e.DICOM.PDU == "A-ASSOCIATE-RJ" || e.DICOM.PDU == "A-ASSOCIATE-AC":
		return e.Dst
	}
	return e.Src
}

// rejected reports an association refused because an AE title was not
// recognised (reject source 1, the DICOM service user, or unknown).
func (d *dicomDetector) rejected(e *detect.Event, req detect.Endpoint, emit func(*detect.Detection)) {
	dc := e.DICOM
	reason := ""
	switch {
	case dc.RejectSource > 1:
		return // provider rejections: congestion, protocol version
	case dc.RejectReason == rejectCallingAE:
		reason = "calling-ae-not-recognized"
	case dc.RejectReason == rejectCalledAE:
		reason = "called-ae-not-recognized"
	default:
		return
	}
	sub, id := subject(req)
	title := dc.CallingAE
	if dc.RejectReason == rejectCalledAE {
		title = "called:" + dc.CalledAE
	}
	n, _ := d.probes.Add(sub, title, e.Time)
	r := rogueAERule
	if n >= d.cfg.AEProbeTitles {
		r.severity, r.attack = sevHigh, []string{"T0846", "T1046"}
	}
	ev := map[string]any{"reason": reason, "reject_reason": dc.RejectReason, "distinct_titles_rejected": n}
	addAE(ev, dc)
	if req.IP.IsValid() {
		ev["requester_ip"] = req.IP.Unmap().String()
	}
	if ref, ok := lookup(d.cfg.Directory, req); ok {
		ev["requester_device"] = ref.ID
	}
	emit(r.detection(e, sub, id, sub, ev))
}

// identity checks a requested association's calling AE title against the
// inventory: unknown titles, and known titles from another address.
func (d *dicomDetector) identity(e *detect.Event, req detect.Endpoint, emit func(*detect.Detection)) {
	if d.cfg.Directory == nil || strings.TrimSpace(e.DICOM.CallingAE) == "" {
		return
	}
	calling := strings.TrimSpace(e.DICOM.CallingAE)
	sub, id := subject(req)
	ref, known := d.cfg.Directory.LookupAE(calling)
	var r rule
	ev := map[string]any{}
	switch {
	case !known:
		r = unknownAERule
	case *d.cfg.CheckAEAddress && ref.IP.IsValid() && req.IP.IsValid() && ref.IP != req.IP.Unmap():
		r = aeSpoofRule
		ev["registered_device"], ev["registered_ip"] = ref.ID, ref.IP.String()
	default:
		return
	}
	if !d.once.allow(r.id+sub+calling, e.Time) {
		return
	}
	addAE(ev, e.DICOM)
	if req.IP.IsValid() {
		ev["requester_ip"] = req.IP.Unmap().String()
	}
	emit(r.detection(e, sub, id, sub+"|"+calling, ev))
}
