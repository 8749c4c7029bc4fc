package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer and a concurrent reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server runs a long-lived command until the returned stop is called.
type server struct {
	out, errOut *syncBuffer
	cancel      context.CancelFunc
	done        chan error
}

func start(t *testing.T, data string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{out: &syncBuffer{}, errOut: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: s.out, stderr: s.errOut, getenv: func(string) string { return "" }}
	go func() { s.done <- e.run(append(args, "--data", data, "--addr", "127.0.0.1:0")) }()
	t.Cleanup(func() { s.stop(t) })
	return s
}

var urlRE = regexp.MustCompile(`https?://127\.0\.0\.1:\d+`)

// url waits for the server to print where it listens.
func (s *server) url(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if u := urlRE.FindString(s.out.String()); u != "" {
			return u
		}
		select {
		case err := <-s.done:
			t.Fatalf("server exited: %v\n%s", err, s.errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server did not start:\n%s\n%s", s.out.String(), s.errOut.String())
	return ""
}

// stop cancels the command (as SIGTERM does) and checks it shut down cleanly.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("shutdown: %v\n%s", err, s.errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Error("server did not shut down within 30s")
	}
}

func TestServeTLSSelfSigned(t *testing.T) {
	data := t.TempDir()
	s := start(t, data, "serve")
	url := s.url(t)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("serve without TLS: %s", url)
	}
	pemBytes, err := os.ReadFile(filepath.Join(data, "tls", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("healthz over verified TLS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
	resp, err = client.Get(url + "/api/v1/devices")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unauthenticated device list: %d, want 401", resp.StatusCode)
	}
	if info, _ := os.Stat(filepath.Join(data, "tls", "key.pem")); info == nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: %v", info)
	}
	s.stop(t)
}

// The demo seeds a hospital, prints logins that work, and keeps its data
// across restarts.
func TestDemoSeedsAndKeepsData(t *testing.T) {
	data := t.TempDir()
	s := start(t, data, "demo", "--devices", "60")
	url := s.url(t)
	out := s.out.String()
	count := demoDeviceCount(t, url, out)
	if count != 60 {
		t.Errorf("demo shows %d devices, want 60", count)
	}
	s.stop(t)

	s2 := start(t, data, "demo", "--devices", "999")
	url = s2.url(t)
	out = s2.out.String()
	if !strings.Contains(out, "Data kept") {
		t.Errorf("restart did not say it kept the data:\n%s", out)
	}
	if n := demoDeviceCount(t, url, out); n != 60 {
		t.Errorf("after restart: %d devices, want the same 60", n)
	}
}

// demoDeviceCount logs in with the printed admin credentials and counts the
// hospital's devices through the API.
func demoDeviceCount(t *testing.T, url, out string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s+admin\s+\S+\s+(\S+@\S+)\s+(\S+)\s*$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no admin login printed:\n%s", out)
	}
	body, _ := json.Marshal(map[string]string{"email": m[1], "password": m[2]})
	jar := newJar()
	client := &http.Client{Jar: jar}
	resp, err := client.Post(url+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login with printed credentials: %d", resp.StatusCode)
	}
	n, cursor := 0, ""
	for {
		resp, err := client.Get(url + "/api/v1/devices?limit=500" + cursor)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Devices    []json.RawMessage `json:"devices"`
			NextCursor string            `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("device list: %d %v", resp.StatusCode, err)
		}
		n += len(page.Devices)
		if page.NextCursor == "" {
			return n
		}
		cursor = "&cursor=" + page.NextCursor
	}
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}
