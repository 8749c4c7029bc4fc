package jsonl

import (
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

func isECS(f map[string]string) bool {
	if _, ok := f["@timestamp"]; ok {
		return true
	}
	_, action := f["event.action"]
	_, category := f["event.category"]
	return action || category
}

// ecsEvent maps Elastic Common Schema names to the event; the class
// follows event.category.
func ecsEvent(f map[string]string) *detect.Event {
	e := &detect.Event{
		Time:     feed.Time(f["@timestamp"]),
		Class:    detect.ClassLog,
		Activity: f["event.action"],
		Status:   outcome(f["event.outcome"]),
		Source:   Source,
		Product:  firstOf(f["observer.product"], f["agent.type"], f["event.module"], f["event.dataset"]),
		Host:     firstOf(f["host.name"], f["host.hostname"], f["device.id"]),
		Protocol: f["network.transport"],
		App:      f["network.protocol"],
		User:     f["user.name"],
		Message:  f["message"],
		Fields:   f,
	}
	e.Src.IP, e.Src.Port = feed.Addr(f["source.ip"]), feed.Port(f["source.port"])
	e.Dst.IP, e.Dst.Port = feed.Addr(f["destination.ip"]), feed.Port(f["destination.port"])
	e.BytesOut = feed.Int(firstOf(f["source.bytes"], f["network.bytes"]))
	e.BytesIn = feed.Int(f["destination.bytes"])
	e.Packets = feed.Int(f["network.packets"])
	ecsProcess(e, f)
	ecsFile(e, f)
	ecsDICOM(e, f)
	e.Class = ecsClass(f)
	if e.Class == detect.ClassFileActivity && e.File == nil {
		e.File = &detect.File{}
	}
	if s := f["firmware.signature.status"]; s != "" || f["firmware.to"] != "" {
		e.Dst.Hostname = f["device.id"]
		if e.File == nil {
			e.File = &detect.File{}
		}
		e.File.Signed = signed(s)
	}
	return e
}

// ecsClass picks the class from event.category (the first that maps).
func ecsClass(f map[string]string) detect.Class {
	for _, c := range strings.Split(f["event.category"], ",") {
		switch c {
		case "file":
			return detect.ClassFileActivity
		case "process":
			return detect.ClassProcessActivity
		case "authentication", "session":
			return detect.ClassAuthentication
		case "network":
			return detect.ClassNetworkActivity
		case "configuration":
			if f["firmware.to"] != "" || strings.Contains(f["event.action"], "firmware") {
				return detect.ClassFileActivity // a firmware image installed
			}
		}
	}
	return detect.ClassLog
}

func ecsProcess(e *detect.Event, f map[string]string) {
	if f["process.name"] == "" && f["process.executable"] == "" && f["process.command_line"] == "" {
		return
	}
	e.Process = &detect.Process{
		PID:         int(feed.Int(f["process.pid"])),
		Name:        firstOf(f["process.name"], feed.BaseName(f["process.executable"])),
		Path:        f["process.executable"],
		CommandLine: f["process.command_line"],
		ParentPath:  f["process.parent.executable"],
		User:        f["user.name"],
	}
}

func ecsFile(e *detect.Event, f map[string]string) {
	path := f["file.path"]
	if path == "" {
		return
	}
	e.File = &detect.File{Path: path, Hash: firstOf(f["file.hash.sha256"], f["file.hash.sha1"], f["file.hash.md5"])}
	if e.Activity == "rename" || e.Activity == "renamed" {
		e.File.NewPath = path
		if old := firstOf(f["file.Ext.original.path"], f["file.original.path"]); old != "" {
			e.File.Path = old
		}
	}
}

func ecsDICOM(e *detect.Event, f map[string]string) {
	if f["dicom.calling_ae"] == "" && f["dicom.called_ae"] == "" {
		return
	}
	e.DICOM = &detect.DICOM{CallingAE: f["dicom.calling_ae"], CalledAE: f["dicom.called_ae"], Command: f["dicom.command"]}
}

func outcome(s string) string {
	switch s {
	case "success", "failure":
		return s
	}
	return ""
}

// signed maps a signature verdict to File.Signed.
func signed(s string) string {
	switch strings.ToLower(s) {
	case "valid", "ok", "good", "verified", "signed", "yes", "trusted":
		return "yes"
	case "missing", "none", "invalid", "bad", "unsigned", "failed", "expired", "untrusted", "no":
		return "no"
	}
	return ""
}
