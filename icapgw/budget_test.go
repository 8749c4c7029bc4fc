package icapgw

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/vault"
)

// gateScanner holds every scan until release is closed (or, with
// ignoreCtx unset, the scan's deadline passes); entered gets one value
// per scan that started.
type gateScanner struct {
	inner     dlp.ContentScanner
	entered   chan struct{}
	release   chan struct{}
	ignoreCtx bool // a stuck scanner: it outlives ScanTimeout
}

func newGate(inner dlp.ContentScanner, n int) *gateScanner {
	return &gateScanner{inner: inner, entered: make(chan struct{}, n), release: make(chan struct{})}
}

func (g *gateScanner) ScanContent(ctx context.Context, name string, r io.Reader) (*dlp.Report, error) {
	g.entered <- struct{}{}
	if g.ignoreCtx {
		<-g.release
	} else {
		select {
		case <-g.release:
		case <-ctx.Done():
		}
	}
	return g.inner.ScanContent(ctx, name, r)
}

// probeScanner records the most memory the server held while it scanned.
type probeScanner struct {
	inner dlp.ContentScanner
	srv   atomic.Pointer[Server]
	seen  atomic.Int64
}

func (p *probeScanner) ScanContent(ctx context.Context, name string, r io.Reader) (*dlp.Report, error) {
	if s := p.srv.Load(); s != nil {
		p.seen.Store(max(p.seen.Load(), s.BufferedBytes()))
	}
	return p.inner.ScanContent(ctx, name, r)
}

type panicScanner struct{}

func (panicScanner) ScanContent(context.Context, string, io.Reader) (*dlp.Report, error) {
	panic("scanner bug")
}

// waitBuffered waits until the server holds want bytes (a scanner's
// deferred release may still be on its way when the answer arrives).
func waitBuffered(t *testing.T, s *Server, want int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.BufferedBytes() != want {
		if time.Now().After(deadline) {
			t.Fatalf("buffered bytes %d, want %d", s.BufferedBytes(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func isBusyBlock(r response) bool {
	return r.code == 200 && strings.HasPrefix(r.http, "HTTP/1.1 403") && bytes.Contains(r.body, []byte("scanner is busy"))
}

// TestBudgetConcurrentUploads sends more large clean uploads at once than
// the budget can hold while their scans are held: those that do not fit
// are blocked as unscannable (never 204), the budget is never exceeded,
// it returns to zero, and a retry then succeeds.
func TestBudgetConcurrentUploads(t *testing.T) {
	const limit, n = 256 << 10, 8
	gate := newGate(newEngineScanner(t), n)
	e := newEnv(t, func(c *Config) {
		c.Scanner = gate
		c.Limits.MaxBodyBytes = limit
		c.MaxBufferedBytes = minBudget(limit) // room for three buffers of 256 KiB
	})
	upload := icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: filler(200 << 10), preview: 4096, chunk: 8192}
	answers := make(chan response, n)
	for range n {
		c := dial(t, e.addr)
		go func() { answers <- c.do(t, upload) }()
	}
	// Every upload either reaches the (held) scanner or is answered busy.
	entered, busy := 0, 0
	for entered+busy < n {
		select {
		case <-gate.entered:
			entered++
		case r := <-answers:
			if !isBusyBlock(r) {
				t.Fatalf("answer while the scans are held: %d %q %s", r.code, r.http, r.body)
			}
			busy++
		}
		if used := e.srv.BufferedBytes(); used > e.srv.cfg.MaxBufferedBytes {
			t.Fatalf("buffered %d over the budget %d", used, e.srv.cfg.MaxBufferedBytes)
		}
	}
	if entered > 3 || busy < n-3 {
		t.Fatalf("%d scanned, %d refused: the budget fits three bodies", entered, busy)
	}
	if entered > 0 && e.srv.BufferedBytes() < int64(entered)*int64(len(upload.body)) {
		t.Fatalf("%d held scans reserve only %d bytes", entered, e.srv.BufferedBytes())
	}
	close(gate.release)
	for range entered {
		if r := <-answers; r.code != 204 {
			t.Errorf("scanned clean upload: %d %q", r.code, r.http)
		}
	}
	waitBuffered(t, e.srv, 0)
	if r := dial(t, e.addr).do(t, upload); r.code != 204 {
		t.Fatalf("retry after the load: %d %q", r.code, r.http)
	}
	waitBuffered(t, e.srv, 0)
	if !strings.Contains(e.logs.String(), "budget exhausted") {
		t.Error("no warning logged for refused uploads")
	}
}

// TestBudgetExhaustedAnswer checks the answer when the budget is spent
// (others hold it): the policy's unscannable action decides, and the
// connection stays in step for the next request.
func TestBudgetExhaustedAnswer(t *testing.T) {
	tests := []struct {
		name    string
		policy  string
		preview int
		no204   bool
		code    int
		check   func(response) bool
	}{
		{"default block", "testdata/policy.yaml", -1, false, 200, isBusyBlock},
		{"default block after preview", "testdata/policy.yaml", 1024, false, 200, isBusyBlock},
		{"block without 204", "testdata/policy.yaml", -1, true, 200, isBusyBlock},
		{"unscannable allowed with 204", "testdata/unscannable-allow.yaml", -1, false, 204, nil},
		{"unscannable allowed after preview", "testdata/unscannable-allow.yaml", 1024, false, 204, nil},
		{"unscannable allowed without 204", "testdata/unscannable-allow.yaml", -1, true, 500,
			func(r response) bool { return strings.Contains(r.header.Get("X-Airtight-Reason"), "busy") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Policy = mustPolicy(t, tt.policy) })
			other := e.srv.mem.Reserve() // other requests' bodies
			held := e.srv.cfg.MaxBufferedBytes - readChunk/2
			if !other.Grow(held) {
				t.Fatal("reserve")
			}
			c := dial(t, e.addr)
			q := icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: filler(200 << 10), preview: tt.preview, no204: tt.no204}
			r := c.do(t, q)
			if r.code != tt.code || (tt.check != nil && !tt.check(r)) {
				t.Fatalf("answer %d %q %v %s", r.code, r.http, r.header, r.body)
			}
			if got := e.srv.BufferedBytes(); got != held {
				t.Fatalf("buffered %d after the refused request, others hold %d", got, held)
			}
			other.Done()
			q.body = filler(5000)
			if r := c.do(t, q); r.code != 204 && !(tt.no204 && r.code == 200 && bytes.Equal(r.body, q.body)) {
				t.Fatalf("next request on the connection: %d %q", r.code, r.http)
			}
			waitBuffered(t, e.srv, 0)
		})
	}
}

// TestBudgetReleased checks that every path gives the reservation back,
// and that the body was counted while it was scanned.
func TestBudgetReleased(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(append(filler(100<<10), phiText...))
	zw.Close()
	b64 := "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"n.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"UGF0aWVudCBKb2huIFNtaXRoLCBTU04gMTIzLTQ1LTY3ODkuCg==\r\n--XyZ\r\nContent-Disposition: form-data; name=\"c\"\r\n\r\n" +
		string(filler(70<<10)) + "\r\n--XyZ--\r\n"
	reqmod := func(body []byte) icapReq {
		return icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: body, preview: -1}
	}
	withType := func(q icapReq, ct string) icapReq {
		q.httpReq = "POST /upload HTTP/1.1\r\nHost: files.example.org\r\nContent-Type: " + ct
		return q
	}
	noAllow := reqmod(filler(80 << 10))
	noAllow.no204 = true
	preview := reqmod(filler(80 << 10))
	preview.preview = 100
	tests := []struct {
		name    string
		q       icapReq
		mod     func(*Config)
		code    int
		scanned bool
	}{
		{"clean 204", reqmod(filler(80 << 10)), nil, 204, true},
		{"phi blocked", reqmod(append(filler(80<<10), phiText...)), nil, 200, true},
		{"echo unmodified", noAllow, nil, 200, true},
		{"preview then continue", preview, nil, 204, true},
		{"over the body limit", reqmod(filler(80 << 10)), func(c *Config) { c.Limits.MaxBodyBytes = 10 << 10 }, 200, false},
		{"gzip decoded copy", icapReq{method: "RESPMOD", service: "respmod", preview: -1, body: gz.Bytes(),
			httpReq: "GET /r HTTP/1.1\r\nHost: files.example.org", httpResp: "HTTP/1.1 200 OK\r\nContent-Encoding: gzip"}, nil, 200, true},
		{"multipart base64 parts", withType(reqmod([]byte(b64)), "multipart/form-data; boundary=XyZ"), nil, 200, true},
		{"url-encoded form", withType(reqmod([]byte("a=1&ssn=123-45-6789&name=John+Smith&dob=03%2F14%2F1962&x="+string(filler(50<<10)))),
			"application/x-www-form-urlencoded"), nil, 200, true},
		{"quarantined", reqmod([]byte(phiText)), func(c *Config) {
			v, err := vault.New(filepath.Join(t.TempDir(), "v"), make([]byte, vault.KeySize))
			if err != nil {
				t.Fatal(err)
			}
			c.Vault, c.Policy = v, mustPolicy(t, "testdata/quarantine.yaml")
		}, 200, true},
		{"scanner panic", reqmod(filler(80 << 10)), func(c *Config) { c.Scanner = panicScanner{} }, 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probe := &probeScanner{inner: newEngineScanner(t)}
			e := newEnv(t, func(c *Config) {
				c.Scanner = probe
				if tt.mod != nil {
					tt.mod(c)
				}
			})
			probe.srv.Store(e.srv)
			r := dial(t, e.addr).do(t, tt.q)
			if r.code != tt.code {
				t.Fatalf("answer %d %q", r.code, r.http)
			}
			if tt.scanned && probe.seen.Load() < int64(len(tt.q.body)) {
				t.Errorf("buffered %d while scanning a body of %d bytes", probe.seen.Load(), len(tt.q.body))
			}
			waitBuffered(t, e.srv, 0)
		})
	}
}

// TestBudgetAbandonedScanner: a scanner stuck past ScanTimeout keeps the
// body reserved (it may still read it) until it returns.
func TestBudgetAbandonedScanner(t *testing.T) {
	gate := newGate(newEngineScanner(t), 1)
	gate.ignoreCtx = true
	e := newEnv(t, func(c *Config) { c.Scanner, c.ScanTimeout = gate, 50*time.Millisecond })
	body := filler(100 << 10)
	r := dial(t, e.addr).do(t, icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: body, preview: -1})
	if r.code != 200 || !strings.HasPrefix(r.http, "HTTP/1.1 403") {
		t.Fatalf("timed-out scan: %d %q", r.code, r.http)
	}
	if got := e.srv.BufferedBytes(); got < int64(len(body)) {
		t.Fatalf("buffered %d while the abandoned scanner still reads %d bytes", got, len(body))
	}
	close(gate.release)
	waitBuffered(t, e.srv, 0)
}

// TestBudgetClientDisconnect: a client that goes away mid-body leaves
// nothing reserved.
func TestBudgetClientDisconnect(t *testing.T) {
	e := newEnv(t, nil)
	q := icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: filler(300 << 10), preview: -1, chunk: 8192}
	head, chunks := q.build()
	c := dial(t, e.addr)
	c.c.Write(head)
	c.c.Write(chunks(0, 200<<10)) // no last chunk
	deadline := time.Now().Add(10 * time.Second)
	for e.srv.BufferedBytes() < 200<<10 {
		if time.Now().After(deadline) {
			t.Fatalf("body not buffered: %d", e.srv.BufferedBytes())
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.c.Close()
	waitBuffered(t, e.srv, 0)
}

func TestBudgetConfig(t *testing.T) {
	tests := []struct {
		name     string
		maxBody  int64
		maxBuf   int64
		want     int64
		wantFail bool
	}{
		{"defaults", 0, 0, 512 << 20, false},
		{"large bodies raise the default", 256 << 20, 0, minBudget(256 << 20), false},
		{"explicit minimum", 1 << 20, minBudget(1 << 20), minBudget(1 << 20), false},
		{"below minimum", 1 << 20, minBudget(1<<20) - 1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Config{Scanner: newEngineScanner(t), Policy: mustPolicy(t, "testdata/policy.yaml"),
				Limits: Limits{MaxBodyBytes: tt.maxBody}, MaxBufferedBytes: tt.maxBuf})
			if (err != nil) != tt.wantFail {
				t.Fatalf("New: %v, want failure %v", err, tt.wantFail)
			}
			if err == nil && s.cfg.MaxBufferedBytes != tt.want {
				t.Fatalf("budget %d, want %d", s.cfg.MaxBufferedBytes, tt.want)
			}
		})
	}
}

func TestReadReserved(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		limit   int64
		budget  int64
		wantErr error
	}{
		{"fits", 100 << 10, 1 << 20, 1 << 20, nil},
		{"exactly the limit", 64 << 10, 64 << 10, 1 << 20, nil},
		{"over the limit", 64<<10 + 1, 64 << 10, 1 << 20, errTooLarge},
		{"budget spent", 300 << 10, 1 << 20, 256 << 10, errBudget},
		{"empty", 0, 10, 1 << 20, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBudget(tt.budget)
			res := b.Reserve()
			data := filler(tt.size)
			got, err := readReserved(bytes.NewReader(data), res, tt.limit)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if b.InUse() != 0 {
					t.Fatalf("failed read left %d reserved", b.InUse())
				}
				return
			}
			if !bytes.Equal(got, data) || b.InUse() != int64(cap(got)) {
				t.Fatalf("read %d bytes, cap %d, reserved %d", len(got), cap(got), b.InUse())
			}
			res.Shrink(int64(cap(got)))
			res.Done()
			if b.InUse() != 0 {
				t.Fatalf("%d left after release", b.InUse())
			}
		})
	}
}

func TestFormText(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{"name=John+Smith&ssn=123-45-6789", "name: John Smith\nssn: 123-45-6789\n", false},
		{"dob=03%2F14%2F1962&&x", "dob: 03/14/1962\nx: \n", false},
		{"a=%zz", "", true},
		{"a=%4", "", true},
		{"%41%62=%e2%82%ac", "Ab: \u20ac\n", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := formText([]byte(tt.in), nil)
			if (err != nil) != tt.bad || string(got) != tt.want {
				t.Fatalf("formText(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

// FuzzFormText: arbitrary forms never panic and never produce more text
// than scanForm reserves for them.
func FuzzFormText(f *testing.F) {
	for _, s := range []string{"name=John+Smith&ssn=123-45-6789&dob=03%2F14%2F1962", "a&b&&c=", "%", "x=%zz", "=&="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := formText(data, nil)
		if bound := len(data) + 3*(bytes.Count(data, []byte("&"))+1); err == nil && len(out) > bound {
			t.Fatalf("text %d bytes over the bound %d", len(out), bound)
		}
	})
}
