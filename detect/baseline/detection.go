package baseline

import (
	"fmt"

	"github.com/airtight/airtight/detect"
)

// describe holds the fixed text of each deviation.
var describe = map[string]struct {
	title, summary, action string
	severity               detect.Severity
	attack                 []string
}{
	RuleNewPeer: {
		title:    "Device talks to a new system on a sensitive port",
		severity: "medium",
		attack:   []string{"T1021", "T0886"},
		summary: "Since it was first watched this device only talked to a known set of systems. It has now " +
			"exchanged traffic with one it never used before, on a port used for remote access, file sharing or " +
			"clinical data. That can be a new, planned connection, or someone using or probing the device.",
		action: "Ask the device's owner (biomedical engineering or the department) whether a new system or " +
			"service was connected. If nobody expected it, block the connection at the firewall and check the " +
			"other system.",
	},
	RuleNewPort: {
		title:    "Device uses a sensitive port it never used before",
		severity: "medium",
		attack:   []string{"T1021", "T0886"},
		summary: "The device exchanged traffic on a remote-access, file-sharing or clinical port it had not used " +
			"while its normal behaviour was learned. A new service can mean a configuration change, a vendor " +
			"remote session, or an intruder opening a way in.",
		action: "Check with the device's owner or vendor whether a service or remote session was enabled. If not, " +
			"disable the service or block the port and review who connected.",
	},
	RuleNewAETitle: {
		title:    "New DICOM AE title for this device",
		severity: "medium",
		attack:   []string{"T1078", "T0859"},
		summary: "DICOM systems identify each other by AE title, and this device had only ever exchanged images " +
			"with a known set of them. A new AE title can be a newly installed modality or viewer, or a system " +
			"pretending to be one to read or send images.",
		action: "Confirm with radiology IT that the named AE title belongs to a system they installed. If not, " +
			"remove it from the PACS's allowed list and check which computer used it.",
	},
	RuleNewHL7Sender: {
		title:    "New HL7 sending application for this device",
		severity: "medium",
		attack:   []string{"T0855", "T1565"},
		summary: "HL7 messages carry admissions, orders and results. This device received or sent messages from " +
			"an application it never dealt with before. Messages from an unexpected sender can put wrong data " +
			"into patient records.",
		action: "Ask the interface team whether the sending application is a new, planned interface. If not, stop " +
			"the interface engine from accepting it and review the messages it sent.",
	},
	RuleUnusualHour: {
		title:    "Device active at an unusual hour",
		severity: "low",
		attack:   []string{"T1078"},
		summary: "This device started connections at an hour of day when it had never been active while its " +
			"normal behaviour was learned. That can be a schedule change, or someone using it outside working hours.",
		action: "Check whether the department changed its schedule or maintenance window. If not, find out who " +
			"used the device at that time.",
	},
}

// detection builds the Detection of one deviation.
func (b *Baseline) detection(k Key, e *detect.Event, d deviation) *detect.Detection {
	t := describe[d.rule]
	ev := map[string]any{"learned_since": b.firstSeen(k)}
	if d.facts.peer.IsValid() {
		ev["peer"] = d.facts.peer.String()
	}
	if d.facts.port != 0 {
		ev["port"] = int(d.facts.port)
	}
	var key string
	switch d.rule {
	case RuleNewPeer:
		key = fmt.Sprint(d.facts.peer, "|", d.facts.port)
	case RuleNewPort:
		key = fmt.Sprint(d.facts.port)
	case RuleNewAETitle:
		ev["ae_title"] = d.facts.ae
		key = d.facts.ae
	case RuleNewHL7Sender:
		ev["hl7_sender"] = d.facts.hl7app
		key = d.facts.hl7app
	case RuleUnusualHour:
		ev["hour"] = d.hour
		key = fmt.Sprint(d.hour)
	}
	if e.App != "" {
		ev["app"] = e.App
	}
	return &detect.Detection{
		Rule: d.rule, Title: t.title, Severity: t.severity, Attack: t.attack,
		Device: k.String(), DeviceID: k.ID, FirstSeen: e.Time, LastSeen: e.Time, Count: 1,
		Summary: t.summary, Action: t.action, Evidence: ev,
		Key: d.rule + "|" + k.String() + "|" + key,
	}
}

func (b *Baseline) firstSeen(k Key) string {
	if p, ok := b.devs.Peek(k); ok {
		return timeText(p.first)
	}
	return ""
}
