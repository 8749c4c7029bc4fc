package builtin

import (
	"slices"
	"strings"

	"github.com/airtight/airtight/detect"
)

// Rule ids of the internet detections.
const (
	RuleMedicalInternet = "airtight.network.medical_device_internet"
	RuleDICOMPHIOut     = "airtight.dicom.phi_to_internet"
	RuleDICOMOut        = "airtight.dicom.to_internet"
	RuleHL7PHIOut       = "airtight.hl7.phi_to_internet"
)

// A medical device's connection to the internet is reported as command and
// control over an application protocol (T1071) and a path for
// exfiltration over that channel (T1041); a device with an internet path is
// also an Internet Accessible Device in ATT&CK for ICS (T0883), the
// matrix that covers embedded control equipment like medical devices.
var medicalInternetRule = rule{
	id: RuleMedicalInternet, title: "Medical device communicating with the internet",
	severity: sevHigh, attack: []string{"T1071", "T1041", "T0883"},
	summary: "A medical device exchanged traffic with an address on the internet. Medical devices should only " +
		"talk to systems inside the hospital and, where agreed, to their vendor's service. An internet " +
		"connection can be malware calling home, data leaving, or an unapproved remote-access path into the " +
		"device.",
	action: "Ask biomedical engineering whether the vendor needs this connection. If it is not approved, block " +
		"the destination at the firewall and check the device for malware with the vendor. If it is approved, " +
		"add the destination to the allowed list.",
}

// Patient data sent in clear text to the internet is exfiltration over an
// unencrypted, non-C2 protocol (T1048.003).
var dicomPHIRule = rule{
	id: RuleDICOMPHIOut, title: "Patient images sent unencrypted to the internet",
	severity: sevCritical, attack: []string{"T1048.003"},
	summary: "DICOM traffic carrying patient identification (names, IDs) went unencrypted to an address " +
		"outside the hospital. Anyone along the way can read it; if the destination is not a contracted " +
		"partner, patient data is being stolen. This is a reportable privacy breach in most jurisdictions.",
	action: "Block the destination at the firewall now and find out which system or person started the " +
		"transfer (the source device is named here). Inform your privacy officer. Transfers to partners must use " +
		"DICOM over TLS or a VPN.",
}

var dicomOutRule = rule{
	id: RuleDICOMOut, title: "DICOM traffic to the internet",
	severity: sevHigh, attack: []string{"T1048.003"},
	summary: "An imaging system exchanged DICOM traffic with an address outside the hospital, unencrypted. " +
		"DICOM carries patient images and identities, so this is very likely patient data leaving.",
	action: "Check with radiology IT whether this is an approved teleradiology or cloud archive link. If not, " +
		"block the destination and inform your privacy officer. Approved links must use TLS or a VPN.",
}

var hl7PHIRule = rule{
	id: RuleHL7PHIOut, title: "Patient records (HL7) sent unencrypted to the internet",
	severity: sevCritical, attack: []string{"T1048.003"},
	summary: "An HL7 message with patient identification went unencrypted to an address outside the hospital. " +
		"HL7 carries admissions, orders and results; anyone along the way can read them.",
	action: "Block the destination at the firewall now, find the interface that sent it, and inform your " +
		"privacy officer. HL7 links to partners must run over a VPN or TLS.",
}

// internetDetector raises the internet detections.
type internetDetector struct {
	cfg  Config
	once *throttle
}

func newInternet(cfg Config) *internetDetector {
	return &internetDetector{cfg: cfg, once: newThrottle(cfg.Reemit, cfg.MaxKeys)}
}

func (d *internetDetector) Observe(e *detect.Event, emit func(*detect.Detection)) {
	src, dst := e.Src.IP.Unmap(), e.Dst.IP.Unmap()
	if !src.IsValid() || !detect.IsPublic(dst) || detect.IsPublic(src) {
		return
	}
	d.patientData(e, emit)
	if inPrefixes(dst, d.cfg.AllowInternet) {
		return
	}
	d.medical(e, emit)
}

// blocked reports an event that records a connection a firewall stopped.
func blocked(e *detect.Event) bool {
	if e.Status == "failure" {
		return true
	}
	switch strings.ToLower(e.Activity) {
	case "deny", "denied", "block", "blocked", "drop", "dropped", "reject", "refused":
		return true
	}
	return false
}

// medical reports a medical device reaching the internet: a clinical
// device of the inventory, or any address in a clinical network.
func (d *internetDetector) medical(e *detect.Event, emit func(*detect.Detection)) {
	ref, known := lookup(d.cfg.Directory, e.Src)
	inNet := inPrefixes(e.Src.IP, d.cfg.ClinicalNets)
	if !(known && ref.Clinical()) && !inNet {
		return
	}
	sub, id := subject(e.Src)
	dst := e.Dst.IP.Unmap().String()
	if !d.once.allow(RuleMedicalInternet+sub+dst, e.Time) {
		return
	}
	r := medicalInternetRule
	ev := map[string]any{"destination_ip": dst, "destination_port": int(e.Dst.Port), "blocked": blocked(e)}
	if e.Protocol != "" {
		ev["protocol"] = e.Protocol
	}
	if e.App != "" {
		ev["app"] = e.App
	}
	if e.BytesOut > 0 {
		ev["bytes_out"] = e.BytesOut
	}
	if known {
		ev["kind"], ev["criticality"] = ref.Kind, ref.Criticality
		if ref.Criticality == detect.CriticalityLifeSustaining {
			r.severity = raise(r.severity)
		}
	} else {
		ev["in_clinical_network"] = true
	}
	if blocked(e) {
		r.severity = sevMedium
	}
	emit(r.detection(e, sub, id, sub, ev))
}

// patientData reports DICOM and HL7 carrying patient data, or DICOM at
// all, going in clear text to a public address.
func (d *internetDetector) patientData(e *detect.Event, emit func(*detect.Detection)) {
	var r rule
	switch {
	case e.DICOM != nil && e.DICOM.PatientData:
		r = dicomPHIRule
	case e.HL7 != nil && e.HL7.PatientData:
		r = hl7PHIRule
	case e.DICOM != nil || e.App == "dicom" || slices.Contains(d.cfg.DICOMPorts, e.Dst.Port) && e.BytesOut > 0 && e.App == "":
		r = dicomOutRule
	default:
		return
	}
	if blocked(e) {
		return // stopped before any data went
	}
	sub, id := subject(e.Src)
	dst := e.Dst.IP.Unmap()
	if !d.once.allow(r.id+sub+dst.String(), e.Time) {
		return
	}
	ev := map[string]any{"destination_ip": dst.String(), "destination_port": int(e.Dst.Port)}
	if e.BytesOut > 0 {
		ev["bytes_out"] = e.BytesOut
	}
	if e.DICOM != nil {
		addAE(ev, e.DICOM)
	}
	if e.HL7 != nil {
		ev["sending_app"], ev["message_type"] = clip(e.HL7.SendingApp, 64), clip(e.HL7.MessageType, 32)
	}
	if inPrefixes(dst, d.cfg.AllowInternet) {
		ev["approved_destination"] = true
		r.severity = sevMedium // a partner, but still unencrypted
	}
	emit(r.detection(e, sub, id, sub+"|"+dst.String(), ev))
}

func addAE(ev map[string]any, dc *detect.DICOM) {
	if dc.CallingAE != "" {
		ev["calling_ae"] = clip(dc.CallingAE, 16)
	}
	if dc.CalledAE != "" {
		ev["called_ae"] = clip(dc.CalledAE, 16)
	}
	if dc.Command != "" {
		ev["dicom_command"] = clip(dc.Command, 32)
	}
}
