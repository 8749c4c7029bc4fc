package smtpgw

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/emersion/go-smtp"
)

func TestReadMessage(t *testing.T) {
	const limit = 300 << 10
	tests := []struct {
		name    string
		size    int
		budget  int64
		wantErr error
	}{
		{"empty", 0, 1 << 20, nil},
		{"one chunk", readChunk - 1, 1 << 20, nil},
		{"exactly one chunk", readChunk, 1 << 20, nil},
		{"several growths", 200 << 10, 1 << 20, nil},
		{"at the limit", limit, headroom + limit + 1, nil},
		{"budget spent in the first chunk", 10, readChunk - 1, errBudget},
		{"budget spent while growing", 200 << 10, 3 * readChunk, errBudget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBudget(tt.budget)
			res := b.Reserve()
			data := bytes.Repeat([]byte("x"), tt.size)
			got, err := readMessage(iotest.HalfReader(bytes.NewReader(data)), res, limit)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			switch {
			case tt.wantErr != nil && b.InUse() != 0:
				t.Errorf("after %v, %d bytes still reserved", err, b.InUse())
			case tt.wantErr == nil && (len(got) < headroom || !bytes.Equal(got[headroom:], data)):
				t.Errorf("read %d bytes after the headroom, want %d", len(got)-headroom, len(data))
			case tt.wantErr == nil && b.InUse() != int64(cap(got)):
				t.Errorf("reserved %d, buffer capacity %d", b.InUse(), cap(got))
			}
			if b.InUse() > tt.budget {
				t.Errorf("reserved %d over budget %d", b.InUse(), tt.budget)
			}
			res.Done()
			if b.InUse() != 0 {
				t.Errorf("after done, %d bytes reserved", b.InUse())
			}
		})
	}
}

func TestReadMessageReaderError(t *testing.T) {
	b := newBudget(1 << 20)
	res := b.Reserve()
	boom := errors.New("connection reset")
	_, err := readMessage(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)), res, 1<<20)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	res.Done()
	if b.InUse() != 0 {
		t.Errorf("%d bytes reserved after a read error", b.InUse())
	}
}

// TestReservationHolders checks that the bytes go back only when the last
// holder (session, abandoned scanner) is done.
func TestReservationHolders(t *testing.T) {
	b := newBudget(100)
	res := b.Reserve()
	if !res.Grow(60) || res.Grow(41) {
		t.Fatal("grow does not follow the budget")
	}
	res.Hold()
	res.Done() // the session
	if b.InUse() != 60 {
		t.Fatalf("released while held: %d in use", b.InUse())
	}
	if !b.Fits(40) || b.Fits(41) {
		t.Fatal("fits does not follow the budget")
	}
	res.Done() // the abandoned scanner
	if b.InUse() != 0 {
		t.Fatalf("%d in use after the last holder", b.InUse())
	}
}

func TestNewBudgetTooSmall(t *testing.T) {
	base := Config{NextHop: "127.0.0.1:25", Scanner: newEngineScanner(t), Policy: allowAll{}}
	tests := []struct {
		name           string
		maxMsg, maxBuf int64
		wantErr        bool
	}{
		{"defaults", 0, 0, false},
		{"default grows with the message size", 1 << 30, 0, false},
		{"explicit minimum", 1 << 20, minBudget(1 << 20), false},
		{"below minimum", 1 << 20, minBudget(1<<20) - 1, true},
		{"negative message size", -1, 1 << 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			cfg.MaxMessageBytes, cfg.MaxBufferedBytes = tt.maxMsg, tt.maxBuf
			g, err := New(cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && g.cfg.MaxBufferedBytes < minBudget(g.cfg.MaxMessageBytes) {
				t.Errorf("budget %d below minimum for %d", g.cfg.MaxBufferedBytes, g.cfg.MaxMessageBytes)
			}
		})
	}
}

type allowAll struct{}

func (allowAll) Decide(*dlp.Report, dlp.Destination) dlp.Decision {
	return dlp.Decision{Action: dlp.ActionAllow}
}
func (allowAll) IsInternal(string) bool { return false }

// bigMessage is a clean message of about n bytes.
func bigMessage(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: dr.house@hospital.example\r\nTo: team@elsewhere.example\r\nSubject: Rota\r\n\r\n")
	for b.Len() < n {
		b.WriteString("The meeting moves to the small conference room on the third floor.\r\n")
	}
	return b.Bytes()
}

// budgetEnv is a gateway with MaxMessageBytes 128 KiB and the smallest
// budget for it.
func budgetEnv(t *testing.T, mod func(*Config)) *env {
	return newEnv(t, func(c *Config) {
		c.MaxMessageBytes = 128 << 10
		c.MaxBufferedBytes = minBudget(c.MaxMessageBytes)
		if mod != nil {
			mod(c)
		}
	})
}

// waitBuffered waits until cond holds for the gateway's reserved bytes.
func waitBuffered(t *testing.T, g *Gateway, what string, cond func(int64) bool) {
	t.Helper()
	for i := 0; !cond(g.BufferedBytes()); i++ {
		if i == 1000 {
			t.Fatalf("buffered bytes %d: never %s", g.BufferedBytes(), what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// gatedScanner blocks every scan until open is closed, after telling
// entered.
type gatedScanner struct {
	next    dlp.ContentScanner
	entered chan struct{}
	open    chan struct{}
}

func (s *gatedScanner) ScanContent(ctx context.Context, name string, r io.Reader) (*dlp.Report, error) {
	s.entered <- struct{}{}
	<-s.open
	return s.next.ScanContent(ctx, name, r)
}

// TestBudgetConcurrentSenders sends more large messages at once than the
// budget holds while the scanner is stalled: the ones that do not fit get
// 452 4.3.1 at the end of DATA, nothing is relayed for them, the budget
// is never exceeded, and their retries succeed once memory is free.
func TestBudgetConcurrentSenders(t *testing.T) {
	const senders = 6
	e := budgetEnv(t, func(c *Config) { c.ScanTimeout = time.Minute })
	gate := &gatedScanner{next: newEngineScanner(t), entered: make(chan struct{}, senders), open: make(chan struct{})}
	e.scanner.set(gate)
	msg := bigMessage(100 << 10)
	type result struct {
		code int
		text string
	}
	results := make(chan result, senders)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			c, text, err := trySend(e.addr, msg)
			if err != nil {
				t.Error(err)
				c = -1
			}
			results <- result{c, text}
		})
	}
	// Every sender either waits in the scanner or was turned away.
	var scanning, deferred int
	for scanning+deferred < senders {
		select {
		case <-gate.entered:
			scanning++
		case r := <-results:
			if r.code != 452 || !strings.HasPrefix(r.text, "4.3.1 Insufficient system storage") {
				t.Fatalf("turned away with %d %q, want 452 4.3.1", r.code, r.text)
			}
			deferred++
		}
	}
	if scanning == 0 || deferred == 0 {
		t.Fatalf("%d scanning, %d deferred: the budget did not divide the senders", scanning, deferred)
	}
	t.Logf("%d senders scanning, %d deferred", scanning, deferred)
	if used, max := e.gw.BufferedBytes(), e.gw.cfg.MaxBufferedBytes; used > max {
		t.Fatalf("%d bytes buffered, over the budget of %d", used, max)
	}
	close(gate.open)
	wg.Wait()
	close(results)
	for r := range results {
		if r.code != 250 {
			t.Errorf("scanned message: %d %q", r.code, r.text)
		}
	}
	if got := e.gw.BufferedBytes(); got != 0 {
		t.Fatalf("%d bytes still buffered after every reply", got)
	}
	for range deferred { // the senders retry
		if c, text := sendGo(t, e.addr, "dr.house@hospital.example", []string{"team@elsewhere.example"}, msg); c != 250 {
			t.Fatalf("retry: %d %q", c, text)
		}
	}
	if n := len(e.sink.received()); n != senders {
		t.Errorf("next hop got %d messages, want %d (each once)", n, senders)
	}
	if got := e.gw.BufferedBytes(); got != 0 {
		t.Errorf("%d bytes still buffered after the retries", got)
	}
}

// trySend sends msg like sendGo, from any goroutine.
func trySend(addr string, msg []byte) (int, string, error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	err = c.SendMail("dr.house@hospital.example", []string{"team@elsewhere.example"}, bytes.NewReader(msg))
	var se *smtp.SMTPError
	switch {
	case err == nil:
		return 250, "", nil
	case errors.As(err, &se):
		ec := se.EnhancedCode
		return se.Code, fmt.Sprintf("%d.%d.%d %s", ec[0], ec[1], ec[2], se.Message), nil
	}
	return 0, "", err
}

// sendSized sends msg declaring its size in MAIL FROM and returns the
// first negative reply, or 250.
func sendSized(t *testing.T, addr string, size int64, msg []byte) (int, string) {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("dr.house@hospital.example", &smtp.MailOptions{Size: size}); err != nil {
		return code(t, err)
	}
	if err := c.Rcpt("team@elsewhere.example", nil); err != nil {
		return code(t, err)
	}
	w, err := c.Data()
	if err != nil {
		return code(t, err)
	}
	w.Write(msg)
	if err := w.Close(); err != nil {
		return code(t, err)
	}
	return 250, ""
}

// TestBudgetDeclaredSize checks the answers to MAIL FROM with SIZE: 452
// when it does not fit into what is left of the budget, 552 above
// MaxMessageBytes, accepted once memory is free.
func TestBudgetDeclaredSize(t *testing.T) {
	e := budgetEnv(t, nil)
	msg := bigMessage(100 << 10)
	size := int64(len(msg))
	other := e.gw.mem.Reserve() // other sessions' messages
	if !other.Grow(e.gw.cfg.MaxBufferedBytes - size + 1) {
		t.Fatal("reserve")
	}
	if c, text := sendSized(t, e.addr, size, msg); c != 452 || !strings.HasPrefix(text, "4.3.1 ") {
		t.Fatalf("SIZE over the free budget: %d %q, want 452 4.3.1", c, text)
	}
	if c, text := sendSized(t, e.addr, e.gw.cfg.MaxMessageBytes+1, msg); c != 552 {
		t.Fatalf("SIZE over MaxMessageBytes: %d %q, want 552", c, text)
	}
	other.Done()
	if c, text := sendSized(t, e.addr, size, msg); c != 250 {
		t.Fatalf("SIZE that fits: %d %q", c, text)
	}
	if got := e.gw.BufferedBytes(); got != 0 {
		t.Errorf("%d bytes still buffered", got)
	}
}

// TestBudgetExhaustedMidData fills the budget from elsewhere so that a
// message runs out of it while being read: 452 after the data (the rest
// discarded, nothing relayed), 552 still wins for a message that is too
// large anyway, and the retry succeeds once memory is free.
func TestBudgetExhaustedMidData(t *testing.T) {
	e := budgetEnv(t, nil)
	other := e.gw.mem.Reserve()
	if !other.Grow(e.gw.cfg.MaxBufferedBytes - readChunk) { // room for the first chunk only
		t.Fatal("reserve")
	}
	held := e.gw.BufferedBytes()
	msg := bigMessage(100 << 10)
	if c, text := sendGo(t, e.addr, "dr.house@hospital.example", []string{"team@elsewhere.example"}, msg); c != 452 ||
		text != "4.3.1 Insufficient system storage, try again later" {
		t.Fatalf("reply %d %q, want 452 4.3.1", c, text)
	}
	if c, _ := sendGo(t, e.addr, "dr.house@hospital.example", []string{"team@elsewhere.example"}, bigMessage(200<<10)); c != 552 {
		t.Fatalf("too large and over budget: %d, want 552", c)
	}
	if got := e.gw.BufferedBytes(); got != held {
		t.Fatalf("%d bytes buffered, want the %d held elsewhere", got, held)
	}
	if n := len(e.sink.received()); n != 0 {
		t.Fatalf("next hop got %d messages", n)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "message buffer budget exhausted") {
		t.Error("exhaustion not logged")
	} else if strings.Contains(logs, "dr.house") || strings.Contains(logs, "team@") || strings.Contains(logs, "conference room") {
		t.Errorf("logs name people or content:\n%s", logs)
	}
	other.Done()
	if c, text := sendGo(t, e.addr, "dr.house@hospital.example", []string{"team@elsewhere.example"}, msg); c != 250 {
		t.Fatalf("retry: %d %q", c, text)
	}
	onlyMessage(t, e)
	if got := e.gw.BufferedBytes(); got != 0 {
		t.Errorf("%d bytes still buffered", got)
	}
}

// TestBudgetReleasedOnEveryPath checks that the budget is back to zero
// after every way a message can end.
func TestBudgetReleasedOnEveryPath(t *testing.T) {
	const house = "dr.house@hospital.example"
	failing := scannerFunc(func(context.Context, string, io.Reader) (*dlp.Report, error) {
		return nil, errors.New("extractor crashed")
	})
	panics := scannerFunc(func(context.Context, string, io.Reader) (*dlp.Report, error) { panic("boom") })
	waits := scannerFunc(func(ctx context.Context, _ string, _ io.Reader) (*dlp.Report, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	tests := []struct {
		name    string
		file    string
		to      string
		setup   func(t *testing.T, e *env)
		code    int
		relayed int
	}{
		{"relayed", "testdata/clean.eml", "team@elsewhere.example", nil, 250, 1},
		{"rejected", "testdata/phi.eml", "someone@elsewhere.example", nil, 550, 0},
		{"quarantined", "testdata/phi.eml", "q@review.example", nil, 250, 0},
		{"secure delivery", "testdata/phi.eml", "p.partner@partner.example", nil, 250, 2},
		{"redacted", "testdata/redact_plain.eml", "colleague@redact.example",
			func(t *testing.T, e *env) { e.scanner.set(newExtractScanner(t)) }, 250, 1},
		{"scanner error", "testdata/clean.eml", "team@elsewhere.example",
			func(t *testing.T, e *env) { e.scanner.set(failing) }, 451, 0},
		{"scanner panic", "testdata/clean.eml", "team@elsewhere.example",
			func(t *testing.T, e *env) { e.scanner.set(panics) }, 451, 0},
		{"scanner timeout", "testdata/clean.eml", "team@elsewhere.example",
			func(t *testing.T, e *env) { e.scanner.set(waits) }, 451, 0},
		{"next hop down", "testdata/clean.eml", "team@elsewhere.example",
			func(t *testing.T, e *env) { e.sink.stop() }, 451, 0},
		{"next hop rejects", "testdata/clean.eml", "team@elsewhere.example",
			func(t *testing.T, e *env) { e.sink.setFail(&smtpErr554) }, 550, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.ScanTimeout = 500 * time.Millisecond })
			if tt.setup != nil {
				tt.setup(t, e)
			}
			if c, text := sendGo(t, e.addr, house, []string{tt.to}, crlf(readFile(t, tt.file))); c != tt.code {
				t.Fatalf("reply %d %q, want %d", c, text, tt.code)
			}
			if n := len(e.sink.received()); n != tt.relayed {
				t.Errorf("next hop got %d messages, want %d", n, tt.relayed)
			}
			if got := e.gw.BufferedBytes(); got != 0 {
				t.Errorf("%d bytes still buffered", got)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		e := budgetEnv(t, nil)
		if c, _ := sendGo(t, e.addr, house, []string{"team@elsewhere.example"}, bigMessage(200<<10)); c != 552 {
			t.Fatalf("reply %d, want 552", c)
		}
		if got := e.gw.BufferedBytes(); got != 0 {
			t.Errorf("%d bytes still buffered", got)
		}
	})
}

// TestBudgetAbandonedScanner: a scanner that ignores its deadline still
// reads the message after the 451, so its memory stays counted until it
// returns, and then goes back.
func TestBudgetAbandonedScanner(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ScanTimeout = 100 * time.Millisecond })
	release := make(chan struct{})
	e.scanner.set(scannerFunc(func(context.Context, string, io.Reader) (*dlp.Report, error) {
		<-release // ignores its context
		return &dlp.Report{}, nil
	}))
	if c, _ := sendGo(t, e.addr, "dr.house@hospital.example", []string{"team@elsewhere.example"}, crlf(readFile(t, "testdata/clean.eml"))); c != 451 {
		t.Fatalf("reply %d, want 451", c)
	}
	if got := e.gw.BufferedBytes(); got == 0 {
		t.Fatal("the abandoned scanner's message is no longer counted")
	}
	close(release)
	waitBuffered(t, e.gw, "zero after the scanner returned", func(n int64) bool { return n == 0 })
	if n := len(e.sink.received()); n != 0 {
		t.Errorf("relayed unscanned mail (%d)", n)
	}
}

// TestBudgetClientDisconnect drops the connection in the middle of DATA:
// the partial message's reservation goes back.
func TestBudgetClientDisconnect(t *testing.T) {
	e := budgetEnv(t, nil)
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	expect := func(prefix string) {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %s: %v", prefix, err)
			}
			if !strings.HasPrefix(line, prefix) {
				t.Fatalf("got %q, want %s", line, prefix)
			}
			if len(line) < 4 || line[3] != '-' {
				return
			}
		}
	}
	expect("220")
	for _, cmd := range []struct{ send, want string }{
		{"EHLO client.test", "250"},
		{"MAIL FROM:<dr.house@hospital.example>", "250"},
		{"RCPT TO:<team@elsewhere.example>", "250"},
		{"DATA", "354"},
	} {
		fmt.Fprintf(c, "%s\r\n", cmd.send)
		expect(cmd.want)
	}
	c.Write(bigMessage(100 << 10)) // no end of data
	waitBuffered(t, e.gw, "above zero while the message is read", func(n int64) bool { return n > readChunk })
	c.Close()
	waitBuffered(t, e.gw, "zero after the client left", func(n int64) bool { return n == 0 })
}

// BenchmarkReadMessage compares reading a 10 MiB message under the budget
// with io.ReadAll, the reader it replaced (baseline in the same run).
func BenchmarkReadMessage(b *testing.B) {
	data := bigMessage(10 << 20)
	b.Run("budget", func(b *testing.B) {
		mem := newBudget(1 << 30)
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			res := mem.Reserve()
			if _, err := readMessage(bytes.NewReader(data), res, 25<<20); err != nil {
				b.Fatal(err)
			}
			res.Done()
		}
	})
	b.Run("readall-baseline", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := io.ReadAll(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
