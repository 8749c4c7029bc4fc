package syslog

import (
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// mapDICOMSD maps a [dicom@... calling called peer result reason] element
// written by a PACS or modality about one association.
func mapDICOMSD(rec *record, e *detect.Event) bool {
	p, ok := sdElement(rec.sd, "dicom")
	if !ok {
		return false
	}
	e.Class = detect.ClassDICOMActivity
	e.App = "dicom"
	e.DICOM = &detect.DICOM{CallingAE: p["calling"], CalledAE: p["called"]}
	e.Src.IP = feed.Addr(p["peer"])
	e.Dst.Hostname = rec.host
	if origin, ok := sdElement(rec.sd, "origin"); ok {
		e.Dst.IP = feed.Addr(origin["ip"])
	}
	switch strings.ToLower(p["result"]) {
	case "accepted", "accept":
		e.Activity, e.Status, e.DICOM.PDU = "associate", "success", "A-ASSOCIATE-AC"
	case "rejected", "reject":
		e.Activity, e.Status, e.DICOM.PDU = "reject", "failure", "A-ASSOCIATE-RJ"
		e.DICOM.RejectResult = 1 // rejected-permanent
		e.DICOM.RejectSource, e.DICOM.RejectReason = rejectReason(p["reason"])
	default:
		e.Activity = "associate"
	}
	return true
}

// rejectReason maps a reject reason keyword to PS3.8 A-ASSOCIATE-RJ source
// and reason codes (source 1: service user).
func rejectReason(s string) (source, reason int) {
	switch strings.ToLower(s) {
	case "no-reason-given":
		return 1, 1
	case "application-context-name-not-supported":
		return 1, 2
	case "calling-ae-not-recognized":
		return 1, 3
	case "called-ae-not-recognized":
		return 1, 7
	}
	return 0, 0
}

// mapHL7SD maps an [hl7@... sending_app sending_fac msg_type ctrl_id peer]
// element written by an HL7 interface engine about one received message.
func mapHL7SD(rec *record, e *detect.Event) bool {
	p, ok := sdElement(rec.sd, "hl7")
	if !ok {
		return false
	}
	e.Class = detect.ClassHL7Activity
	e.App = "hl7"
	e.Activity = "receive"
	e.Src.IP = feed.Addr(p["peer"])
	e.Dst.Hostname = rec.host
	e.HL7 = &detect.HL7{
		SendingApp:      p["sending_app"],
		SendingFacility: p["sending_fac"],
		MessageType:     p["msg_type"],
		ControlID:       p["ctrl_id"],
		AckCode:         p["ack"],
	}
	words := strings.Fields(strings.ToLower(rec.msg))
	for _, w := range words {
		switch w {
		case "accepted":
			e.Status = "success"
		case "rejected":
			e.Status = "failure"
		case "aa", "ae", "ar", "ca", "ce", "cr":
			e.HL7.AckCode = strings.ToUpper(w)
		}
	}
	return true
}

// mapFirewallSD maps an [fw@... action src sport dst dport proto] element.
func mapFirewallSD(rec *record, e *detect.Event) bool {
	p, ok := sdElement(rec.sd, "fw")
	if !ok || p["src"] == "" {
		return false
	}
	firewallEvent(e, p["action"], p["proto"], p["src"], p["sport"], p["dst"], p["dport"])
	return true
}

func firewallEvent(e *detect.Event, action, proto, src, sport, dst, dport string) {
	e.Class = detect.ClassNetworkActivity
	e.Activity = strings.ToLower(action)
	e.Protocol = strings.ToLower(proto)
	e.Src.IP, e.Src.Port = feed.Addr(src), feed.Port(sport)
	e.Dst.IP, e.Dst.Port = feed.Addr(dst), feed.Port(dport)
	switch e.Activity {
	case "deny", "drop", "block", "reject":
		e.Activity, e.Status = "deny", "failure"
	case "allow", "accept", "pass", "permit":
		e.Activity, e.Status = "allow", "success"
	}
}

// mapFirmwareSD maps an [fw_update@... device_id model from to signature
// signer] element: a device took a firmware image, signed or not.
func mapFirmwareSD(rec *record, e *detect.Event) bool {
	p, ok := sdElement(rec.sd, "fw_update")
	if !ok {
		return false
	}
	e.Class = detect.ClassFileActivity
	e.Activity = "firmware-install"
	e.Dst.Hostname = p["device_id"]
	e.File = &detect.File{Signed: signed(p["signature"]), Hash: p["hash"]}
	return true
}

// signed maps a signature verdict to File.Signed.
func signed(s string) string {
	switch strings.ToLower(s) {
	case "valid", "ok", "good", "verified", "signed", "yes":
		return "yes"
	case "missing", "none", "invalid", "bad", "unsigned", "failed", "expired", "untrusted", "no":
		return "no"
	}
	return ""
}
