package icapgw

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// Limits bound what one ICAP request may make the server read or keep.
type Limits struct {
	MaxLineBytes    int   // request and header lines, chunk-size lines; default 8 KiB
	MaxHeaders      int   // ICAP header fields; default 100
	MaxHeaderBytes  int   // ICAP header block; default 64 KiB
	MaxEncapsulated int   // encapsulated HTTP header sections together; default 64 KiB
	MaxChunkBytes   int64 // one chunk; default 16 MiB
	MaxBodyBytes    int64 // body kept for scanning; beyond it the content is unscannable; default 32 MiB
	MaxParts        int   // multipart form parts scanned; default 200
}

func (l *Limits) defaults() {
	set := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	set(&l.MaxLineBytes, 8<<10)
	set(&l.MaxHeaders, 100)
	set(&l.MaxHeaderBytes, 64<<10)
	set(&l.MaxEncapsulated, 64<<10)
	set(&l.MaxParts, 200)
	if l.MaxChunkBytes <= 0 {
		l.MaxChunkBytes = 16 << 20
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = 32 << 20
	}
}

// errProtocol marks malformed requests (answered 400, connection closed).
var errProtocol = errors.New("icap: malformed request")

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), errProtocol)
}

// request is a parsed ICAP request up to (not including) its body.
type request struct {
	Method  string
	URL     *url.URL
	Header  textproto.MIMEHeader
	Encaps  []encapEntry
	ReqHdr  []byte // raw encapsulated HTTP request header, with its blank line
	ResHdr  []byte // raw encapsulated HTTP response header
	HasBody bool   // req-body or res-body present
	Preview int    // -1: no preview
}

type encapEntry struct {
	name   string
	offset int
}

// readLine reads one CRLF (or LF) terminated line of at most max bytes.
func readLine(br *bufio.Reader, max int) (string, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		line = append(line, frag...)
		if len(line) > max {
			return "", protoErr("line longer than %d bytes", max)
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && len(line) > 0 {
			return "", io.ErrUnexpectedEOF
		}
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

// readRequest reads the request line, the ICAP headers and the
// encapsulated HTTP header sections.
func readRequest(br *bufio.Reader, lim *Limits) (*request, error) {
	line, err := readLine(br, lim.MaxLineBytes)
	if err != nil {
		return nil, err
	}
	method, rest, ok1 := strings.Cut(line, " ")
	rawURL, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || proto != "ICAP/1.0" {
		return nil, protoErr("bad request line")
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "icap" && u.Scheme != "icaps") {
		return nil, protoErr("bad ICAP URI")
	}
	req := &request{Method: method, URL: u, Preview: -1}
	if req.Header, err = readHeader(br, lim); err != nil {
		return nil, err
	}
	if err := req.parseEncapsulated(); err != nil {
		return nil, err
	}
	if p := req.Header.Get("Preview"); p != "" {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || int64(n) > lim.MaxChunkBytes {
			return nil, protoErr("bad Preview header")
		}
		req.Preview = n
	}
	return req, req.readSections(br, lim)
}

// readHeader reads header fields up to the blank line.
func readHeader(br *bufio.Reader, lim *Limits) (textproto.MIMEHeader, error) {
	h := textproto.MIMEHeader{}
	total, n := 0, 0
	var last string
	for {
		line, err := readLine(br, lim.MaxLineBytes)
		if err != nil {
			return nil, err
		}
		if line == "" {
			return h, nil
		}
		total += len(line)
		if n++; n > lim.MaxHeaders || total > lim.MaxHeaderBytes {
			return nil, protoErr("too many or too large headers")
		}
		if (line[0] == ' ' || line[0] == '\t') && last != "" { // obsolete folding
			vals := h[last]
			vals[len(vals)-1] += " " + strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, protoErr("bad header line")
		}
		last = textproto.CanonicalMIMEHeaderKey(k)
		h.Add(last, strings.TrimSpace(v))
	}
}

// parseEncapsulated parses "req-hdr=0, req-body=412": offsets must grow
// and a body entity (or null-body) must come last.
func (r *request) parseEncapsulated() error {
	v := r.Header.Get("Encapsulated")
	if v == "" {
		if r.Method == "OPTIONS" {
			return nil
		}
		return protoErr("missing Encapsulated header")
	}
	prev := -1
	for i, f := range strings.Split(v, ",") {
		name, off, ok := strings.Cut(strings.TrimSpace(f), "=")
		n, err := strconv.Atoi(off)
		if !ok || err != nil || n < 0 || n < prev || i >= 4 {
			return protoErr("bad Encapsulated header")
		}
		switch name {
		case "req-hdr", "res-hdr":
		case "req-body", "res-body", "null-body", "opt-body":
			if i != len(strings.Split(v, ","))-1 {
				return protoErr("body entity is not last in Encapsulated")
			}
			r.HasBody = name != "null-body"
		default:
			return protoErr("unknown Encapsulated entity")
		}
		prev = n
		r.Encaps = append(r.Encaps, encapEntry{name, n})
	}
	if len(r.Encaps) > 0 && r.Encaps[0].offset != 0 {
		return protoErr("first Encapsulated offset is not 0")
	}
	return nil
}

// readSections reads the encapsulated HTTP headers, whose lengths the
// offsets give, and splits them.
func (r *request) readSections(br *bufio.Reader, lim *Limits) error {
	if len(r.Encaps) == 0 {
		return nil
	}
	end := r.Encaps[len(r.Encaps)-1].offset
	last := r.Encaps[len(r.Encaps)-1].name
	if last == "req-hdr" || last == "res-hdr" {
		return protoErr("Encapsulated has no body entity")
	}
	if end > lim.MaxEncapsulated {
		return protoErr("encapsulated headers larger than %d bytes", lim.MaxEncapsulated)
	}
	buf := make([]byte, end)
	if _, err := io.ReadFull(br, buf); err != nil {
		return fmt.Errorf("read encapsulated headers: %w", err)
	}
	for i := 0; i+1 < len(r.Encaps); i++ {
		sec := buf[r.Encaps[i].offset:r.Encaps[i+1].offset]
		if !bytes.HasSuffix(sec, []byte("\r\n\r\n")) && !bytes.HasSuffix(sec, []byte("\n\n")) {
			return protoErr("encapsulated %s does not end with a blank line", r.Encaps[i].name)
		}
		switch r.Encaps[i].name {
		case "req-hdr":
			r.ReqHdr = sec
		case "res-hdr":
			r.ResHdr = sec
		}
	}
	return nil
}
