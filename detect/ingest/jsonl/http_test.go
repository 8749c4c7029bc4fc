package jsonl

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/detect/ingest/internal/ingesttest"
)

// TestHandlerSlowSender checks that a client that sends its body slowly
// does not block other senders: before, the handler held its lock while
// reading the body, so one trickling client stopped all JSON ingest.
func TestHandlerSlowSender(t *testing.T) {
	c := ingesttest.NewCollector()
	h := &Handler{Sink: c}
	pr, pw := io.Pipe()
	slowDone := make(chan struct{})
	go func() {
		defer close(slowDone)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", pr))
	}()
	// The handler has started reading when the first write returns.
	if _, err := pw.Write([]byte(`{"message":"slow"}` + "\n")); err != nil {
		t.Fatal(err)
	}
	fast := make(chan int)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader(`{"message":"fast"}`+"\n")))
		fast <- w.Code
	}()
	select {
	case code := <-fast:
		want(t, code, http.StatusOK)
		pw.Close()
		<-slowDone
	case <-time.After(10 * time.Second):
		t.Error("a second request waits for a slow sender's body")
		pw.Close()
		<-slowDone
		<-fast
	}
}

// TestHandlerTooLargeIsAtomic checks that a body over MaxBody hands no
// event on (before, the lines before the limit were ingested and the
// request still answered 413, so a retry duplicated them).
func TestHandlerTooLargeIsAtomic(t *testing.T) {
	c := ingesttest.NewCollector()
	h := &Handler{Sink: c, MaxBody: 1024}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat(`{"message":"x"}`+"\n", 200))))
	want(t, w.Code, http.StatusRequestEntityTooLarge)
	want(t, len(c.Events()), 0)
}
