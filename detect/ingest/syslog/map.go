package syslog

import (
	"sort"
	"strings"

	"github.com/airtight/airtight/detect"
)

// mapRecord builds the event for a parsed message: the syslog header and
// structured data in Fields, then the first producer mapping that knows
// the message.
//
// nsd is countParams(rec.sd): the map is sized once for the header, the
// parameters and the few names the mappings add (EventID, Image,
// ParentImage, ...), instead of growing while they are added.
func mapRecord(rec *record, nsd int) *detect.Event {
	e := &detect.Event{
		Time:    rec.time,
		Class:   detect.ClassLog,
		Source:  Source,
		Product: rec.app,
		Host:    rec.host,
		Message: rec.msg,
		Fields:  headerFields(rec, nsd+mapperFields),
	}
	addSD(e.Fields, rec.sd)
	classify(rec, e)
	return e
}

// classify tries the producer mappings in order until one classes the
// event. The calls are direct, not through a table of functions, so that
// the record need not escape to the heap.
func classify(rec *record, e *detect.Event) {
	_ = mapWindowsSD(rec, e) || mapDICOMSD(rec, e) || mapHL7SD(rec, e) ||
		mapFirewallSD(rec, e) || mapFirmwareSD(rec, e) || mapSnare(rec, e) ||
		mapSSHD(rec, e) || mapSudo(rec, e) || mapSu(rec, e) || mapAccounts(rec, e) ||
		mapFirewallText(rec, e) || mapHL7Text(rec, e)
}

// mapperFields is room for the fields a mapping adds to an event's own:
// EventID and the Image and ParentImage aliases of a Windows event, the
// method and user flags of an sshd logon.
const mapperFields = 3

// headerFields are the six header fields; more is how many other fields
// the map is to have room for.
func headerFields(rec *record, more int) map[string]string {
	hdr := [...]struct{ k, v string }{
		{"facility", rec.facility}, {"severity", rec.severity}, {"hostname", rec.host},
		{"appname", rec.app}, {"procid", rec.procID}, {"msgid", rec.msgID},
	}
	n := more
	for _, h := range hdr {
		if h.v != "" {
			n++
		}
	}
	// A hint of at most 8 keeps the map in one small group.
	f := make(map[string]string, n)
	for _, h := range hdr {
		if h.v != "" {
			f[h.k] = h.v
		}
	}
	return f
}

// addSD copies structured-data parameters into fields under their own
// names (what Sigma rules use). When two elements share a parameter name,
// the later one (by SD-ID order) is kept as "SD-ID.name" as well.
func addSD(f map[string]string, sd map[string]map[string]string) {
	if len(sd) == 1 { // the usual case: nothing to order
		for id, params := range sd {
			addParams(f, id, params)
		}
		return
	}
	ids := make([]string, 0, len(sd))
	for id := range sd {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		addParams(f, id, sd[id])
	}
}

// addParams copies one element's parameters; a name already taken is
// kept as "SD-ID.name".
func addParams(f map[string]string, id string, params map[string]string) {
	for k, v := range params {
		if _, taken := f[k]; taken {
			f[id+"."+k] = v
			continue
		}
		f[k] = v
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
