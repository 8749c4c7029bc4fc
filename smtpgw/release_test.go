package smtpgw

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/vault"
)

func TestQuarantineReleaseAndShred(t *testing.T) {
	var mu sync.Mutex
	var events []*dlp.Event
	var held []*dlp.Quarantined
	e := newEnv(t, func(c *Config) {
		c.OnEvent = func(_ context.Context, ev *dlp.Event, q *dlp.Quarantined) error {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, ev)
			if q != nil {
				held = append(held, q)
			}
			return nil
		}
	})
	orig := readFile(t, "testdata/phi.eml")
	rcpts := []string{"q.one@review.example", "lab@hospital.example"}
	if c, text := sendGo(t, e.addr, "dr.house@hospital.example", rcpts, orig); c != 250 || !strings.Contains(text, "quarantine") {
		t.Fatalf("reply %d %s", c, text)
	}
	mu.Lock()
	if len(events) != 2 || len(held) != 1 {
		t.Fatalf("events %d, held %d; want 2 events (one per group), 1 quarantine", len(events), len(held))
	}
	for _, ev := range events {
		if err := ev.Validate(); err != nil {
			t.Error(err)
		}
		if ev.Action != dlp.ActionQuarantine || strings.Contains(ev.Destination, "q.one") || ev.Ref != held[0].VaultID {
			t.Errorf("event %+v", ev)
		}
	}
	q := held[0]
	mu.Unlock()
	if len(e.sink.received()) != 0 {
		t.Fatal("held mail was relayed")
	}
	// The vault item holds the envelope and the message, encrypted.
	rc, _, err := e.vault.Open(q.VaultID)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if err := e.gw.Release(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	got := onlyMessage(t, e)
	if strings.Join(got.to, ",") != strings.Join(rcpts, ",") || got.from != "dr.house@hospital.example" {
		t.Errorf("released envelope %s → %v", got.from, got.to)
	}
	if !bytes.HasPrefix(got.data, []byte("X-Airtight-DLP: released; quarantine="+q.VaultID+"\r\n")) || !bytes.HasSuffix(got.data, orig) {
		t.Errorf("released message %q", got.data[:100])
	}
	if err := e.gw.Shred(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.vault.Open(q.VaultID); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("after Shred: %v", err)
	}
	if err := e.gw.Release(context.Background(), q); err == nil {
		t.Error("released a shredded message")
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	from, to, msg, err := splitEnvelope(append(envelopeHeader("a@b.example", []string{"c@d.example", "e@f.example"}), "Subject: x\r\n\r\nbody"...))
	if err != nil || from != "a@b.example" || strings.Join(to, " ") != "c@d.example e@f.example" || string(msg) != "Subject: x\r\n\r\nbody" {
		t.Fatalf("%q %q %q %v", from, to, msg, err)
	}
	if _, _, _, err := splitEnvelope([]byte("Subject: x\r\n\r\n")); err == nil {
		t.Error("accepted a message without envelope")
	}
}
