package notify

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airtight/airtight/alert"
)

func sample() *alert.Alert {
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	return &alert.Alert{ID: 7, Source: "detect", Kind: "detect.smb.eternalblue", Severity: alert.Critical,
		Title: "EternalBlue-style SMB exploit | against PACS", Summary: "A worm = ransomware\nspreads this way.",
		Action: "Unplug it.", Technique: "T1210", DeviceID: 42, Subject: "device:42", Count: 3, FirstSeen: t0, LastSeen: t0.Add(time.Minute)}
}

func TestWebhookSignsBody(t *testing.T) {
	secret := []byte("s3cret")
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Airtight-Signature") != "sha256="+Sign(secret, body) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got.Store(body)
	}))
	defer srv.Close()
	w := &Webhook{URL: srv.URL + "/hook?token=abc", Secret: secret}
	if err := w.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	var a alert.Alert
	if err := json.Unmarshal(got.Load().([]byte), &a); err != nil || a.ID != 7 || a.Technique != "T1210" {
		t.Fatalf("received %+v (%v)", a, err)
	}
	bad := &Webhook{URL: srv.URL + "/hook?token=abc", Secret: []byte("wrong")}
	if err := bad.Send(context.Background(), sample()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestWebhookErrorHidesURL(t *testing.T) {
	w := &Webhook{URL: "http://127.0.0.1:1/hook?token=topsecret", Client: &http.Client{Timeout: time.Second}}
	err := w.Send(context.Background(), sample())
	if err == nil || strings.Contains(err.Error(), "topsecret") {
		t.Errorf("error = %v", err)
	}
}

func TestCEFEscaping(t *testing.T) {
	s := &Syslog{Host: "h", Version: "1.0"}
	msg := s.message(sample())
	for _, want := range []string{
		"<106>1 2026-11-28T10:01:00Z h airtight - alert - CEF:0|airtight|airtight|1.0|detect.smb.eternalblue|",
		`EternalBlue-style SMB exploit \| against PACS|10|`,
		`msg=A worm \= ransomware\nspreads this way.`, "cs2Label=mitreAttack cs2=T1210", "cnt=3", "cs1=42",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") {
		t.Errorf("not one line: %q", msg)
	}
}

func TestSyslogTCPOctetCounting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		n, _ := r.ReadString(' ')
		size, _ := strconv.Atoi(strings.TrimSpace(n))
		buf := make([]byte, size)
		io.ReadFull(r, buf)
		got <- string(buf)
	}()
	s := &Syslog{Network: "tcp", Addr: ln.Addr().String()}
	if err := s.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	if m := <-got; !strings.HasPrefix(m, "<106>1 ") || !strings.Contains(m, "CEF:0|") {
		t.Errorf("got %q", m)
	}
}

type fakeSender struct {
	mu    sync.Mutex
	fails int
	got   []int64
	block chan struct{}
}

func (f *fakeSender) Name() string { return "fake" }
func (f *fakeSender) Send(_ context.Context, a *alert.Alert) error {
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails > 0 {
		f.fails--
		return errors.New("down")
	}
	f.got = append(f.got, a.ID)
	return nil
}

func TestDispatcherRetriesAndDrops(t *testing.T) {
	f := &fakeSender{fails: 2}
	d := Start(Options{Backoff: time.Millisecond}, f)
	d.Notify(sample())
	low := sample()
	low.Severity = alert.Info
	d.Notify(low) // below the minimum severity
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := d.Stats(); st.Sent != 1 || st.Failed != 0 || st.Queued != 1 || len(f.got) != 1 {
		t.Errorf("stats %+v got %v", st, f.got)
	}

	blocked := &fakeSender{block: make(chan struct{})}
	d = Start(Options{QueueSize: 2}, blocked)
	for range 10 {
		d.Notify(sample())
	}
	close(blocked.block)
	d.Close(context.Background())
	// One in the worker's hands, two queued, the rest dropped.
	if st := d.Stats(); st.Dropped < 7 || st.Sent+st.Dropped != 10 {
		t.Errorf("burst stats %+v", st)
	}
}

type fakeAlerts struct {
	alert.Service
	out     *alert.Alert
	created bool
}

func (f *fakeAlerts) Raise(_ context.Context, a *alert.Alert) (*alert.Alert, bool, error) {
	return f.out, f.created, nil
}

func TestRaiserNotifiesOpenAndEscalation(t *testing.T) {
	f := &fakeSender{}
	d := Start(Options{}, f)
	store := &fakeAlerts{}
	r := &Raiser{Service: store, D: d}
	raise := func(sev alert.Severity, count int, created bool) {
		a := sample()
		a.Severity, a.Count = sev, count
		store.out, store.created = a, created
		r.Raise(context.Background(), a)
	}
	raise(alert.Medium, 1, true)    // opened: sent
	raise(alert.Medium, 2, false)   // repeat: not sent
	raise(alert.Low, 3, false)      // lower: not sent
	raise(alert.Critical, 4, false) // escalation: sent
	raise(alert.Critical, 5, false) // repeat: not sent
	d.Close(context.Background())
	if len(f.got) != 2 {
		t.Errorf("sent %d notifications, want 2", len(f.got))
	}
	// An alert opened before this process: its repeats are not re-sent.
	r2 := &Raiser{Service: store, D: Start(Options{}, f)}
	store.out, store.created = sample(), false
	r2.Raise(context.Background(), sample())
	r2.D.Close(context.Background())
	if len(f.got) != 2 {
		t.Errorf("a repeat after restart was sent")
	}
}
