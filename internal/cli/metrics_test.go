package cli

import (
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/airtight/airtight/detect"
)

// TestAppCollector: the monitoring queue's counts, drops per source and
// the pipeline's counters reach /metrics.
func TestAppCollector(t *testing.T) {
	a := &App{log: slog.New(slog.DiscardHandler)}
	m := &monitor{app: a, dir: &liveDirectory{}}
	if err := m.build(&Config{Data: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	a.monitor = m
	m.queue.Offer(&detect.Event{Source: "syslog"})
	m.queue.Stop(t.Context()) // not started: the next offer is a counted drop
	m.queue.Offer(&detect.Event{Source: "netflow"})

	reg := prometheus.NewRegistry()
	reg.MustRegister(appCollector{a})
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			key := f.GetName()
			for _, l := range mt.GetLabel() {
				key += "/" + l.GetValue()
			}
			got[key] = mt.GetCounter().GetValue() + mt.GetGauge().GetValue()
		}
	}
	for key, want := range map[string]float64{
		"airtight_monitor_events_total/received":        2,
		"airtight_monitor_events_dropped_total/netflow": 1,
		"airtight_detect_total/alerts":                  0,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v; all: %v", key, v, ok, want, got)
		}
	}
	if _, ok := got["airtight_smtp_buffered_bytes"]; ok {
		t.Error("SMTP buffer metric without an SMTP gateway")
	}
}
