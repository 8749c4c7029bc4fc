package ingest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"regexp"
)

// Format is an input format Sniff can tell from content.
type Format string

// Formats.
const (
	Unknown Format = ""
	Pcap    Format = "pcap"
	PcapNG  Format = "pcapng"
	Zeek    Format = "zeek"    // Zeek TSV with headers, or Zeek JSON lines
	EVE     Format = "eve"     // Suricata EVE JSON
	OCSF    Format = "ocsf"    // detect.Event JSON as airtight writes it
	ECS     Format = "ecs"     // Elastic Common Schema NDJSON
	JSON    Format = "json"    // other JSON events (Windows event JSON, ...)
	Syslog  Format = "syslog"  // RFC 5424 / RFC 3164 lines
	NetFlow Format = "netflow" // NetFlow v5, v9 or IPFIX export packet
)

func (f Format) String() string {
	if f == Unknown {
		return "unknown"
	}
	return string(f)
}

// sniffLen is how much Sniff wants to see.
const sniffLen = 4096

// Sniff tells the format from the first bytes of an input (up to 4 KiB
// are looked at).
func Sniff(first []byte) Format {
	if f := sniffBinary(first); f != Unknown {
		return f
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(first, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(text) == 0:
		return Unknown
	case text[0] == '#':
		if bytes.HasPrefix(text, []byte("#separator")) || bytes.Contains(firstLines(text, 16), []byte("\n#fields")) {
			return Zeek
		}
	case text[0] == '{':
		return sniffJSON(text)
	case syslogStart.Match(text):
		return Syslog
	}
	return Unknown
}

// syslogStart matches "<PRI>" followed by a version or a timestamp, or a
// daemon-written line without PRI ("Feb 22 16:45:20 host").
var syslogStart = regexp.MustCompile(`^(<\d{1,3}>(\d{1,2} |[A-Z][a-z]{2} [ \d]\d |\d{4}-\d\d-\d\dT|\S)|[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d \S)`)

func sniffBinary(b []byte) Format {
	if len(b) < 4 {
		return Unknown
	}
	switch binary.BigEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return Pcap
	case 0x0a0d0d0a:
		return PcapNG
	}
	version, second := binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:])
	switch {
	case version == 5 && second >= 1 && len(b) >= 24:
		return NetFlow
	case version == 9 && second >= 1 && len(b) >= 20:
		return NetFlow
	case version == 10 && second >= 16 && len(b) >= 16:
		return NetFlow
	}
	return Unknown
}

// sniffJSON tells JSON event kinds by their keys: from the first line when
// it is a whole object, else by looking for the keys in the text.
func sniffJSON(text []byte) Format {
	line, _, _ := bytes.Cut(text, []byte("\n"))
	var obj map[string]json.RawMessage
	if json.Unmarshal(line, &obj) != nil {
		obj = nil
	}
	has := func(key string) bool {
		if obj != nil {
			_, ok := obj[key]
			return ok
		}
		return bytes.Contains(text, []byte(`"`+key+`"`))
	}
	switch {
	case has("event_type") && (has("src_ip") || has("timestamp")):
		return EVE
	case has("class_uid") && has("source"):
		return OCSF
	case has("_path") || has("id.orig_h"):
		return Zeek
	case has("@timestamp") || has("event.action"):
		return ECS
	}
	return JSON
}

func firstLines(text []byte, n int) []byte {
	end := 0
	for i := 0; i < n; i++ {
		j := bytes.IndexByte(text[end:], '\n')
		if j < 0 {
			return text
		}
		end += j + 1
	}
	return text[:end]
}
