package baseline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/airtight/airtight/detect"
)

// snapshotVersion is the format version Snapshot writes and Restore reads.
const snapshotVersion = 1

// MaxSnapshotBytes bounds what Restore reads.
const MaxSnapshotBytes = 1 << 30

type snapshot struct {
	Version int            `json:"version"`
	Learn   string         `json:"learn"` // the learning period it was made with, for people
	Devices []snapshotProf `json:"devices"`
}

type snapshotProf struct {
	ID        int64      `json:"id,omitempty"`
	IP        netip.Addr `json:"ip,omitzero"`
	First     time.Time  `json:"first"`
	LastSeen  time.Time  `json:"last_seen"`
	Events    uint32     `json:"events"`
	Hours     [24]uint32 `json:"hours"`
	Peers     []uint64   `json:"peers,omitempty"`
	Ports     []uint64   `json:"ports,omitempty"`
	AETitles  []uint64   `json:"ae_titles,omitempty"`
	HL7       []uint64   `json:"hl7,omitempty"`
	PeersFull bool       `json:"peers_full,omitempty"`
	PortsFull bool       `json:"ports_full,omitempty"`
	AEFull    bool       `json:"ae_titles_full,omitempty"`
	HL7Full   bool       `json:"hl7_full,omitempty"`
}

// Snapshot writes what was learned as JSON: learned values as 64-bit keys
// (no AE titles, application names or addresses in clear besides the
// devices' own), least recently seen device first.
func (b *Baseline) Snapshot(w io.Writer) error {
	s := snapshot{Version: snapshotVersion, Learn: b.cfg.Learn.String(), Devices: make([]snapshotProf, 0, b.devs.Len())}
	b.devs.Each(func(k Key, seen time.Time, p *profile) bool {
		s.Devices = append(s.Devices, snapshotProf{
			ID: k.ID, IP: k.IP, First: time.Unix(0, p.first).UTC(), LastSeen: seen, Events: p.events, Hours: p.hours,
			Peers: p.peers, Ports: p.ports, AETitles: p.aes, HL7: p.hl7,
			PeersFull: p.peersFull, PortsFull: p.portsFull, AEFull: p.aesFull, HL7Full: p.hl7Full,
		})
		return true
	})
	if err := json.NewEncoder(w).Encode(&s); err != nil {
		return fmt.Errorf("baseline snapshot: %w", err)
	}
	return nil
}

// Restore replaces what was learned with a snapshot. It checks the
// snapshot against this Baseline's limits and changes nothing on error.
// Devices beyond MaxDevices are dropped, least recently seen first.
func (b *Baseline) Restore(r io.Reader) error {
	dec := json.NewDecoder(io.LimitReader(r, MaxSnapshotBytes))
	dec.DisallowUnknownFields()
	var s snapshot
	if err := dec.Decode(&s); err != nil {
		return fmt.Errorf("baseline restore: %w", err)
	}
	if s.Version != snapshotVersion {
		return fmt.Errorf("baseline restore: snapshot version %d, want %d", s.Version, snapshotVersion)
	}
	for i := range s.Devices {
		if err := b.checkProf(&s.Devices[i]); err != nil {
			return fmt.Errorf("baseline restore: device %d: %w", i+1, err)
		}
	}
	b.devs = b.newTable()
	for _, sp := range s.Devices {
		p, _ := b.devs.Get(Key{ID: sp.ID, IP: sp.IP}, sp.LastSeen)
		*p = profile{
			first: sp.First.UnixNano(), events: sp.Events, hours: sp.Hours,
			peers: sp.Peers, ports: sp.Ports, aes: sp.AETitles, hl7: sp.HL7,
			peersFull: sp.PeersFull, portsFull: sp.PortsFull, aesFull: sp.AEFull, hl7Full: sp.HL7Full,
		}
	}
	return nil
}

var errSnapshotKey = errors.New("needs either a positive id or a private address")

// checkProf checks one device of a snapshot against the limits.
func (b *Baseline) checkProf(sp *snapshotProf) error {
	switch {
	case (sp.ID > 0) == sp.IP.IsValid() || sp.ID < 0 || detect.IsPublic(sp.IP) || sp.IP.Zone() != "":
		return errSnapshotKey
	case sp.First.IsZero() || sp.LastSeen.Before(sp.First):
		return errors.New("first and last seen times are missing or out of order")
	}
	sets := []struct {
		name string
		v    []uint64
		max  int
	}{{"peers", sp.Peers, b.cfg.MaxPeers}, {"ports", sp.Ports, b.cfg.MaxPorts}, {"ae_titles", sp.AETitles, b.cfg.MaxAETitles}, {"hl7", sp.HL7, b.cfg.MaxHL7Senders}}
	for _, s := range sets {
		if len(s.v) > s.max {
			return fmt.Errorf("%s: %d values, limit %d", s.name, len(s.v), s.max)
		}
		for i := 1; i < len(s.v); i++ {
			if s.v[i] <= s.v[i-1] {
				return fmt.Errorf("%s: not sorted and unique", s.name)
			}
		}
	}
	for _, p := range sp.Ports {
		if p > 65535 {
			return errors.New("ports: value out of range")
		}
	}
	return nil
}

func timeText(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339) }
