package syslog

import (
	"strconv"
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// mapWindowsSD maps a Windows event forwarded as RFC 5424: the event ID in
// MSGID (or an EventID parameter) and EventData in an SD-ELEMENT.
func mapWindowsSD(rec *record, e *detect.Event) bool {
	if _, win := sdElement(rec.sd, "win"); !win && !strings.HasPrefix(rec.app, "Microsoft-Windows") {
		return false
	}
	id := firstOf(e.Fields["EventID"], rec.msgID)
	if _, err := strconv.Atoi(id); err != nil {
		return false
	}
	windowsEvent(e, id)
	return true
}

// mapSnare maps a Windows event in Snare's tab-separated text
// ("MSWinEventLog\t1\tSecurity\t123\tDate\t4688\tProvider\tUser\tSIDType\t
// EventType\tComputer\tCategory\tData").
func mapSnare(rec *record, e *detect.Event) bool {
	text := rec.msg
	if rec.app == "MSWinEventLog" {
		text = "MSWinEventLog\t" + text
	}
	cols := strings.Split(text, "\t")
	if len(cols) < 13 || strings.TrimSpace(cols[0]) != "MSWinEventLog" {
		return false
	}
	f := e.Fields
	f["Channel"] = cols[2]
	f["EventID"] = cols[5]
	f["Provider_Name"] = cols[6]
	f["EventType"] = cols[9]
	f["Computer"] = cols[10]
	f["Category"] = cols[11]
	data := strings.TrimSpace(strings.Join(cols[12:], "\t"))
	if cols[5] == "4688" && data != "" {
		f["CommandLine"] = data
	}
	e.Message = data
	e.Host = cols[10]
	windowsEvent(e, cols[5])
	return true
}

// windowsEvent sets the event ID and provider and classes the event.
func windowsEvent(e *detect.Event, id string) {
	e.Fields["EventID"] = id
	if e.Product == "" || e.Product == "MSWinEventLog" {
		e.Product = feed.WindowsProduct
	}
	feed.ClassifyWindows(e)
}
