package sigma

import (
	"strconv"
	"strings"
	"time"

	"github.com/airtight/airtight/detect"
)

// sigmaToOCSF maps Sigma's common field names (Sysmon/Windows, Zeek,
// generic network) to the OCSF paths detect.Event answers to.
var sigmaToOCSF = map[string]string{
	"Image":               "process.file.path",
	"NewProcessName":      "process.file.path",
	"CommandLine":         "process.cmd_line",
	"ProcessCommandLine":  "process.cmd_line",
	"ParentImage":         "process.parent_process.file.path",
	"ParentProcessName":   "process.parent_process.file.path",
	"TargetFilename":      "file.path",
	"SourceIp":            "src_endpoint.ip",
	"src_ip":              "src_endpoint.ip",
	"id.orig_h":           "src_endpoint.ip",
	"IpAddress":           "src_endpoint.ip",
	"SourceAddress":       "src_endpoint.ip",
	"SourcePort":          "src_endpoint.port",
	"src_port":            "src_endpoint.port",
	"id.orig_p":           "src_endpoint.port",
	"IpPort":              "src_endpoint.port",
	"DestinationIp":       "dst_endpoint.ip",
	"dst_ip":              "dst_endpoint.ip",
	"id.resp_h":           "dst_endpoint.ip",
	"DestAddress":         "dst_endpoint.ip",
	"DestinationPort":     "dst_endpoint.port",
	"dst_port":            "dst_endpoint.port",
	"id.resp_p":           "dst_endpoint.port",
	"DestinationHostname": "dst_endpoint.hostname",
	"SourceHostname":      "src_endpoint.hostname",
	"Computer":            "device.hostname",
	"ComputerName":        "device.hostname",
	"Hostname":            "device.hostname",
	"proto":               "connection_info.protocol_name",
	"Protocol":            "connection_info.protocol_name",
	"service":             "app_name",
	"TargetUserName":      "user.name",
	"SubjectUserName":     "user.name",
	"user":                "user.name",
	"username":            "user.name",
	"Message":             "message",
	"msg":                 "message",
}

// DetectEvent adapts a *detect.Event to the engine: the event's own Fields
// first, then Sigma names mapped to OCSF paths, then OCSF paths themselves.
type DetectEvent struct {
	E   *detect.Event
	src LogSource
}

// FromDetect wraps e; its log source is derived once, here (and shared,
// read-only, with other events that have the same source, product,
// channel, event id and class: see cachedLogSource).
func FromDetect(e *detect.Event) *DetectEvent {
	return &DetectEvent{E: e, src: cachedLogSource(e)}
}

// Field returns the value of a Sigma field name.
func (d *DetectEvent) Field(name string) (string, bool) {
	e := d.E
	if v, ok := e.Fields[name]; ok {
		return v, true
	}
	if v, ok := d.extra(name); ok {
		return v, true
	}
	if p, ok := sigmaToOCSF[name]; ok {
		if v, ok := e.Field(p); ok {
			return v, true
		}
	}
	return e.Field(name)
}

// extra answers names that are no plain OCSF path.
func (d *DetectEvent) extra(name string) (string, bool) {
	e := d.E
	switch name {
	case "User":
		if e.Process != nil && e.Process.User != "" {
			return e.Process.User, true
		}
		return e.User, e.User != ""
	case "ProcessId":
		if e.Process != nil && e.Process.PID != 0 {
			return strconv.Itoa(e.Process.PID), true
		}
	case "Hashes":
		if e.File != nil && e.File.Hash != "" {
			return e.File.Hash, true
		}
	case "OriginalFileName":
		if e.Process != nil && e.Process.Name != "" {
			return e.Process.Name, true
		}
	case "SourceFilename":
		if e.File != nil && e.File.NewPath != "" {
			return e.File.Path, true
		}
	}
	return "", false
}

// ocsfPaths are the OCSF paths detect.Event answers to; Values yields
// them so that it covers every value Field can return.
var ocsfPaths = []string{
	"activity_name", "status", "metadata.product.name", "device.hostname",
	"src_endpoint.ip", "dst_endpoint.ip", "src_endpoint.port", "dst_endpoint.port",
	"src_endpoint.hostname", "dst_endpoint.hostname", "connection_info.protocol_name",
	"app_name", "user.name", "message", "dicom.calling_ae", "dicom.called_ae",
	"dicom.command", "hl7.sending_app", "hl7.message_type", "process.cmd_line",
	"process.file.path", "process.parent_process.file.path", "file.path", "smb.command",
}

// extraNames are the names extra answers.
var extraNames = []string{"User", "ProcessId", "Hashes", "OriginalFileName", "SourceFilename"}

// Values yields the event's own fields, then its OCSF and extra values.
// The OCSF values are read from the event's structure directly (see
// ocsfValues) unless one of its own fields shadows an OCSF path.
func (d *DetectEvent) Values(yield func(name, value string) bool) {
	e := d.E
	shadowed := false
	for k, v := range e.Fields {
		shadowed = shadowed || isOCSFPath(k)
		if !yield(k, v) {
			return
		}
	}
	if shadowed {
		if !ocsfValuesByField(e, yield) {
			return
		}
	} else if !ocsfValues(e, yield) {
		return
	}
	d.extraValues(yield)
}

// valuesReference is Values as first written: every OCSF path through
// (*detect.Event).Field. Tests check Values against it.
func (d *DetectEvent) valuesReference(yield func(name, value string) bool) {
	e := d.E
	for k, v := range e.Fields {
		if !yield(k, v) {
			return
		}
	}
	if !ocsfValuesByField(e, yield) {
		return
	}
	d.extraValues(yield)
}

// ocsfValuesByField yields every OCSF path's value through
// (*detect.Event).Field; false when yield stopped.
func ocsfValuesByField(e *detect.Event, yield func(name, value string) bool) bool {
	for _, p := range ocsfPaths {
		if v, ok := e.Field(p); ok && !yield(p, v) {
			return false
		}
	}
	return true
}

func (d *DetectEvent) extraValues(yield func(name, value string) bool) {
	for _, n := range extraNames {
		if v, ok := d.extra(n); ok && !yield(n, v) {
			return
		}
	}
}

// LogSource is the event's Sigma log source.
func (d *DetectEvent) LogSource() LogSource { return d.src }

// Time is the event time.
func (d *DetectEvent) Time() time.Time { return d.E.Time }

// Device is the inventory device of the source endpoint when resolved,
// else its address, else the logging host.
func (d *DetectEvent) Device() (string, int64) {
	e := d.E
	switch {
	case e.Src.DeviceID != 0:
		return strconv.FormatInt(e.Src.DeviceID, 10), e.Src.DeviceID
	case e.Src.IP.IsValid():
		return e.Src.IP.String(), 0
	}
	return e.Host, 0
}

// detectLogSource derives the Sigma log source from Source, Product and
// Class: zeek:conn → product zeek, service conn; Windows channels and
// providers → product windows with service and category; Linux daemons
// from syslog → product linux with their services.
func detectLogSource(e *detect.Event) LogSource {
	var src LogSource
	switch {
	case strings.HasPrefix(e.Product, "zeek:") || e.Source == "zeek":
		svc := strings.TrimPrefix(e.Product, "zeek:")
		src = LogSource{Product: "zeek", Services: []string{svc}}
		if svc == "dns" {
			src.Categories = []string{"dns"}
		}
	case isWindows(e):
		ch := e.Fields["Channel"]
		if ch == "" && e.Product == "Microsoft-Windows-Security-Auditing" {
			ch = "Security"
		}
		src = WindowsLogSource(ch, e.Fields["EventID"])
	case e.Source == "syslog":
		src = linuxLogSource(e.Product)
	case e.Source != "":
		src = LogSource{Product: e.Source}
	}
	if c := classCategory(e); c != "" && !containsFold(src.Categories, c) {
		src.Categories = append(src.Categories, c)
	}
	return src
}

func isWindows(e *detect.Event) bool {
	if strings.HasPrefix(e.Product, "Microsoft-Windows-") {
		return true
	}
	_, ok := e.Fields["Channel"]
	return ok
}

// classCategory is the Sigma category of an OCSF class.
func classCategory(e *detect.Event) string {
	switch e.Class {
	case detect.ClassProcessActivity:
		return "process_creation"
	case detect.ClassFileActivity:
		if e.Activity == "rename" {
			return "file_rename"
		}
		if e.Activity == "delete" {
			return "file_delete"
		}
		return "file_event"
	case detect.ClassNetworkActivity:
		return "network_connection"
	}
	return ""
}
