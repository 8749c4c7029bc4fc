// Package zeek turns Zeek logs, in Zeek's TSV format (with its #separator,
// #fields and #types headers) or as JSON lines, into detect.Events.
//
// conn.log becomes network activity, smb_files and smb_mapping SMB
// activity, ssh, kerberos and ntlm authentication; every other log with a
// connection tuple is network activity with the log's name as App, and
// the rest (notice, syslog, ...) log events. Every field is kept in
// Event.Fields under Zeek's own name ("id.orig_h", "auth_success").
package zeek

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// Source is the Event.Source of every event from this package.
const Source = "zeek"

// Options configure reading. The zero value is usable.
type Options struct {
	// Path is the log's name ("conn", "ssh") for JSON input that carries
	// no "_path" field; by default it is guessed from the file name.
	Path   string
	Limits feed.Limits
}

// ReadFile parses r, a Zeek log in TSV or JSON-lines form, and hands each
// record's event to sink. Bad lines are counted and reported by name and
// line; header lines are not records.
func ReadFile(ctx context.Context, name string, r io.Reader, sink detect.Sink, o Options) (feed.Stats, error) {
	lim := o.Limits.WithDefaults()
	d := &decoder{lim: lim, hdr: defaultHeader(), jsonPath: o.Path}
	if d.jsonPath == "" {
		d.jsonPath = PathFromName(name)
	}
	c := &feed.Counter{Next: sink}
	var headers int64
	st, err := feed.ReadLines(ctx, name, r, lim, func(line []byte, _ int64) error {
		if line[0] == '#' {
			headers++
			return d.header(string(line))
		}
		e, err := d.line(line)
		if err != nil {
			return err
		}
		c.Event(e)
		return nil
	})
	st.Records -= headers
	st.Events = c.N
	return st, err
}

// knownPaths are Zeek log names, longest first so that "smb_files" wins
// over "files" when guessing from a file name.
var knownPaths = []string{
	"smb_mapping", "smb_files", "dce_rpc", "kerberos", "software", "tunnel",
	"notice", "syslog", "x509", "weird", "files", "modbus", "dnp3",
	"ntlm", "dhcp", "conn", "http", "ssh", "ssl", "rdp", "dns", "sip", "ftp", "smtp",
}

// PathFromName guesses the log name from a file name such as "conn.log",
// "ssh.2024-01-01-00-00-00.log.json" or "x_smb_files.log".
func PathFromName(name string) string {
	parts := strings.Split(strings.ToLower(filepath.Base(name)), ".")
	for i := len(parts) - 1; i >= 0; i-- {
		for _, p := range knownPaths {
			if parts[i] == p || strings.HasSuffix(parts[i], "_"+p) || strings.HasSuffix(parts[i], "-"+p) {
				return p
			}
		}
	}
	return ""
}

// event builds the event for one record from its flat fields.
func event(path string, f map[string]string) *detect.Event {
	e := &detect.Event{
		Time:    feed.Time(f["ts"]),
		Class:   detect.ClassLog,
		Source:  Source,
		Product: "zeek:" + path,
		Fields:  f,
	}
	e.Src.IP, e.Src.Port = feed.Addr(f["id.orig_h"]), feed.Port(f["id.orig_p"])
	e.Dst.IP, e.Dst.Port = feed.Addr(f["id.resp_h"]), feed.Port(f["id.resp_p"])
	e.Protocol = f["proto"]
	if m, ok := mappers[path]; ok {
		m(e, f)
	} else if e.Src.IP.IsValid() {
		e.Class = detect.ClassNetworkActivity
		e.App = path
	}
	return e
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{feed.ErrSyntax}, args...)...)
}
