package icapgw

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/vault"
	"github.com/airtight/airtight/internal/testtool"
)

var (
	phiText   = "Patient John Smith, DOB 03/14/1962, MRN 4471823, SSN 123-45-6789.\n"
	cleanText = "The cafeteria will serve pasta on Friday. Meeting at noon in room 4.\n"
)

const postHdr = "POST /upload HTTP/1.1\r\nHost: files.example.org\r\nContent-Type: text/plain"

// filler is clean text of n bytes.
func filler(n int) []byte {
	return []byte(strings.Repeat("the quick brown fox jumps over the lazy dog\n", n/44+1)[:n])
}

func TestModify(t *testing.T) {
	multipart := "--XyZ\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\nsee attached\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\n" +
		phiText + "\r\n--XyZ--\r\n"
	multipartB64 := "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"n.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"UGF0aWVudCBKb2huIFNtaXRoLCBTU04gMTIzLTQ1LTY3ODkuCg==\r\n--XyZ--\r\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(phiText))
	zw.Close()
	tests := []struct {
		name string
		q    icapReq
		code int
		http string // prefix of the encapsulated HTTP header
	}{
		{"clean upload 204", icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: []byte(cleanText), preview: -1}, 204, ""},
		{"phi upload blocked", icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: []byte(phiText), preview: -1}, 200, "HTTP/1.1 403"},
		{"phi to internal host allowed", icapReq{method: "REQMOD", service: "reqmod", body: []byte(phiText), preview: -1,
			httpReq: "POST /x HTTP/1.1\r\nHost: ehr.hospital.example:8443"}, 204, ""},
		{"phi after the preview is found", icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr,
			body: append(filler(10000), phiText...), preview: 1024}, 200, "HTTP/1.1 403"},
		{"clean with preview and continue", icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr,
			body: filler(10000), preview: 1024}, 204, ""},
		{"whole body in preview (ieof)", icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr,
			body: []byte(phiText), preview: 4096}, 200, "HTTP/1.1 403"},
		{"phi split across chunks", icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr,
			body: []byte(phiText), preview: -1, chunk: 7}, 200, "HTTP/1.1 403"},
		{"multipart file part", icapReq{method: "REQMOD", service: "reqmod", preview: 0, body: []byte(multipart),
			httpReq: "POST /upload HTTP/1.1\r\nHost: files.example.org\r\nContent-Type: multipart/form-data; boundary=XyZ"}, 200, "HTTP/1.1 403"},
		{"multipart base64 part", icapReq{method: "REQMOD", service: "reqmod", preview: -1, body: []byte(multipartB64),
			httpReq: "POST /upload HTTP/1.1\r\nHost: files.example.org\r\nContent-Type: multipart/form-data; boundary=XyZ"}, 200, "HTTP/1.1 403"},
		{"url-encoded form", icapReq{method: "REQMOD", service: "reqmod", preview: -1,
			body:    []byte("name=John+Smith&ssn=123-45-6789&dob=03%2F14%2F1962"),
			httpReq: "POST /form HTTP/1.1\r\nHost: forms.example.org\r\nContent-Type: application/x-www-form-urlencoded"}, 200, "HTTP/1.1 403"},
		{"malformed multipart is unscannable", icapReq{method: "REQMOD", service: "reqmod", preview: -1, body: []byte("--XyZ\r\nbroken"),
			httpReq: "POST /upload HTTP/1.1\r\nHost: files.example.org\r\nContent-Type: multipart/form-data; boundary=XyZ"}, 200, "HTTP/1.1 403"},
		{"respmod phi download blocked", icapReq{method: "RESPMOD", service: "respmod", preview: -1, body: []byte(phiText),
			httpReq: "GET /r HTTP/1.1\r\nHost: files.example.org", httpResp: "HTTP/1.1 200 OK\r\nContent-Type: text/plain"}, 200, "HTTP/1.1 403"},
		{"respmod gzip decoded", icapReq{method: "RESPMOD", service: "respmod", preview: -1, body: gz.Bytes(),
			httpReq: "GET /r HTTP/1.1\r\nHost: files.example.org", httpResp: "HTTP/1.1 200 OK\r\nContent-Encoding: gzip"}, 200, "HTTP/1.1 403"},
		{"unknown encoding unscannable", icapReq{method: "RESPMOD", service: "respmod", preview: -1, body: []byte(cleanText),
			httpReq: "GET /r HTTP/1.1\r\nHost: files.example.org", httpResp: "HTTP/1.1 200 OK\r\nContent-Encoding: br"}, 200, "HTTP/1.1 403"},
		{"no body", icapReq{method: "REQMOD", service: "reqmod", preview: -1, httpReq: "GET /x HTTP/1.1\r\nHost: a.example"}, 204, ""},
	}
	e := newEnv(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := dial(t, e.addr).do(t, tt.q)
			if r.code != tt.code || !strings.HasPrefix(r.http, tt.http) {
				t.Fatalf("got %d %q, want %d %q", r.code, r.http, tt.code, tt.http)
			}
			if r.code == 200 {
				for _, leak := range []string{"John", "4471823", "123-45-6789", "notes.txt"} {
					if bytes.Contains(r.body, []byte(leak)) {
						t.Errorf("block page leaks %q", leak)
					}
				}
			}
		})
	}
	for _, leak := range []string{"John", "Smith", "4471823", "123-45-6789", "notes.txt"} {
		if strings.Contains(e.logs.String(), leak) {
			t.Errorf("logs leak %q", leak)
		}
	}
}

// TestWholeBodyScanned proves the server reads and scans past the preview.
func TestWholeBodyScanned(t *testing.T) {
	e := newEnv(t, nil)
	body := append(filler(50000), phiText...)
	r := dial(t, e.addr).do(t, icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: body, preview: 100})
	if r.code != 200 {
		t.Fatalf("code %d", r.code)
	}
	if got := e.scanner.sizes[len(e.scanner.sizes)-1]; got != len(body) {
		t.Fatalf("scanner saw %d bytes of %d", got, len(body))
	}
}

func TestEcho(t *testing.T) {
	e := newEnv(t, nil)
	c := dial(t, e.addr)
	body := filler(3000)
	r := c.do(t, icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: body, preview: -1, no204: true})
	if r.code != 200 || r.http != postHdr+"\r\n\r\n" || !bytes.Equal(r.body, body) {
		t.Fatalf("echo: %d %q, body equal %v", r.code, r.http, bytes.Equal(r.body, body))
	}
	resp := "HTTP/1.1 200 OK\r\nContent-Type: text/plain"
	r = c.do(t, icapReq{method: "RESPMOD", service: "respmod", httpReq: "GET / HTTP/1.1\r\nHost: a.example", httpResp: resp,
		body: body, preview: 10, no204: true})
	if r.code != 200 || r.http != resp+"\r\n\r\n" || !bytes.Equal(r.body, body) {
		t.Fatalf("respmod echo on the same connection: %d %q", r.code, r.http)
	}
}

func TestOptionsAndErrors(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxConnections = 7 })
	c := dial(t, e.addr)
	c.c.Write([]byte("OPTIONS icap://icap.test/respmod ICAP/1.0\r\nHost: icap.test\r\n\r\n"))
	r := c.read(t)
	want := map[string]string{"Methods": "RESPMOD", "Istag": `"test-1"`, "Allow": "204", "Preview": "4096",
		"Max-Connections": "7", "Transfer-Preview": "*", "Encapsulated": "null-body=0"}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("OPTIONS %s = %q, want %q", k, got, v)
		}
	}
	c.c.Write([]byte("OPTIONS icap://icap.test/other ICAP/1.0\r\nHost: icap.test\r\n\r\n"))
	if r := c.read(t); r.code != 404 {
		t.Errorf("unknown service: %d", r.code)
	}
	c.c.Write([]byte("RESPMOD icap://icap.test/reqmod ICAP/1.0\r\nEncapsulated: null-body=0\r\n\r\n"))
	if r := c.read(t); r.code != 405 {
		t.Errorf("wrong method for service: %d", r.code)
	}
	for name, raw := range map[string]string{
		"bad version":       "REQMOD icap://x/reqmod ICAP/2.0\r\n\r\n",
		"no encapsulated":   "REQMOD icap://x/reqmod ICAP/1.0\r\nHost: x\r\n\r\n",
		"offsets backwards": "REQMOD icap://x/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=10, req-body=0\r\n\r\n",
		"body not last":     "REQMOD icap://x/reqmod ICAP/1.0\r\nEncapsulated: req-body=0, req-hdr=5\r\n\r\n",
		"huge chunk":        "REQMOD icap://x/reqmod ICAP/1.0\r\nEncapsulated: req-body=0\r\n\r\nfffffffffffffffff\r\n",
		"long line":         "REQMOD icap://x/reqmod ICAP/1.0\r\nX: " + strings.Repeat("a", 9000) + "\r\n\r\n",
		"header no blank":   "REQMOD icap://x/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, req-body=10\r\n\r\nGET / HTTP",
	} {
		t.Run(name, func(t *testing.T) {
			c := dial(t, e.addr)
			c.c.Write([]byte(raw))
			c.c.(*net.TCPConn).CloseWrite()
			line, _ := bufio.NewReader(c.c).ReadString('\n')
			if !strings.HasPrefix(line, "ICAP/1.0 400") && line != "" {
				t.Errorf("answer %q, want 400 or close", line)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.MaxBodyBytes = 1000 })
	r := dial(t, e.addr).do(t, icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: filler(5000), preview: -1})
	if r.code != 200 || !strings.HasPrefix(r.http, "HTTP/1.1 403") || !bytes.Contains(r.body, []byte("could not be checked")) {
		t.Fatalf("over-limit body: %d %q", r.code, r.http)
	}
}

func TestMaxConnections(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxConnections = 1 })
	first := dial(t, e.addr)
	first.c.Write([]byte("OPTIONS icap://x/reqmod ICAP/1.0\r\n\r\n"))
	first.read(t) // the first connection is being served
	second := dial(t, e.addr)
	second.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := second.br.ReadString('\n')
	if !strings.HasPrefix(line, "ICAP/1.0 503") {
		t.Fatalf("second connection: %q", line)
	}
}

func TestQuarantineUpload(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "v")
	v, err := vault.New(dir, make([]byte, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan *dlp.Quarantined, 1)
	e := newEnv(t, func(c *Config) {
		c.Vault = v
		c.Policy = mustPolicy(t, "testdata/quarantine.yaml")
		c.OnEvent = func(_ context.Context, ev *dlp.Event, q *dlp.Quarantined) error {
			if ev.Action != dlp.ActionQuarantine || ev.Destination != "files.example.org" || ev.Validate() != nil {
				t.Errorf("event %+v", ev)
			}
			events <- q
			return nil
		}
	})
	r := dial(t, e.addr).do(t, icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: []byte(phiText), preview: -1})
	if r.code != 200 || !bytes.Contains(r.body, []byte("held for review")) {
		t.Fatalf("quarantine answer %d %s", r.code, r.body)
	}
	items, _ := v.List()
	if len(items) != 1 || items[0].Channel != "icap" {
		t.Fatalf("vault items %+v", items)
	}
	if q := <-events; q == nil || q.VaultID != items[0].ID || q.Status != dlp.QuarantineHeld {
		t.Errorf("quarantine record %+v", q)
	}
}

func TestCICAPClient(t *testing.T) {
	bin := testtool.Path(t, "c-icap-client")
	e := newEnv(t, nil)
	host, port, _ := strings.Cut(e.addr, ":")
	dir := t.TempDir()
	late := filepath.Join(dir, "late-phi.txt")
	os.WriteFile(late, append(filler(20000), phiText...), 0o600)
	tests := []struct {
		name string
		args []string
		want string // in the output
		not  string
	}{
		{"options", []string{"-s", "reqmod"}, "Methods: REQMOD", ""},
		{"reqmod phi blocked", []string{"-s", "reqmod", "-f", "testdata/phi.txt", "-req", "http://upload.example.org/up", "-v"}, "HTTP/1.1 403 Forbidden", "Smith"},
		{"reqmod clean 204", []string{"-s", "reqmod", "-f", "testdata/clean.txt", "-req", "http://upload.example.org/up", "-v"}, "ICAP/1.0 204", " 403 Forbidden"},
		{"reqmod clean no204 unmodified", []string{"-s", "reqmod", "-f", "testdata/clean.txt", "-req", "http://upload.example.org/up", "-no204", "-v"}, "cafeteria will serve pasta", " 403 Forbidden"},
		{"respmod phi blocked", []string{"-s", "respmod", "-f", "testdata/phi.txt", "-resp", "http://upload.example.org/r", "-v"}, "HTTP/1.1 403 Forbidden", "Smith"},
		{"phi after a small preview", []string{"-s", "reqmod", "-f", late, "-req", "http://upload.example.org/up", "-w", "512", "-v"}, "HTTP/1.1 403 Forbidden", ""},
		{"internal host allowed", []string{"-s", "reqmod", "-f", "testdata/phi.txt", "-req", "http://ehr.hospital.example/up", "-v"}, "ICAP/1.0 204", " 403 Forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-i", host, "-p", port}, tt.args...)
			out, err := exec.Command(bin, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("c-icap-client: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), tt.want) || (tt.not != "" && strings.Contains(string(out), tt.not)) {
				t.Fatalf("output lacks %q or has %q:\n%s", tt.want, tt.not, out)
			}
		})
	}
	if n := len(e.scanner.sizes); n == 0 || e.scanner.sizes[n-2] != 20000+len(phiText) {
		t.Errorf("scanner sizes %v: the late-PHI file was not scanned whole", e.scanner.sizes)
	}
}
