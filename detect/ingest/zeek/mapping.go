package zeek

import (
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// mappers class the logs that have a better class than their tuple.
var mappers = map[string]func(e *detect.Event, f map[string]string){
	"conn":        mapConn,
	"smb_files":   mapSMBFiles,
	"smb_mapping": mapSMBMapping,
	"ssh":         mapSSH,
	"kerberos":    mapKerberos,
	"ntlm":        mapNTLM,
	"notice":      mapNotice,
	"syslog":      mapSyslog,
}

func mapConn(e *detect.Event, f map[string]string) {
	e.Class = detect.ClassNetworkActivity
	e.Activity = "traffic"
	e.App = f["service"]
	e.BytesOut = feed.Int(f["orig_bytes"])
	e.BytesIn = feed.Int(f["resp_bytes"])
	e.Packets = feed.Int(f["orig_pkts"]) + feed.Int(f["resp_pkts"])
}

func mapSMBFiles(e *detect.Event, f map[string]string) {
	e.Class = detect.ClassSMBActivity
	e.App = "smb"
	action := strings.TrimPrefix(f["action"], "SMB::")
	e.Activity = strings.ToLower(strings.TrimPrefix(action, "FILE_"))
	e.SMB = &detect.SMB{Command: action, Share: f["path"], File: f["name"]}
	if prev := f["prev_name"]; prev != "" {
		e.Activity = "rename"
		e.File = &detect.File{Path: prev, NewPath: f["name"]}
	}
}

func mapSMBMapping(e *detect.Event, f map[string]string) {
	e.Class = detect.ClassSMBActivity
	e.App = "smb"
	e.Activity = "tree_connect"
	e.SMB = &detect.SMB{Command: "TREE_CONNECT", Share: f["path"]}
}

func mapSSH(e *detect.Event, f map[string]string) {
	e.Class = detect.ClassAuthentication
	e.Activity = "logon"
	e.App = "ssh"
	e.Status = success(f["auth_success"])
}

func mapKerberos(e *detect.Event, f map[string]string) {
	e.Class = detect.ClassAuthentication
	e.Activity = "logon"
	e.App = "kerberos"
	e.User = f["client"]
	e.Status = success(f["success"])
}

func mapNTLM(e *detect.Event, f map[string]string) {
	e.Class = detect.ClassAuthentication
	e.Activity = "logon"
	e.App = "ntlm"
	e.User = f["username"]
	e.Src.Hostname = f["hostname"]
	e.Status = success(f["success"])
}

func mapNotice(e *detect.Event, f map[string]string) {
	e.Activity = strings.ToLower(f["note"])
	e.Message = f["msg"]
	if !e.Src.IP.IsValid() {
		e.Src.IP = feed.Addr(f["src"])
		e.Dst.IP = feed.Addr(f["dst"])
	}
}

func mapSyslog(e *detect.Event, f map[string]string) {
	e.App = "syslog"
	e.Message = f["message"]
}

// success maps Zeek's bool ("T", "F", or true/false in JSON) to a status.
func success(v string) string {
	switch v {
	case "T", "true":
		return "success"
	case "F", "false":
		return "failure"
	}
	return ""
}
