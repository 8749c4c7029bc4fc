package syslog

import (
	"sort"
	"strings"

	"github.com/airtight/airtight/detect"
)

// mapRecord builds the event for a parsed message: the syslog header and
// structured data in Fields, then the first producer mapping that knows
// the message.
func mapRecord(rec *record) *detect.Event {
	e := &detect.Event{
		Time:    rec.time,
		Class:   detect.ClassLog,
		Source:  Source,
		Product: rec.app,
		Host:    rec.host,
		Message: rec.msg,
		Fields:  headerFields(rec),
	}
	addSD(e.Fields, rec.sd)
	for _, m := range mappers {
		if m(rec, e) {
			break
		}
	}
	return e
}

// mappers are tried in order; each returns true when it classed the event.
var mappers = []func(*record, *detect.Event) bool{
	mapWindowsSD,
	mapDICOMSD,
	mapHL7SD,
	mapFirewallSD,
	mapFirmwareSD,
	mapSnare,
	mapSSHD,
	mapSudo,
	mapSu,
	mapAccounts,
	mapFirewallText,
	mapHL7Text,
}

func headerFields(rec *record) map[string]string {
	f := make(map[string]string, 8)
	set := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	set("facility", rec.facility)
	set("severity", rec.severity)
	set("hostname", rec.host)
	set("appname", rec.app)
	set("procid", rec.procID)
	set("msgid", rec.msgID)
	return f
}

// addSD copies structured-data parameters into fields under their own
// names (what Sigma rules use). When two elements share a parameter name,
// the later one (by SD-ID order) is kept as "SD-ID.name" as well.
func addSD(f map[string]string, sd map[string]map[string]string) {
	ids := make([]string, 0, len(sd))
	for id := range sd {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for k, v := range sd[id] {
			if _, taken := f[k]; taken {
				f[id+"."+k] = v
				continue
			}
			f[k] = v
		}
	}
}

// sdElement returns the parameters of the first SD-ELEMENT whose ID, less
// any "@enterprise" suffix, is name.
func sdElement(sd map[string]map[string]string, name string) (map[string]string, bool) {
	for id, params := range sd {
		base, _, _ := strings.Cut(id, "@")
		if base == name {
			return params, true
		}
	}
	return nil, false
}

func status(ok bool) string {
	if ok {
		return "success"
	}
	return "failure"
}
