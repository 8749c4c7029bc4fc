package sigma

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
)

// baseRules are two detection rules on sshd syslog lines.
const baseRules = `title: Failed login
id: failed
name: failed_login
author: A
level: low
logsource: {product: linux, service: sshd}
detection:
  sel:
    - 'Failed password'
  condition: sel
---
title: Accepted login
id: accepted
name: accepted_login
author: A
level: low
logsource: {product: linux, service: sshd}
detection:
  sel:
    - 'Accepted password'
  condition: sel
`

func corrRule(body string) string {
	return baseRules + "---\ntitle: Corr\nid: corr\nauthor: Corr Author\nlevel: high\ntags: [attack.t1110]\ncorrelation:\n" + body
}

var t0 = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

func sshLine(msg, src, user string, at time.Duration) Event {
	return FromDetect(&detect.Event{
		Time: t0.Add(at), Source: "syslog", Product: "sshd", Message: msg,
		Src: detect.Endpoint{IP: netip.MustParseAddr(src)}, User: user,
		Fields: map[string]string{"user": user},
	})
}

// feed runs events through the engine and returns the correlation
// detections.
func feed(t *testing.T, e *Engine, evs ...Event) []*detect.Detection {
	t.Helper()
	var out []*detect.Detection
	for _, ev := range evs {
		for _, d := range e.Match(ev) {
			if d.Rule == "corr" {
				out = append(out, d)
			}
		}
	}
	return out
}

func TestEventCount(t *testing.T) {
	e := mustEngine(t, corrRule("  type: event_count\n  rules: [failed_login]\n  group-by: [SourceIp]\n  timespan: 5m\n  condition: {gte: 3}\n"), Config{})
	fail := func(src string, at time.Duration) Event { return sshLine("Failed password for root", src, "root", at) }
	got := feed(t, e,
		fail("10.0.0.1", 0), fail("10.0.0.2", time.Second), fail("10.0.0.1", time.Minute),
		fail("10.0.0.1", 10*time.Minute), // the first two fell out of the window
		fail("10.0.0.1", 11*time.Minute), fail("10.0.0.1", 12*time.Minute),
	)
	if len(got) != 1 {
		t.Fatalf("got %d detections, want 1", len(got))
	}
	d := got[0]
	if d.Count != 3 || d.Evidence["SourceIp"] != "10.0.0.1" || d.Key != "corr|10.0.0.1" {
		t.Errorf("detection %+v", d)
	}
	if !d.FirstSeen.Equal(t0.Add(10*time.Minute)) || !d.LastSeen.Equal(t0.Add(12*time.Minute)) {
		t.Errorf("window %v..%v", d.FirstSeen, d.LastSeen)
	}
	if d.Author != "Corr Author" || d.Severity != "high" || len(d.Attack) != 1 || d.Attack[0] != "T1110" {
		t.Errorf("metadata %+v", d)
	}
	// generate is false: the base rule itself raises nothing.
	if ds := e.Match(fail("10.0.0.9", time.Hour)); len(ds) != 0 {
		t.Errorf("base rule emitted %v despite generate: false", ds)
	}
}

func TestEventCountGenerate(t *testing.T) {
	e := mustEngine(t, corrRule("  type: event_count\n  rules: [failed]\n  timespan: 5m\n  generate: true\n  condition: {gte: 2}\n"), Config{})
	ds := e.Match(sshLine("Failed password", "10.0.0.1", "a", 0))
	if len(ds) != 1 || ds[0].Rule != "failed" {
		t.Errorf("with generate: true the base rule should emit: %v", ds)
	}
}

func TestEventCountLessThan(t *testing.T) {
	e := mustEngine(t, corrRule("  type: event_count\n  rules: [accepted_login]\n  group-by: [user]\n  timespan: 1h\n  condition: {lt: 3}\n"), Config{})
	got := feed(t, e, sshLine("Accepted password", "10.0.0.1", "bob", 0), sshLine("Accepted password", "10.0.0.1", "bob", time.Minute))
	if len(got) != 0 {
		t.Fatalf("lt fired before the window closed: %v", got)
	}
	var flushed []*detect.Detection
	e.Flush(t0.Add(2*time.Hour), func(d *detect.Detection) { flushed = append(flushed, d) })
	if len(flushed) != 1 || flushed[0].Count != 2 {
		t.Fatalf("flush gave %v, want one detection with count 2", flushed)
	}
}

func TestValueCount(t *testing.T) {
	e := mustEngine(t, corrRule("  type: value_count\n  rules: [failed_login]\n  group-by: [SourceIp]\n  timespan: 10m\n  condition: {field: user, gt: 2}\n"), Config{})
	f := func(user string, at time.Duration) Event {
		return sshLine("Failed password for "+user, "10.0.0.5", user, at)
	}
	got := feed(t, e, f("a", 0), f("a", time.Second), f("b", 2*time.Second), f("b", 3*time.Second))
	if len(got) != 0 {
		t.Fatalf("fired with 2 distinct users: %v", got)
	}
	got = feed(t, e, f("c", 4*time.Second))
	if len(got) != 1 || got[0].Count != 3 {
		t.Fatalf("got %v, want one detection counting 3 users", got)
	}
}

func TestTemporal(t *testing.T) {
	e := mustEngine(t, corrRule("  type: temporal\n  rules: [accepted_login, failed_login]\n  group-by: [SourceIp]\n  timespan: 5m\n"), Config{})
	// Accepted before failed still counts for (unordered) temporal.
	got := feed(t, e, sshLine("Accepted password", "10.0.0.1", "a", 0), sshLine("Failed password", "10.0.0.1", "a", time.Minute))
	if len(got) != 1 {
		t.Fatalf("temporal: got %d detections, want 1", len(got))
	}
	// Too far apart.
	got = feed(t, e, sshLine("Accepted password", "10.0.0.2", "a", 0), sshLine("Failed password", "10.0.0.2", "a", 10*time.Minute))
	if len(got) != 0 {
		t.Fatalf("temporal fired outside the timespan")
	}
}

func TestTemporalOrdered(t *testing.T) {
	e := mustEngine(t, corrRule("  type: temporal_ordered\n  rules: [failed_login, accepted_login]\n  group-by: [SourceIp]\n  timespan: 5m\n"), Config{})
	if got := feed(t, e, sshLine("Accepted password", "10.0.0.1", "a", 0), sshLine("Failed password", "10.0.0.1", "a", time.Minute)); len(got) != 0 {
		t.Fatalf("ordered fired for the wrong order")
	}
	got := feed(t, e, sshLine("Accepted password", "10.0.0.1", "a", 2*time.Minute))
	if len(got) != 1 || !got[0].FirstSeen.Equal(t0.Add(time.Minute)) {
		t.Fatalf("ordered: got %v, want one detection starting at the failed login", got)
	}
}

func TestCorrelationAliases(t *testing.T) {
	e := mustEngine(t, corrRule("  type: temporal\n  rules: [failed, accepted]\n  group-by: [who]\n  timespan: 5m\n  aliases:\n    who:\n      failed: user\n      accepted: User\n"), Config{})
	got := feed(t, e, sshLine("Failed password", "10.0.0.1", "eve", 0), sshLine("Accepted password", "10.0.0.2", "eve", time.Second))
	if len(got) != 1 || got[0].Evidence["who"] != "eve" {
		t.Fatalf("aliases: got %v", got)
	}
}

func TestCorrelationEvictionBound(t *testing.T) {
	rules, rejs := ParseRules("c.yml", []byte(corrRule("  type: event_count\n  rules: [failed]\n  group-by: [SourceIp]\n  timespan: 1h\n  condition: {gte: 2}\n")), Config{})
	if len(rejs) > 0 {
		t.Fatal(rejs)
	}
	e, _ := NewEngine(rules, Options{MaxCorrelationKeys: 10})
	for i := range 100 {
		feed(t, e, sshLine("Failed password", fmt.Sprintf("10.0.1.%d", i), "x", time.Duration(i)*time.Second))
	}
	c := e.corrs[0]
	if len(c.keys) != 10 || c.lru.Len() != 10 {
		t.Errorf("kept %d keys, want the cap of 10", len(c.keys))
	}
	if st := e.Stats(); st.Evictions != 90 {
		t.Errorf("evictions = %d, want 90", st.Evictions)
	}
	// The most recent key survived: a second event completes it.
	if got := feed(t, e, sshLine("Failed password", "10.0.1.99", "x", 2*time.Minute)); len(got) != 1 {
		t.Errorf("recent key lost: %v", got)
	}
	// The oldest was evicted: a second event starts over.
	if got := feed(t, e, sshLine("Failed password", "10.0.1.0", "x", 2*time.Minute)); len(got) != 0 {
		t.Errorf("evicted key still counted")
	}
}

func TestCorrelationUnknownRule(t *testing.T) {
	rules, _ := ParseRules("c.yml", []byte(corrRule("  type: event_count\n  rules: [nope]\n  timespan: 1h\n  condition: {gte: 2}\n")), Config{})
	_, rejs := NewEngine(rules, Options{})
	if len(rejs) != 1 || rejs[0].ID != "corr" {
		t.Fatalf("rejections %v, want the correlation rejected", rejs)
	}
}

func TestCorrelationParseErrors(t *testing.T) {
	for name, body := range map[string]string{
		"bad type":       "  type: sum\n  rules: [failed]\n  timespan: 1h\n  condition: {gte: 2}\n",
		"no timespan":    "  type: event_count\n  rules: [failed]\n  condition: {gte: 2}\n",
		"bad timespan":   "  type: event_count\n  rules: [failed]\n  timespan: 5x\n  condition: {gte: 2}\n",
		"no rules":       "  type: event_count\n  timespan: 1h\n  condition: {gte: 2}\n",
		"value no field": "  type: value_count\n  rules: [failed]\n  timespan: 1h\n  condition: {gte: 2}\n",
		"bad condition":  "  type: event_count\n  rules: [failed]\n  timespan: 1h\n  condition: {between: 2}\n",
	} {
		_, rejs := ParseRules("c.yml", []byte(corrRule(body)), Config{})
		if len(rejs) != 1 {
			t.Errorf("%s: rejections %v, want 1", name, rejs)
		}
	}
}

func TestMatchBatchOrdersCorrelations(t *testing.T) {
	e := mustEngine(t, corrRule("  type: temporal_ordered\n  rules: [failed, accepted]\n  group-by: [SourceIp]\n  timespan: 5m\n"), Config{})
	var evs []Event
	for i := range 50 {
		ip := fmt.Sprintf("10.9.0.%d", i)
		evs = append(evs, sshLine("Failed password", ip, "a", time.Duration(i)*time.Second), sshLine("Accepted password", ip, "a", time.Duration(i)*time.Second+time.Millisecond))
	}
	n := 0
	e.MatchBatch(evs, func(d *detect.Detection) {
		if d.Rule == "corr" {
			n++
		}
	})
	if n != 50 {
		t.Errorf("MatchBatch: %d ordered correlations, want 50", n)
	}
}
