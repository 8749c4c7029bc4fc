// Package jsonl turns JSON events into detect.Events: ECS-style NDJSON
// (Elastic Common Schema: "@timestamp", "event.action"), Windows event JSON
// (flat, or nested Event.System / Event.EventData as in Sigma's regression
// data), and OCSF events as airtight writes them (json.Marshal of a
// detect.Event), which round-trip unchanged. Other objects are log events.
// Nested objects are flattened into Fields with dotted names.
//
// Input is one JSON object per line, or, when the first line is not a
// whole object, a stream of (pretty-printed) objects up to MaxDocument
// bytes in all. It also serves an HTTP endpoint that takes JSON lines by
// POST.
package jsonl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// Source is the Event.Source of events from this package (OCSF events
// keep their own).
const Source = "jsonl"

// Parse decodes one JSON object into an event.
func Parse(data []byte, lim feed.Limits) (*detect.Event, error) {
	f, err := feed.Flatten(data, lim)
	if err != nil {
		return nil, err
	}
	switch {
	case isOCSF(f):
		return parseOCSF(data)
	case isWindows(f):
		return windowsEvent(f), nil
	case isECS(f):
		return ecsEvent(f), nil
	}
	return &detect.Event{Class: detect.ClassLog, Source: Source, Time: feed.Time(firstOf(f["time"], f["timestamp"], f["ts"])),
		Message: firstOf(f["message"], f["msg"]), Fields: f}, nil
}

// isOCSF recognises an event airtight wrote: a numeric class_uid and a
// source.
func isOCSF(f map[string]string) bool {
	_, src := f["source"]
	return f["class_uid"] != "" && src && feed.Int(f["class_uid"]) > 0
}

func parseOCSF(data []byte) (*detect.Event, error) {
	var e detect.Event
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("%w: OCSF event: %s", feed.ErrSyntax, typeReason(err))
	}
	return &e, nil
}

func typeReason(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return "field " + te.Field + " holds JSON " + te.Value
	}
	return "invalid value"
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// isDocumentStart reports whether line opens an object it does not close
// (the first line of pretty-printed JSON).
func isDocumentStart(line []byte) bool {
	line = bytes.TrimSpace(line)
	return len(line) > 0 && line[0] == '{' && !json.Valid(line)
}

// windowsField maps flattened nested Windows JSON names to the flat names
// Sigma rules use.
func windowsField(k string) (string, bool) {
	switch {
	case strings.HasPrefix(k, "Event.EventData."):
		return strings.TrimPrefix(k, "Event.EventData."), true
	case strings.HasPrefix(k, "Event.UserData."):
		parts := strings.Split(k, ".")
		return parts[len(parts)-1], true
	}
	switch k {
	case "Event.System.EventID", "Event.System.EventID.#text":
		return "EventID", true
	case "Event.System.Channel":
		return "Channel", true
	case "Event.System.Computer":
		return "Computer", true
	case "Event.System.Provider.#attributes.Name":
		return "Provider_Name", true
	}
	return "", false
}
