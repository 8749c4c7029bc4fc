package zeek

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// header is the state Zeek's "#" lines set for the lines that follow.
type header struct {
	sep, setSep   string
	empty, unset  string
	path          string
	fields, types []string
}

func defaultHeader() header {
	return header{sep: "\t", setSep: ",", empty: "(empty)", unset: "-"}
}

type decoder struct {
	lim      feed.Limits
	hdr      header
	jsonPath string
}

// header applies one "#" line. "#separator" is followed by a space, the
// others by the separator.
func (d *decoder) header(line string) error {
	if v, ok := strings.CutPrefix(line, "#separator "); ok {
		sep := unescape(v)
		if sep == "" {
			return errorf("empty separator")
		}
		d.hdr = defaultHeader()
		d.hdr.sep = sep
		return nil
	}
	key, val, _ := strings.Cut(line[1:], d.hdr.sep)
	switch key {
	case "set_separator":
		d.hdr.setSep = unescape(val)
	case "empty_field":
		d.hdr.empty = val
	case "unset_field":
		d.hdr.unset = val
	case "path":
		d.hdr.path = val
	case "fields":
		names := strings.Split(val, d.hdr.sep)
		if len(names) > d.lim.MaxFields {
			d.hdr.fields = nil
			return fmt.Errorf("%w: #fields has %d (over %d)", feed.ErrTooManyFields, len(names), d.lim.MaxFields)
		}
		d.hdr.fields = names
	case "types":
		d.hdr.types = strings.Split(val, d.hdr.sep)
	}
	return nil // #open, #close and comments
}

// line decodes one data line: JSON when it starts with "{", else TSV in
// the current header's layout.
func (d *decoder) line(line []byte) (*detect.Event, error) {
	if line[0] == '{' {
		return d.json(line)
	}
	if d.hdr.fields == nil {
		return nil, errorf("data before a #fields header")
	}
	cols := strings.Split(string(line), d.hdr.sep)
	if len(cols) != len(d.hdr.fields) {
		return nil, errorf("%d columns, #fields names %d", len(cols), len(d.hdr.fields))
	}
	f := make(map[string]string, len(cols))
	for i, v := range cols {
		if v == d.hdr.unset {
			continue
		}
		if v == d.hdr.empty {
			f[d.hdr.fields[i]] = ""
			continue
		}
		f[d.hdr.fields[i]] = d.value(i, v)
	}
	return event(d.hdr.path, f), nil
}

// value unescapes one column; set and vector elements are unescaped one
// by one and joined with ",".
func (d *decoder) value(i int, v string) string {
	if i < len(d.hdr.types) && isContainer(d.hdr.types[i]) {
		elems := strings.Split(v, d.hdr.setSep)
		for j, el := range elems {
			elems[j] = unescape(el)
		}
		return strings.Join(elems, ",")
	}
	return unescape(v)
}

func isContainer(typ string) bool {
	return strings.HasPrefix(typ, "set[") || strings.HasPrefix(typ, "vector[")
}

// unescape undoes Zeek's ASCII writer escaping: "\xHH" for separators and
// unprintable bytes, "\\" for a backslash.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b bytes.Buffer
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] != '\\' || i+1 >= len(s):
			b.WriteByte(s[i])
		case s[i+1] == '\\':
			b.WriteByte('\\')
			i++
		case s[i+1] == 'x' && i+3 < len(s):
			if n, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// json decodes one JSON-lines record. Its log name comes from "_path",
// else from the reader's options or file name.
func (d *decoder) json(line []byte) (*detect.Event, error) {
	f, err := feed.Flatten(line, d.lim)
	if err != nil {
		return nil, err
	}
	path := f["_path"]
	if path == "" {
		path = d.jsonPath
	}
	return event(path, f), nil
}
