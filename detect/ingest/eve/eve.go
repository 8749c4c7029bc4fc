// Package eve turns Suricata's EVE JSON (one record per line) into
// detect.Events: alerts keep their signature, severity, category and
// MITRE ATT&CK metadata; flows become network activity with byte counts;
// SMB records SMB activity; fileinfo records file activity; dns, http, tls
// and anomaly records network activity with their protocol's fields.
// Every field is kept in Event.Fields under its dotted EVE name
// ("alert.signature_id", "smb.share").
package eve

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// Source is the Event.Source of every event from this package.
const Source = "suricata"

// ReadFile parses r as EVE JSON lines and hands each record's event to
// sink. Bad lines are counted and reported by name and line.
func ReadFile(ctx context.Context, name string, r io.Reader, sink detect.Sink, lim feed.Limits) (feed.Stats, error) {
	lim = lim.WithDefaults()
	c := &feed.Counter{Next: sink}
	st, err := feed.ReadLines(ctx, name, r, lim, func(line []byte, _ int64) error {
		e, err := Parse(line, lim)
		if err != nil {
			return err
		}
		c.Event(e)
		return nil
	})
	st.Events = c.N
	return st, err
}

// Parse decodes one EVE record.
func Parse(line []byte, lim feed.Limits) (*detect.Event, error) {
	f, err := feed.Flatten(line, lim)
	if err != nil {
		return nil, err
	}
	typ := f["event_type"]
	if typ == "" {
		return nil, fmt.Errorf("%w: no event_type", feed.ErrSyntax)
	}
	e := &detect.Event{
		Time:     feed.Time(f["timestamp"]),
		Class:    detect.ClassLog,
		Source:   Source,
		Product:  "suricata:" + typ,
		Host:     f["host"],
		Protocol: strings.ToLower(f["proto"]),
		App:      app(f["app_proto"]),
		Fields:   f,
	}
	e.Src.IP, e.Src.Port = feed.Addr(f["src_ip"]), feed.Port(f["src_port"])
	e.Dst.IP, e.Dst.Port = feed.Addr(f["dest_ip"]), feed.Port(f["dest_port"])
	if e.Src.IP.IsValid() {
		e.Class = detect.ClassNetworkActivity
		e.Activity = typ
	}
	if m, ok := mappers[typ]; ok {
		m(e, f)
	}
	return e, nil
}

// app drops Suricata's placeholders for an undetected protocol.
func app(s string) string {
	if s == "failed" || s == "unknown" {
		return ""
	}
	return s
}

var mappers = map[string]func(*detect.Event, map[string]string){
	"alert":    mapAlert,
	"flow":     mapFlow,
	"netflow":  mapFlow,
	"smb":      mapSMB,
	"fileinfo": mapFileinfo,
	"dns":      func(e *detect.Event, _ map[string]string) { e.App = "dns" },
	"http":     func(e *detect.Event, _ map[string]string) { e.App = "http" },
	"tls":      func(e *detect.Event, _ map[string]string) { e.App = "tls" },
	"anomaly":  func(e *detect.Event, f map[string]string) { e.Message = f["anomaly.event"] },
}

// mapAlert keeps the alert's facts; Message is the signature. The MITRE
// technique ids (alert.metadata.mitre_technique_id) stay in Fields.
func mapAlert(e *detect.Event, f map[string]string) {
	e.Activity = "alert"
	e.Message = f["alert.signature"]
	switch f["alert.action"] {
	case "blocked":
		e.Status = "failure"
	case "allowed":
		e.Status = "success"
	}
	addFlow(e, f)
}

func mapFlow(e *detect.Event, f map[string]string) {
	e.Activity = "traffic"
	if start := feed.Time(f["flow.start"]); !start.IsZero() {
		e.Time = start
	}
	addFlow(e, f)
}

// addFlow takes byte and packet counts: to_server is sent by Src.
func addFlow(e *detect.Event, f map[string]string) {
	e.BytesOut = feed.Int(f["flow.bytes_toserver"])
	e.BytesIn = feed.Int(f["flow.bytes_toclient"])
	e.Packets = feed.Int(f["flow.pkts_toserver"]) + feed.Int(f["flow.pkts_toclient"])
}

func mapSMB(e *detect.Event, f map[string]string) {
	e.Class = detect.ClassSMBActivity
	e.App = "smb"
	cmd := f["smb.command"]
	for _, p := range []string{"SMB1_COMMAND_", "SMB2_COMMAND_"} {
		cmd = strings.TrimPrefix(cmd, p)
	}
	e.Activity = strings.ToLower(cmd)
	e.SMB = &detect.SMB{
		Version: smbVersion(f["smb.dialect"]),
		Command: cmd,
		Share:   f["smb.share"],
		File:    f["smb.filename"],
		Status:  ntStatus(f["smb.status_code"]),
	}
	if d := f["smb.dialect"]; d != "" && d != "unknown" {
		e.SMB.Dialects = []string{d}
	}
}

// smbVersion maps an EVE dialect ("NT LM 0.12", "2.10", "3.11") to 1, 2 or 3.
func smbVersion(dialect string) int {
	switch {
	case strings.HasPrefix(dialect, "NT LM"), strings.HasPrefix(dialect, "PC NETWORK"), strings.HasPrefix(dialect, "LANMAN"):
		return 1
	case strings.HasPrefix(dialect, "2."):
		return 2
	case strings.HasPrefix(dialect, "3."):
		return 3
	}
	return 0
}

func ntStatus(s string) uint32 {
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(s), "0x"), 16, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

func mapFileinfo(e *detect.Event, f map[string]string) {
	e.Class = detect.ClassFileActivity
	e.Activity = "transfer"
	e.File = &detect.File{Path: f["fileinfo.filename"], Hash: firstOf(f["fileinfo.sha256"], f["fileinfo.sha1"], f["fileinfo.md5"])}
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
