package feed

import (
	"strconv"
	"strings"

	"github.com/airtight/airtight/detect"
)

// WindowsProduct is the provider of Windows Security events.
const WindowsProduct = "Microsoft-Windows-Security-Auditing"

// ClassifyWindows classes a Windows event from the EventData names in
// e.Fields (which must hold "EventID"): Security 4624/4625 logons,
// 4634/4647 logoffs and 4688 process creation; Sysmon 1 process creation
// and 3 network connections. It adds the Sysmon names Sigma rules use
// (Image, ParentImage) beside the Security log's own (NewProcessName,
// ParentProcessName). Other events keep their class.
func ClassifyWindows(e *detect.Event) {
	f := e.Fields
	alias(f, "Image", "NewProcessName")
	alias(f, "ParentImage", "ParentProcessName")
	sysmon := strings.Contains(f["Provider_Name"], "Sysmon") || strings.Contains(f["Channel"], "Sysmon")
	switch id := f["EventID"]; {
	case !sysmon && (id == "4624" || id == "4625"):
		e.Class = detect.ClassAuthentication
		e.Activity = "logon"
		e.Status = status(id == "4624")
		e.User = f["TargetUserName"]
		e.Src.IP = Addr(f["IpAddress"])
		e.Src.Port = Port(f["IpPort"])
		e.Src.Hostname = f["WorkstationName"]
		e.Dst.Hostname = e.Host
	case !sysmon && (id == "4634" || id == "4647"):
		e.Class = detect.ClassAuthentication
		e.Activity = "logoff"
		e.Status = "success"
		e.User = f["TargetUserName"]
	case id == "4688" && !sysmon, id == "1" && sysmon:
		windowsProcess(e)
	case id == "3" && sysmon:
		e.Class = detect.ClassNetworkActivity
		e.Activity = "traffic"
		e.Protocol = strings.ToLower(f["Protocol"])
		e.Src.IP, e.Src.Port = Addr(f["SourceIp"]), Port(f["SourcePort"])
		e.Dst.IP, e.Dst.Port = Addr(f["DestinationIp"]), Port(f["DestinationPort"])
		e.User = f["User"]
	}
}

func windowsProcess(e *detect.Event) {
	f := e.Fields
	e.Class = detect.ClassProcessActivity
	e.Activity = "launch"
	image := f["Image"]
	if image == "" {
		// Some forwarders carry only the command line: its first word
		// is the program.
		image, _, _ = strings.Cut(f["CommandLine"], " ")
	}
	e.Process = &detect.Process{
		Path:        image,
		Name:        BaseName(image),
		CommandLine: f["CommandLine"],
		ParentPath:  f["ParentImage"],
		User:        firstOf(f["User"], f["TargetUserName"], f["SubjectUserName"]),
		PID:         int(windowsPID(firstOf(f["ProcessId"], f["NewProcessId"]))),
	}
	e.User = e.Process.User
}

// windowsPID parses a decimal or 0x-hex process id.
func windowsPID(s string) int64 {
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		n, err := strconv.ParseInt(h, 16, 32)
		if err != nil {
			return 0
		}
		return n
	}
	return Int(s)
}

// BaseName is the last element of a Windows or Unix path.
func BaseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func alias(f map[string]string, name, from string) {
	if _, ok := f[name]; !ok && f[from] != "" {
		f[name] = f[from]
	}
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" && v != "-" {
			return v
		}
	}
	return ""
}

func status(ok bool) string {
	if ok {
		return "success"
	}
	return "failure"
}
