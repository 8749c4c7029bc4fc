package jsonl

import (
	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

func isWindows(f map[string]string) bool {
	if _, ok := f["Event.System.EventID"]; ok {
		return true
	}
	if _, ok := f["Event.System.EventID.#text"]; ok {
		return true
	}
	_, id := f["EventID"]
	_, ch := f["Channel"]
	_, prov := f["Provider_Name"]
	return id && (ch || prov)
}

// windowsEvent maps a Windows event: nested names get their flat Sigma
// name beside the dotted one, then the event is classed by ID.
func windowsEvent(f map[string]string) *detect.Event {
	for k, v := range f {
		if name, ok := windowsField(k); ok {
			if _, taken := f[name]; !taken {
				f[name] = v
			}
		}
	}
	e := &detect.Event{
		Time:    feed.Time(firstOf(f["Event.System.TimeCreated.#attributes.SystemTime"], f["TimeCreated"], f["@timestamp"])),
		Class:   detect.ClassLog,
		Source:  Source,
		Product: firstOf(f["Provider_Name"], feed.WindowsProduct),
		Host:    f["Computer"],
		Fields:  f,
	}
	feed.ClassifyWindows(e)
	return e
}
