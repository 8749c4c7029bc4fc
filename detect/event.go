// Package detect is the domain of monitoring and incident detection: the one
// normalised event every input becomes (shaped after OCSF, the Open
// Cybersecurity Schema Framework, with DICOM, HL7 and SMB extension fields),
// and the detection results raised from events.
//
// Inputs (syslog, flows, Zeek, Suricata, packet captures) live in their own
// packages and produce Events; the Sigma engine, the correlator and the
// built-in healthcare detections consume them.
//
// It imports only the standard library.
package detect

import (
	"net/netip"
	"strconv"
	"time"
)

// Class is an OCSF event class.
type Class int

// OCSF classes used by airtight. Numbers are OCSF's class_uid; DICOM and
// HL7 are airtight extensions in OCSF's extension range.
const (
	ClassUnknown         Class = 0
	ClassFileActivity    Class = 1001 // file create/rename/delete/write
	ClassProcessActivity Class = 1007 // process launch
	ClassAuthentication  Class = 3002 // logon, logoff, failures
	ClassNetworkActivity Class = 4001 // connections and flows
	ClassSMBActivity     Class = 4006 // OCSF "SMB Activity"
	ClassDICOMActivity   Class = 9001 // airtight extension: DICOM upper layer
	ClassHL7Activity     Class = 9002 // airtight extension: HL7 v2 over MLLP
	ClassLog             Class = 9099 // airtight extension: a log line with no better class
)

var classNames = map[Class]string{
	ClassFileActivity:    "file_activity",
	ClassProcessActivity: "process_activity",
	ClassAuthentication:  "authentication",
	ClassNetworkActivity: "network_activity",
	ClassSMBActivity:     "smb_activity",
	ClassDICOMActivity:   "dicom_activity",
	ClassHL7Activity:     "hl7_activity",
	ClassLog:             "log",
}

// String is the OCSF class name in snake case.
func (c Class) String() string {
	if n, ok := classNames[c]; ok {
		return n
	}
	return "unknown"
}

// Endpoint is one side of an event (OCSF network_endpoint).
type Endpoint struct {
	IP       netip.Addr `json:"ip,omitzero"`
	Port     uint16     `json:"port,omitempty"`
	MAC      string     `json:"mac,omitempty"`
	Hostname string     `json:"hostname,omitempty"`
	// DeviceID is the inventory device this endpoint resolved to (0 when
	// unknown); filled by the device resolver, not by parsers.
	DeviceID int64 `json:"device_id,omitempty"`
}

// DICOM holds DICOM upper-layer facts (PS3.8).
type DICOM struct {
	CallingAE string `json:"calling_ae,omitempty"`
	CalledAE  string `json:"called_ae,omitempty"`
	// PDU is the PDU type name: "A-ASSOCIATE-RQ", "A-ASSOCIATE-AC",
	// "A-ASSOCIATE-RJ", "P-DATA-TF", "A-RELEASE-RQ", "A-RELEASE-RP", "A-ABORT".
	PDU string `json:"pdu,omitempty"`
	// Command is the DIMSE command, e.g. "C-STORE-RQ", "C-ECHO-RSP".
	Command string `json:"command,omitempty"`
	// SOPClassUID is the affected SOP class of a command, when present.
	SOPClassUID string `json:"sop_class_uid,omitempty"`
	// Status is the DIMSE status of a response (0 = success).
	Status int `json:"status,omitempty"`
	// RejectResult, RejectSource and RejectReason are A-ASSOCIATE-RJ fields.
	RejectResult int `json:"reject_result,omitempty"`
	RejectSource int `json:"reject_source,omitempty"`
	RejectReason int `json:"reject_reason,omitempty"`
	// PatientData is true when a data set carrying patient identification
	// (e.g. Patient's Name, Patient ID) crossed the wire in clear text. The
	// values themselves are never kept.
	PatientData bool `json:"patient_data,omitempty"`
	// UserIdentity is true when the association carried a user identity
	// sub-item; the credential itself is never kept.
	UserIdentity bool `json:"user_identity,omitempty"`
}

// HL7 holds HL7 v2 message header facts (MSH) and acknowledgements.
type HL7 struct {
	SendingApp        string `json:"sending_app,omitempty"`
	SendingFacility   string `json:"sending_facility,omitempty"`
	ReceivingApp      string `json:"receiving_app,omitempty"`
	ReceivingFacility string `json:"receiving_facility,omitempty"`
	MessageType       string `json:"message_type,omitempty"` // e.g. "ADT^A01"
	ControlID         string `json:"control_id,omitempty"`
	Version           string `json:"version,omitempty"`
	AckCode           string `json:"ack_code,omitempty"` // MSA-1 of an ACK: AA, AE, AR, CA, CE, CR
	// PatientData is true when the message carried a PID segment.
	PatientData bool `json:"patient_data,omitempty"`
}

// SMB holds SMB facts.
type SMB struct {
	Version  int      `json:"version,omitempty"`  // 1, 2 or 3
	Dialects []string `json:"dialects,omitempty"` // offered or chosen dialects, e.g. "NT LM 0.12", "2.1", "3.1.1"
	Command  string   `json:"command,omitempty"`  // e.g. "NEGOTIATE", "SESSION_SETUP", "TRANS2", "TREE_CONNECT"
	// Subcommand is a TRANS2/TRANSACTION sub-command name, e.g. "SESSION_SETUP"
	// (trans2 0x000e, the EternalBlue/DoublePulsar pattern).
	Subcommand string `json:"subcommand,omitempty"`
	Share      string `json:"share,omitempty"`
	File       string `json:"file,omitempty"`
	Status     uint32 `json:"status,omitempty"` // NT status
	// Anomaly names a protocol pattern known from exploitation, e.g.
	// "trans2-session-setup", "oversized-fea-list", "compression-transform"
	// (SMBGhost); empty when none.
	Anomaly string `json:"anomaly,omitempty"`
}

// Process holds process activity facts.
type Process struct {
	PID         int    `json:"pid,omitempty"`
	Name        string `json:"name,omitempty"`
	Path        string `json:"path,omitempty"`
	CommandLine string `json:"cmd_line,omitempty"`
	ParentPath  string `json:"parent_path,omitempty"`
	User        string `json:"user,omitempty"`
}

// File holds file activity facts.
type File struct {
	Path    string `json:"path,omitempty"`
	NewPath string `json:"new_path,omitempty"` // renames
	Hash    string `json:"hash,omitempty"`
	// Signed is "yes", "no" or "" (unknown), for firmware and executables.
	Signed string `json:"signed,omitempty"`
}

// Event is one normalised observation. Parsers fill what they know; the
// zero value of a field means "not known".
type Event struct {
	Time     time.Time `json:"time"`
	Class    Class     `json:"class_uid"`
	Activity string    `json:"activity,omitempty"` // e.g. "open", "close", "traffic", "logon", "launch", "rename", "associate", "reject"
	// Status is "success", "failure" or "" (unknown).
	Status string `json:"status,omitempty"`
	// Source is the input that produced the event: "syslog", "zeek",
	// "suricata", "netflow", "pcap", "jsonl".
	Source string `json:"source"`
	// Product is the log producer within the source, e.g. "sshd",
	// "zeek:conn", "Microsoft-Windows-Security-Auditing".
	Product  string   `json:"product,omitempty"`
	Host     string   `json:"host,omitempty"` // the host that logged the event
	Src      Endpoint `json:"src_endpoint,omitzero"`
	Dst      Endpoint `json:"dst_endpoint,omitzero"`
	Protocol string   `json:"protocol,omitempty"` // "tcp", "udp", "icmp"
	App      string   `json:"app,omitempty"`      // application protocol: "dicom", "hl7", "smb", "ssh", "dns", ...
	BytesIn  int64    `json:"bytes_in,omitempty"`
	BytesOut int64    `json:"bytes_out,omitempty"`
	Packets  int64    `json:"packets,omitempty"`
	User     string   `json:"user,omitempty"`
	// Message is the log message where there is one. Parsers must not put
	// packet payloads here.
	Message string   `json:"message,omitempty"`
	DICOM   *DICOM   `json:"dicom,omitempty"`
	HL7     *HL7     `json:"hl7,omitempty"`
	SMB     *SMB     `json:"smb,omitempty"`
	Process *Process `json:"process,omitempty"`
	File    *File    `json:"file,omitempty"`
	// Fields are the source's own fields by their own names (a Windows
	// event's "EventID", a Zeek log's "id.orig_h", an EVE record's
	// "alert.signature"), kept for Sigma rules written against them.
	Fields map[string]string `json:"fields,omitempty"`
}

// Field returns the value of a named field: first the event's own source
// fields, then OCSF paths such as "src_endpoint.ip", "dicom.calling_ae".
func (e *Event) Field(name string) (string, bool) {
	if v, ok := e.Fields[name]; ok {
		return v, true
	}
	return e.ocsfField(name)
}

func (e *Event) ocsfField(name string) (string, bool) {
	switch name {
	case "class_uid":
		return strconv.Itoa(int(e.Class)), true
	case "class_name":
		return e.Class.String(), true
	case "activity_name":
		return e.Activity, e.Activity != ""
	case "status":
		return e.Status, e.Status != ""
	case "metadata.product.name":
		return e.Product, e.Product != ""
	case "device.hostname":
		return e.Host, e.Host != ""
	case "src_endpoint.ip":
		return addr(e.Src.IP)
	case "dst_endpoint.ip":
		return addr(e.Dst.IP)
	case "src_endpoint.port":
		return port(e.Src.Port)
	case "dst_endpoint.port":
		return port(e.Dst.Port)
	case "src_endpoint.hostname":
		return e.Src.Hostname, e.Src.Hostname != ""
	case "dst_endpoint.hostname":
		return e.Dst.Hostname, e.Dst.Hostname != ""
	case "connection_info.protocol_name":
		return e.Protocol, e.Protocol != ""
	case "app_name":
		return e.App, e.App != ""
	case "user.name", "actor.user.name":
		return e.User, e.User != ""
	case "message":
		return e.Message, e.Message != ""
	}
	return e.extField(name)
}

func (e *Event) extField(name string) (string, bool) {
	switch {
	case e.DICOM != nil && name == "dicom.calling_ae":
		return e.DICOM.CallingAE, e.DICOM.CallingAE != ""
	case e.DICOM != nil && name == "dicom.called_ae":
		return e.DICOM.CalledAE, e.DICOM.CalledAE != ""
	case e.DICOM != nil && name == "dicom.command":
		return e.DICOM.Command, e.DICOM.Command != ""
	case e.HL7 != nil && name == "hl7.sending_app":
		return e.HL7.SendingApp, e.HL7.SendingApp != ""
	case e.HL7 != nil && name == "hl7.message_type":
		return e.HL7.MessageType, e.HL7.MessageType != ""
	case e.Process != nil && name == "process.cmd_line":
		return e.Process.CommandLine, e.Process.CommandLine != ""
	case e.Process != nil && name == "process.file.path":
		return e.Process.Path, e.Process.Path != ""
	case e.Process != nil && name == "process.parent_process.file.path":
		return e.Process.ParentPath, e.Process.ParentPath != ""
	case e.File != nil && name == "file.path":
		return e.File.Path, e.File.Path != ""
	case e.SMB != nil && name == "smb.command":
		return e.SMB.Command, e.SMB.Command != ""
	}
	return "", false
}

func addr(a netip.Addr) (string, bool) {
	if !a.IsValid() {
		return "", false
	}
	return a.String(), true
}

func port(p uint16) (string, bool) {
	if p == 0 {
		return "", false
	}
	return strconv.Itoa(int(p)), true
}

// Sink receives events. Implementations must not keep the *Event after
// returning unless they copy it: inputs may reuse it.
type Sink interface {
	Event(e *Event)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(e *Event)

// Event calls f(e).
func (f SinkFunc) Event(e *Event) { f(e) }
