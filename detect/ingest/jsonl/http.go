package jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// DefaultMaxBody bounds one POST.
const DefaultMaxBody = 8 << 20

// Handler takes JSON lines by POST and hands each object's event to Sink
// (one request at a time). It answers with the counts and the line numbers
// of rejected lines; 413 when the body is over MaxBody.
type Handler struct {
	Sink    detect.Sink
	Limits  feed.Limits
	MaxBody int64 // default DefaultMaxBody
	Logger  *slog.Logger

	mu sync.Mutex
}

// Response is the handler's JSON answer.
type Response struct {
	Received int64    `json:"received"`
	Events   int64    `json:"events"`
	Bad      int64    `json:"bad"`
	Errors   []string `json:"errors,omitempty"` // "request:LINE: reason", never the line
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	max := h.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	// The body is read before the handler's lock is taken: a client that
	// sends slowly must not hold up every other sender. A body over the
	// limit is refused whole, without handing any of its events on.
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	st, err := ReadFile(r.Context(), "request", bytes.NewReader(data), h.Sink, Options{Limits: h.Limits, MaxDocument: int(max)})
	h.mu.Unlock()
	if err != nil {
		if h.Logger != nil {
			h.Logger.Warn("jsonl ingest", "err", err)
		}
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	resp := Response{Received: st.Records, Events: st.Events, Bad: st.Bad}
	for _, e := range st.Errors {
		resp.Errors = append(resp.Errors, e.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}
