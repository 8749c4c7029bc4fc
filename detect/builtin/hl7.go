package builtin

import (
	"strings"

	"github.com/airtight/airtight/detect"
)

// Rule ids of the HL7 detections.
const (
	RuleHL7UnknownSender = "airtight.hl7.unknown_sender"
	RuleHL7Rejected      = "airtight.hl7.rejected"
)

// Messages from an unregistered sender are unauthorised messages to a
// clinical system (T0855 in ATT&CK for ICS) that change the records it
// keeps (Data Manipulation, T1565).
var hl7UnknownRule = rule{
	id: RuleHL7UnknownSender, title: "HL7 message from an unknown sending application",
	severity: sevMedium, attack: []string{"T0855", "T1565"},
	summary: "An HL7 message (admissions, orders or results) came from a sending application or facility that " +
		"is not registered in the inventory. Messages from an unknown sender can put false data into patient " +
		"records, or come from a system that should not be connected.",
	action: "Ask the interface team whether this application was recently connected. If not, stop the interface " +
		"engine from accepting it, review the messages it sent, and find the computer at the address shown.",
}

var hl7RejectedRule = rule{
	id: RuleHL7Rejected, title: "HL7 message rejected by the receiving system",
	severity: sevLow, attack: []string{"T0855", "T1565"},
	summary: "A receiving system answered an HL7 message with a reject acknowledgement (AR or CR). Rejections " +
		"happen after interface changes, but they are also what messages from unknown or forged senders get.",
	action: "Check the interface engine's log for why the message was rejected. If the sender is unknown, " +
		"treat it as an unauthorised system and find it.",
}

// hl7Detector raises the HL7 sender detections.
type hl7Detector struct {
	cfg  Config
	once *throttle
}

func newHL7(cfg Config) *hl7Detector {
	return &hl7Detector{cfg: cfg, once: newThrottle(cfg.Reemit, cfg.MaxKeys)}
}

func (d *hl7Detector) Observe(e *detect.Event, emit func(*detect.Detection)) {
	h := e.HL7
	if h == nil {
		return
	}
	if code := strings.ToUpper(h.AckCode); code == "AR" || code == "CR" {
		d.rejected(e, code, emit)
		return
	}
	if h.AckCode != "" || strings.HasPrefix(strings.ToUpper(h.MessageType), "ACK") {
		return
	}
	d.unknown(e, emit)
}

// rejected reports a reject ACK. An ACK travels from the receiver back to
// the sender, so the subject, the one whose message was rejected, is the
// ACK's destination.
func (d *hl7Detector) rejected(e *detect.Event, code string, emit func(*detect.Detection)) {
	sender := e.Dst
	if !sender.IP.IsValid() && sender.DeviceID == 0 {
		sender = e.Src
	}
	sub, id := subject(sender)
	if sub == "" || !d.once.allow(RuleHL7Rejected+sub, e.Time) {
		return
	}
	ev := map[string]any{"ack_code": code, "rejected_by_app": clip(e.HL7.SendingApp, 64), "control_id": clip(e.HL7.ControlID, 32)}
	if e.Src.IP.IsValid() {
		ev["receiver_ip"] = e.Src.IP.Unmap().String()
	}
	emit(hl7RejectedRule.detection(e, sub, id, sub, ev))
}

// unknown reports a message whose sending application is not in the
// inventory.
func (d *hl7Detector) unknown(e *detect.Event, emit func(*detect.Detection)) {
	h := e.HL7
	app := strings.TrimSpace(h.SendingApp)
	if d.cfg.Directory == nil || app == "" {
		return
	}
	if _, ok := d.cfg.Directory.LookupHL7App(app, h.SendingFacility); ok {
		return
	}
	sender := clip(app, 64)
	if f := strings.TrimSpace(h.SendingFacility); f != "" {
		sender += "^" + clip(f, 64)
	}
	sub, id := subject(e.Src)
	if !d.once.allow(RuleHL7UnknownSender+sub+sender, e.Time) {
		return
	}
	ev := map[string]any{"sending_app": sender, "message_type": clip(h.MessageType, 32), "receiving_app": clip(h.ReceivingApp, 64)}
	if e.Src.IP.IsValid() {
		ev["sender_ip"] = e.Src.IP.Unmap().String()
	}
	emit(hl7UnknownRule.detection(e, sub, id, sub+"|"+sender, ev))
}
