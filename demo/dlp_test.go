package demo_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/demo"
	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/extract"
	"github.com/airtight/airtight/dlp/policy"
	"github.com/airtight/airtight/dlp/vault"
	"github.com/airtight/airtight/sqlstore"
)

var _ demo.DLPStore = (*sqlstore.DB)(nil)

// dlpNow is the end of the seeded history in these tests.
// It lies in the past, so that a clock left set would show.
var dlpNow = time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)

func TestDLPPolicy(t *testing.T) {
	p, err := demo.DLPPolicy()
	if err != nil {
		t.Fatal(err)
	}
	// The demo policy is the built-in default with the hospital's domains
	// and one rule in front: every default rule is kept as it is, in order.
	def, got := noLines(policy.Default().Rules()), noLines(p.Rules())
	if len(got) != len(def)+1 || !reflect.DeepEqual(got[1:], def) {
		t.Errorf("demo rules after the first differ from the default policy's:\n got %+v\nwant %+v", got[1:], def)
	}
	if got[0].Action != dlp.ActionQuarantine {
		t.Errorf("first rule %q acts %s, want quarantine", got[0].Name, got[0].Action)
	}
	if !p.IsInternal("nurse@riverside.example") || p.IsInternal("someone@mail.example") {
		t.Errorf("internal domains = %v", p.InternalDomains())
	}
}

// noLines drops the rules' line numbers, which differ between files.
func noLines(rs []policy.Rule) []policy.Rule {
	for i := range rs {
		rs[i].Line = 0
	}
	return rs
}

// seedDLP seeds the demo's DLP history into a new store, with a vault
// when withVault.
func seedDLP(t *testing.T, withVault bool) (*sqlstore.DB, *demo.DLPResult, *vault.Vault, context.Context) {
	t.Helper()
	db, res := seeded(t)
	clk := &demo.Clock{}
	db.Now = clk.Now
	var v *vault.Vault
	if withVault {
		dir := t.TempDir()
		key, err := vault.LoadOrCreateKey(filepath.Join(dir, "vault.key"))
		if err != nil {
			t.Fatal(err)
		}
		if v, err = vault.New(filepath.Join(dir, "vault"), key, vault.WithClock(clk.Now)); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := demo.SeedDLP(context.Background(), db, demo.DLPOptions{Scanner: sc, Vault: v, Clock: clk, Now: dlpNow})
	if err != nil {
		t.Fatalf("SeedDLP: %v", err)
	}
	if !clk.Now().After(dlpNow) {
		t.Error("the clock was left set after seeding")
	}
	return db, got, v, airtight.NewContext(context.Background(), airtight.SystemActor(res.HospitalID, "test"))
}

func TestSeedDLP(t *testing.T) {
	db, got, v, ctx := seedDLP(t, true)
	if got.AlreadySeeded || got.Events < 35 || got.Events > 45 {
		t.Fatalf("SeedDLP = %+v, want about 40 events", got)
	}
	t.Logf("%d events, by action %v, %d held in the vault", got.Events, got.Actions, got.Quarantined)
	for _, a := range []dlp.Action{dlp.ActionLog, dlp.ActionBlock, dlp.ActionQuarantine} {
		if got.Actions[a] == 0 {
			t.Errorf("no %s events: %v", a, got.Actions)
		}
	}
	evs, _, err := db.ListDLPEvents(ctx, dlp.EventFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != got.Events {
		t.Fatalf("%d events stored, SeedDLP says %d", len(evs), got.Events)
	}
	t.Run("spread over the past days", func(t *testing.T) {
		days := map[time.Time]bool{}
		channels := map[dlp.Channel]bool{}
		for _, e := range evs {
			if e.CreatedAt.Before(dlpNow.AddDate(0, 0, -demo.DLPDays-1)) || e.CreatedAt.After(dlpNow) {
				t.Errorf("event %d at %s, outside the %d days before %s", e.ID, e.CreatedAt, demo.DLPDays, dlpNow)
			}
			days[e.CreatedAt.Truncate(24*time.Hour)] = true
			channels[e.Channel] = true
		}
		if len(days) < 20 || len(channels) != 3 {
			t.Errorf("events on %d days through %d channels, want 20+ days and smtp, icap, folder", len(days), len(channels))
		}
		trend, err := db.DLPTrend(ctx, dlpNow.AddDate(0, 0, -demo.DLPDays-1))
		if err != nil || len(trend) < 20 {
			t.Errorf("trend: %d days (%v)", len(trend), err)
		}
	})
	t.Run("no patient data in events", func(t *testing.T) {
		for _, e := range evs {
			text := strings.ToLower(e.Actor + " " + e.Destination + " " + e.Reason)
			for _, n := range patientWords {
				if strings.Contains(text, strings.ToLower(n)) {
					t.Errorf("event %d names %q: %s", e.ID, n, text)
				}
			}
			if strings.Contains(e.Destination, "@") {
				t.Errorf("event %d destination %q has a mailbox", e.ID, e.Destination)
			}
		}
	})
	t.Run("quarantine opens", func(t *testing.T) { checkQuarantine(t, db, v, ctx, got.Quarantined) })
	t.Run("idempotent", func(t *testing.T) {
		sc, _ := extract.New(extract.Options{})
		again, err := demo.SeedDLP(context.Background(), db, demo.DLPOptions{Scanner: sc, Vault: v, Now: dlpNow})
		if err != nil || !again.AlreadySeeded || again.Events != 0 {
			t.Fatalf("second SeedDLP = %+v, %v; want AlreadySeeded", again, err)
		}
		n, _, _ := db.ListDLPEvents(ctx, dlp.EventFilter{Limit: 500})
		if items, _ := v.List(); len(n) != got.Events || len(items) != got.Quarantined {
			t.Errorf("after a second seeding: %d events, %d vault items; want %d and %d", len(n), len(items), got.Events, got.Quarantined)
		}
	})
}

// patientWords are the fictional patients' surnames; no event may carry
// one.
var patientWords = []string{"Okonkwo", "Lindqvist", "Ferreira", "Castellano", "Jensen", "Novak", "Delgado",
	"Whitaker", "Brennan", "Kowalski", "Ramirez", "Sato", "Fitzgerald", "Horvath", "Mendes", "Abernathy", "Quinlan"}

// checkQuarantine opens every held item: its content is in the vault,
// intact, and still holds the patient data that got it held.
func checkQuarantine(t *testing.T, db *sqlstore.DB, v *vault.Vault, ctx context.Context, want int) {
	t.Helper()
	qs, _, err := db.ListQuarantine(ctx, dlp.QuarantineHeld, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != want || want < 2 || want > 3 {
		t.Fatalf("%d held items, SeedDLP says %d; want 2 or 3", len(qs), want)
	}
	sc, _ := extract.New(extract.Options{})
	chans := map[dlp.Channel]bool{}
	for _, q := range qs {
		chans[q.Channel] = true
		rc, meta, err := v.Open(q.VaultID)
		if err != nil {
			t.Fatalf("open %s: %v", q.VaultID, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", q.VaultID, err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != meta.SHA256 || int64(len(data)) != q.Bytes || !meta.Created.Before(dlpNow) {
			t.Errorf("item %s: %d bytes (record %d), created %s", q.VaultID, len(data), q.Bytes, meta.Created)
		}
		rep, err := sc.ScanContent(context.Background(), "held", strings.NewReader(string(data)))
		if err != nil || !reflect.DeepEqual(rep.Counts(), q.Types) {
			t.Errorf("item %s rescans to %v, recorded %v (%v)", q.VaultID, rep.Counts(), q.Types, err)
		}
	}
	if !chans[dlp.ChannelSMTP] || !chans[dlp.ChannelFolder] {
		t.Errorf("held items from %v, want mail and a watched folder", slices.Collect(mapKeys(chans)))
	}
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestSeedDLPWithoutVault(t *testing.T) {
	db, got, _, ctx := seedDLP(t, false)
	if got.Quarantined != 0 || got.Actions[dlp.ActionQuarantine] != 0 || got.Actions[dlp.ActionBlock] == 0 {
		t.Errorf("without a vault: %+v; want held mail refused instead", got)
	}
	if qs, _, err := db.ListQuarantine(ctx, dlp.QuarantineHeld, "", 50); err != nil || len(qs) != 0 {
		t.Errorf("%d held items without a vault (%v)", len(qs), err)
	}
}
