package icapgw

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/policy"
)

// engineScanner is the test stand-in for the format-aware scanner: the
// free-text engine over the raw bytes.
type engineScanner struct {
	e     *dlp.Engine
	mu    sync.Mutex
	names []string
	sizes []int
}

func newEngineScanner(t testing.TB) *engineScanner {
	e, err := dlp.New(dlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &engineScanner{e: e}
}

func (s *engineScanner) ScanContent(ctx context.Context, name string, r io.Reader) (*dlp.Report, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.names = append(s.names, name)
	s.sizes = append(s.sizes, len(data))
	s.mu.Unlock()
	rep := &dlp.Report{Bytes: int64(len(data)), Parts: 1}
	for _, f := range s.e.Scan(data) {
		rep.Findings = append(rep.Findings, dlp.Located{Finding: f})
	}
	return rep, ctx.Err()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type env struct {
	srv     *Server
	addr    string
	scanner *engineScanner
	logs    *lockedBuffer
}

func newEnv(t testing.TB, mod func(*Config)) *env {
	t.Helper()
	pol, err := policy.Load("testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{scanner: newEngineScanner(t), logs: &lockedBuffer{}}
	cfg := Config{Scanner: e.scanner, Policy: pol, ISTag: "test-1", Contact: "the privacy office",
		Logger: slog.New(slog.NewJSONHandler(e.logs, nil))}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	e.srv, e.addr = srv, l.Addr().String()
	return e
}

// response is a parsed ICAP response.
type response struct {
	code   int
	header textproto.MIMEHeader
	http   string // encapsulated HTTP header block
	body   []byte // decoded encapsulated body
}

// client speaks ICAP over one connection.
type client struct {
	c  net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{c: c, br: bufio.NewReader(c)}
}

// icapReq describes a REQMOD or RESPMOD request to build.
type icapReq struct {
	method   string // REQMOD or RESPMOD
	service  string
	httpReq  string // HTTP request header block without the final blank line
	httpResp string // for RESPMOD
	body     []byte
	preview  int // -1: none
	no204    bool
	chunk    int // chunk size used; default 1000
}

func (q icapReq) build() (head []byte, bodyChunks func(from, to int) []byte) {
	var enc []string
	var sections bytes.Buffer
	if q.httpReq != "" {
		enc = append(enc, fmt.Sprintf("req-hdr=%d", sections.Len()))
		sections.WriteString(q.httpReq + "\r\n\r\n")
	}
	if q.httpResp != "" {
		enc = append(enc, fmt.Sprintf("res-hdr=%d", sections.Len()))
		sections.WriteString(q.httpResp + "\r\n\r\n")
	}
	bodyName := "req-body"
	if q.method == "RESPMOD" {
		bodyName = "res-body"
	}
	if q.body != nil {
		enc = append(enc, fmt.Sprintf("%s=%d", bodyName, sections.Len()))
	} else {
		enc = append(enc, fmt.Sprintf("null-body=%d", sections.Len()))
	}
	var h bytes.Buffer
	fmt.Fprintf(&h, "%s icap://icap.test/%s ICAP/1.0\r\nHost: icap.test\r\n", q.method, q.service)
	if !q.no204 {
		h.WriteString("Allow: 204\r\n")
	}
	if q.preview >= 0 {
		fmt.Fprintf(&h, "Preview: %d\r\n", q.preview)
	}
	fmt.Fprintf(&h, "Encapsulated: %s\r\n\r\n", strings.Join(enc, ", "))
	h.Write(sections.Bytes())
	chunk := q.chunk
	if chunk == 0 {
		chunk = 1000
	}
	return h.Bytes(), func(from, to int) []byte {
		var b bytes.Buffer
		for i := from; i < to; i += chunk {
			end := min(i+chunk, to)
			fmt.Fprintf(&b, "%x\r\n%s\r\n", end-i, q.body[i:end])
		}
		return b.Bytes()
	}
}

// do sends q, honouring a preview (100 Continue), and reads the answer.
func (c *client) do(t testing.TB, q icapReq) response {
	t.Helper()
	head, chunks := q.build()
	c.c.Write(head)
	if q.body == nil {
		return c.read(t)
	}
	if q.preview < 0 {
		c.c.Write(append(chunks(0, len(q.body)), "0\r\n\r\n"...))
		return c.read(t)
	}
	pv := min(q.preview, len(q.body))
	if pv == len(q.body) {
		c.c.Write(append(chunks(0, pv), "0; ieof\r\n\r\n"...))
		return c.read(t)
	}
	c.c.Write(append(chunks(0, pv), "0\r\n\r\n"...))
	r := c.read(t)
	if r.code != 100 {
		return r
	}
	c.c.Write(append(chunks(pv, len(q.body)), "0\r\n\r\n"...))
	return c.read(t)
}

func (c *client) read(t testing.TB) response {
	t.Helper()
	tp := textproto.NewReader(c.br)
	line, err := tp.ReadLine()
	if err != nil {
		t.Fatalf("read status: %v", err)
	}
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "ICAP/1.0" {
		t.Fatalf("status line %q", line)
	}
	code, _ := strconv.Atoi(f[1])
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("read header: %v", err)
	}
	r := response{code: code, header: h}
	if code == 100 {
		return r
	}
	enc := h.Get("Encapsulated")
	var hdrLen int
	hasBody := false
	for _, e := range strings.Split(enc, ",") {
		name, off, _ := strings.Cut(strings.TrimSpace(e), "=")
		n, _ := strconv.Atoi(off)
		if strings.HasSuffix(name, "-body") && name != "null-body" {
			hdrLen, hasBody = n, true
		} else if name == "null-body" {
			hdrLen = n
		}
	}
	buf := make([]byte, hdrLen)
	if _, err := io.ReadFull(c.br, buf); err != nil {
		t.Fatal(err)
	}
	r.http = string(buf)
	if hasBody {
		b := &body{limit: 1 << 30}
		lim := Limits{}
		lim.defaults()
		if _, err := readChunks(c.br, b, &lim); err != nil {
			t.Fatalf("read response body: %v", err)
		}
		r.body = b.Bytes()
	}
	return r
}

func mustPolicy(t testing.TB, path string) *policy.Policy {
	t.Helper()
	p, err := policy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
