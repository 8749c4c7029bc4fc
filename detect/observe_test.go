package detect

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestTalkerAndService(t *testing.T) {
	tests := []struct {
		t         Talker
		key, name string
	}{
		{Talker{DeviceID: 7, IP: netip.MustParseAddr("10.0.0.1"), Label: "CT-1"}, "d:7", "CT-1"},
		{Talker{IP: netip.MustParseAddr("::ffff:10.0.0.2")}, "ip:10.0.0.2", "10.0.0.2"},
		{Talker{DeviceID: 9}, "d:9", "device 9"},
		{Talker{}, "", "unknown"},
	}
	for _, tt := range tests {
		if k, n := tt.t.Key(), tt.t.Name(); k != tt.key || n != tt.name {
			t.Errorf("%+v: key %q name %q, want %q %q", tt.t, k, n, tt.key, tt.name)
		}
	}
	for l, want := range map[*Link]string{
		{App: "dicom", Port: 104}: "dicom", {Protocol: "tcp", Port: 443}: "tcp/443", {Port: 53}: "ip/53", {Protocol: "icmp"}: "icmp", {}: "other",
	} {
		if got := l.Service(); got != want {
			t.Errorf("%+v: service %q, want %q", l, got, want)
		}
	}
}

func TestObservationsValidate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a, b := Talker{DeviceID: 1}, Talker{IP: netip.MustParseAddr("10.0.0.9")}
	ok := Link{Src: a, Dst: b, Events: 1, FirstSeen: now, LastSeen: now}
	tests := []struct {
		name string
		o    Observations
		bad  string // part of the error; "" when valid
	}{
		{"valid", Observations{Links: []Link{ok}, Rates: []RateCount{{Minute: now, Source: "pcap", Count: 1}},
			Discovered: []Discovered{{AETitle: "MOD1", FirstSeen: now, LastSeen: now}}}, ""},
		{"link without destination", Observations{Links: []Link{{Src: a, FirstSeen: now, LastSeen: now}}}, "link 0"},
		{"link seen backwards", Observations{Links: []Link{{Src: a, Dst: b, FirstSeen: now, LastSeen: now.Add(-time.Second)}}}, "first seen"},
		{"label with a newline", Observations{Links: []Link{{Src: Talker{DeviceID: 1, Label: "a\nb"}, Dst: b, FirstSeen: now, LastSeen: now}}}, "src.label"},
		{"too many names", Observations{Links: []Link{{Src: a, Dst: b, FirstSeen: now, LastSeen: now, AETitles: make([]string, MaxLinkNames+1)}}}, "at most"},
		{"rate off the minute", Observations{Rates: []RateCount{{Minute: now.Add(time.Second), Source: "x"}}}, "whole minute"},
		{"rate without source", Observations{Rates: []RateCount{{Minute: now}}}, "source"},
		{"nobody discovered", Observations{Discovered: []Discovered{{FirstSeen: now, LastSeen: now}}}, "required"},
		{"invalid utf-8", Observations{Discovered: []Discovered{{Hostname: "\xff", AETitle: "A", FirstSeen: now, LastSeen: now}}}, "hostname"},
		{"long text", Observations{Discovered: []Discovered{{MAC: strings.Repeat("a", MaxObservedText+1), AETitle: "A", FirstSeen: now, LastSeen: now}}}, "mac"},
		{"batch too big", Observations{Discovered: make([]Discovered, MaxBatchDiscovered+1)}, "over the limits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if tt.bad == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidObservation) || !strings.Contains(err.Error(), tt.bad) {
				t.Errorf("error %v, want one about %q", err, tt.bad)
			}
			if strings.Contains(err.Error(), "\xff") || strings.Contains(err.Error(), "a\nb") {
				t.Errorf("the error repeats the value: %v", err)
			}
		})
	}
	if !(*Observations)(nil).Empty() || (&Observations{Links: []Link{ok}}).Empty() {
		t.Error("Empty is wrong")
	}
}
