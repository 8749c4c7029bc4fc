package ingest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/shareddata"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name  string
		first string
		want  Format
	}{
		{"pcap little endian", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00", Pcap},
		{"pcap nanosecond", "\xa1\xb2\x3c\x4d\x00\x02", Pcap},
		{"pcapng", "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00", PcapNG},
		{"zeek tsv", "#separator \\x09\n#set_separator\t,\n", Zeek},
		{"zeek btest", "### BTest baseline\n#separator \\x09\n#fields\tts\n", Zeek},
		{"zeek json", `{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1"}` + "\n", Zeek},
		{"eve", `{"timestamp":"2023-11-14T22:36:01+0000","event_type":"alert","src_ip":"10.0.0.1"}`, EVE},
		{"ocsf", `{"time":"2024-01-01T00:00:00Z","class_uid":3002,"source":"syslog"}`, OCSF},
		{"ecs", `{"@timestamp":"2023-11-14T22:36:20.000Z","event":{"action":"rename"}}`, ECS},
		{"windows pretty", "{\n  \"Event\": {\n    \"System\": {\n", JSON},
		{"syslog 5424", "<34>1 2003-10-11T22:14:15.003Z host app - - - msg", Syslog},
		{"syslog 3164", "<34>Oct 11 22:14:15 mymachine su: 'su root' failed", Syslog},
		{"syslog file without PRI", "Feb 22 16:45:20 slave22 sshd[2738]: Failed password", Syslog},
		{"netflow v5", "\x00\x05\x00\x02" + strings.Repeat("\x00", 20), NetFlow},
		{"ipfix", "\x00\x0a\x00\x40" + strings.Repeat("\x00", 12), NetFlow},
		{"empty", "", Unknown},
		{"text", "hello world", Unknown},
		{"v5 with a bad count is still v5 (the decoder rejects it)", "\x00\x05\x01\x00" + strings.Repeat("\x00", 20), NetFlow},
		{"v9 without records", "\x00\x09\x00\x00" + strings.Repeat("\x00", 16), Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff([]byte(tt.first)); got != tt.want {
				t.Errorf("Sniff = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestReadSharedData reads every shared input file through ReadFile:
// each is sniffed as its kind and parsed without a bad record.
func TestReadSharedData(t *testing.T) {
	root := shareddata.Dir(t, "detect")
	in := New(Options{})
	in.Register(Pcap, fakePcap)
	in.Register(PcapNG, fakePcap)
	groups := []struct {
		glob string
		want Format
	}{
		{"syslog/*/*.log", Syslog},
		{"syslog/synthetic/*.ndjson", ECS},
		{"zeek-logs/zeek-baseline/*.log", Zeek},
		{"netflow/logstash-codec-netflow/*.dat", NetFlow},
		{"pcap/zeek-traces/*.pcap", Pcap},
		{"pcap/zeek-traces/*.pcapng", PcapNG},
	}
	for _, g := range groups {
		files, _ := filepath.Glob(filepath.Join(root, g.glob))
		if len(files) == 0 {
			t.Errorf("no files for %s", g.glob)
		}
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if f := Sniff(data[:min(len(data), sniffLen)]); f != g.want {
				t.Errorf("%s: sniffed %s, want %s", filepath.Base(p), f, g.want)
				continue
			}
			var n int64
			st, err := in.ReadFile(context.Background(), filepath.Base(p), bytes.NewReader(data), detect.SinkFunc(func(*detect.Event) { n++ }))
			if err != nil {
				t.Errorf("%s: %v", filepath.Base(p), err)
			}
			invalid := strings.Contains(p, "invalid0") && strings.HasPrefix(filepath.Base(p), "netflow5")
			if st.Events != n || (st.Bad != 0) != invalid {
				t.Errorf("%s: %+v (%d events seen)", filepath.Base(p), st, n)
			}
		}
	}
}

// fakePcap stands in for the pcap package the lead wires in.
func fakePcap(ctx context.Context, r io.Reader, sink detect.Sink) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	sink.Event(&detect.Event{Source: "pcap", Class: detect.ClassNetworkActivity})
	return nil
}

func TestReadFileUnknown(t *testing.T) {
	in := New(Options{})
	_, err := in.ReadFile(context.Background(), "x.bin", strings.NewReader("\xd4\xc3\xb2\xa1 pcap without reader"), detect.SinkFunc(func(*detect.Event) {}))
	if !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("err = %v, want ErrUnknownFormat", err)
	}
	_, err = in.ReadFile(context.Background(), "x.txt", strings.NewReader("plain text"), detect.SinkFunc(func(*detect.Event) {}))
	if !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("err = %v, want ErrUnknownFormat", err)
	}
}

// TestQueueBurst: a burst of ten times the capacity against a stalled
// sink is absorbed up to the capacity and the rest counted as dropped, per
// source; memory does not grow with the burst.
func TestQueueBurst(t *testing.T) {
	const capacity = 1000
	gate := make(chan struct{})
	var processed int
	q := NewQueue(capacity, 1, detect.SinkFunc(func(*detect.Event) {
		<-gate
		processed++
	}))
	q.Start(context.Background())

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	ev := detect.Event{Source: "syslog", Fields: map[string]string{"k": "v"}}
	for i := range 10 * capacity {
		if i%2 == 1 {
			ev.Source = "netflow"
		} else {
			ev.Source = "syslog"
		}
		q.Offer(&ev)
		if l := q.Stats().Len; l > capacity {
			t.Fatalf("queue length %d over capacity", l)
		}
	}
	growth := int64(heap()) - int64(before)
	st := q.Stats()
	// The worker holds at most one event at the gate.
	if st.Received != 10*capacity || st.Dropped < 9*capacity-1 || st.Dropped > 9*capacity {
		t.Errorf("stats %+v", st)
	}
	if st.DroppedBySource["syslog"]+st.DroppedBySource["netflow"] != st.Dropped || st.DroppedBySource["syslog"] == 0 || st.DroppedBySource["netflow"] == 0 {
		t.Errorf("drops by source %v", st.DroppedBySource)
	}
	// A queued event is a few hundred bytes; 10,000 offers must not cost
	// more than the queue's own fixed buffer (allocated before).
	if growth > 256<<10 {
		t.Errorf("heap grew by %d bytes during the burst", growth)
	}
	close(gate)
	if err := q.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	st = q.Stats()
	if st.Processed != st.Received-st.Dropped || int64(processed) != st.Processed {
		t.Errorf("after drain: %+v, sink saw %d", st, processed)
	}
}

// TestQueueSourceCap: per-source drop counters are bounded.
func TestQueueSourceCap(t *testing.T) {
	q := NewQueue(1, 1, detect.SinkFunc(func(*detect.Event) {}))
	for i := range 1000 {
		q.Offer(&detect.Event{Source: "s" + strings.Repeat("x", i%200)})
	}
	if n := len(q.Stats().DroppedBySource); n > maxSources+1 {
		t.Errorf("%d source counters", n)
	}
}

// FuzzSniff: Sniff never panics and is deterministic.
func FuzzSniff(f *testing.F) {
	for _, s := range []string{"\xd4\xc3\xb2\xa1", "#separator \\x09", `{"event_type":"x"}`, "<13>1 ", "\x00\x0a\x00\x10", "{\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if Sniff(b) != Sniff(bytes.Clone(b)) {
			t.Fatal("not deterministic")
		}
	})
}

// TestQueueOfferAfterStop: inputs still delivering while the server shuts
// down get their events counted as dropped, not a panic.
func TestQueueOfferAfterStop(t *testing.T) {
	var n atomic.Int64
	q := NewQueue(4, 1, detect.SinkFunc(func(*detect.Event) { n.Add(1) }))
	q.Start(context.Background())
	q.Offer(&detect.Event{Source: "syslog"})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 1000 {
			q.Offer(&detect.Event{Source: "syslog"})
		}
	}()
	if err := q.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-done
	q.Offer(&detect.Event{Source: "netflow"})
	if err := q.Stop(context.Background()); err != nil {
		t.Fatalf("second stop: %v", err)
	}
	st := q.Stats()
	if st.Received != 1002 || st.Processed+st.Dropped != st.Received || n.Load() != st.Processed {
		t.Errorf("stats %+v, sink saw %d", st, n.Load())
	}
}
