package demo

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/policy"
	"github.com/airtight/airtight/dlp/vault"
)

// dlpPolicyYAML is the demo hospital's DLP policy: the built-in default
// with the hospital's domains and a review rule for its billing partner.
//
//go:embed data/dlp-policy.yaml
var dlpPolicyYAML []byte

// DLPPolicyYAML returns the demo's DLP policy file.
func DLPPolicyYAML() []byte { return slices.Clone(dlpPolicyYAML) }

// DLPPolicy returns the demo's DLP policy.
func DLPPolicy() (*policy.Policy, error) {
	return policy.Parse("demo/data/dlp-policy.yaml", dlpPolicyYAML)
}

// DLPDays is how far back the demo's DLP events go.
const DLPDays = 30

// Clock is a clock the seeding sets to the time of what it records, so that
// the demo's history is spread over past days; a store and a vault read it
// (sqlstore.DB.Now, vault.WithClock). Unset, it is the wall clock. It is
// safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the time set, or the current time when none is.
func (c *Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

// Set sets the clock to t; the zero time returns it to the wall clock.
func (c *Clock) Set(t time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// DLPStore is what SeedDLP needs from storage. *sqlstore.DB implements it.
type DLPStore interface {
	airtight.OrganizationService
	dlp.EventService
}

// DLPOptions configure SeedDLP.
type DLPOptions struct {
	Scanner dlp.ContentScanner // the server's content scanner
	Policy  *policy.Policy     // nil: DLPPolicy()
	// Vault keeps quarantined content. Without one nothing is kept, and
	// mail the policy would hold is refused, as the gateways do.
	Vault *vault.Vault
	// Clock, when set, is moved to each event's time while it is recorded;
	// the store (and the vault) must read it. Without one, events are
	// recorded now.
	Clock *Clock
	Now   time.Time // the end of the history; zero: the current time
}

// DLPResult says what SeedDLP did.
type DLPResult struct {
	AlreadySeeded bool
	Events        int
	Actions       map[dlp.Action]int
	Quarantined   int // items put in the vault
}

// SeedDLP records the demo hospital's DLP history: about forty mails, web
// uploads and files in watched folders over the last DLPDays days, each
// generated with fictional patients, scanned by the content scanner and
// decided by the policy as the gateways would, with the content the
// decision holds put in the vault. It does nothing when the hospital has
// DLP events already.
func SeedDLP(ctx context.Context, s DLPStore, o DLPOptions) (*DLPResult, error) {
	if o.Scanner == nil {
		return nil, fmt.Errorf("demo dlp: a content scanner is required")
	}
	hospital, err := s.FindOrganizationBySlug(airtight.NewContext(ctx, nil), HospitalSlug)
	if err != nil {
		return nil, fmt.Errorf("demo dlp: %w", err)
	}
	ctx = airtight.NewContext(ctx, airtight.SystemActor(hospital.ID, "demo"))
	if evs, _, err := s.ListDLPEvents(ctx, dlp.EventFilter{Limit: 1}); err != nil {
		return nil, fmt.Errorf("demo dlp: %w", err)
	} else if len(evs) > 0 {
		return &DLPResult{AlreadySeeded: true}, nil
	}
	if o.Policy == nil {
		if o.Policy, err = DLPPolicy(); err != nil {
			return nil, fmt.Errorf("demo dlp: %w", err)
		}
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	defer o.Clock.Set(time.Time{})
	res := &DLPResult{Actions: map[dlp.Action]int{}}
	for _, it := range dlpHistory(o.Now) {
		if err := recordItem(ctx, s, &o, it, res); err != nil {
			return nil, fmt.Errorf("demo dlp: %s %s: %w", it.channel, it.name, err)
		}
	}
	return res, nil
}

// item is one piece of content that crossed a DLP channel.
type item struct {
	at         time.Time
	channel    dlp.Channel
	actor      string   // mail sender, proxy user, or the watched file's path
	recipients []string // mail
	host       string   // web upload
	external   bool     // watched folder: an outbound share
	name       string   // file or message name given to the scanner
	content    []byte
}

// recordItem scans, decides, keeps and records one item.
func recordItem(ctx context.Context, s DLPStore, o *DLPOptions, it item, res *DLPResult) error {
	o.Clock.Set(it.at)
	rep, err := o.Scanner.ScanContent(ctx, it.name, bytes.NewReader(it.content))
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	dst := destination(o.Policy, it)
	dec := o.Policy.Decide(rep, dst)
	ev := &dlp.Event{Channel: it.channel, Actor: it.actor, Destination: where(it), External: dst.External,
		Action: dec.Action, Rule: dec.Rule, Reason: dec.Reason, Types: dec.Types,
		Unscannable: len(rep.Unscannable), Bytes: int64(len(it.content))}
	q, err := keep(ctx, o.Vault, it, ev)
	if err != nil {
		return err
	}
	if err := s.RecordDLPEvent(ctx, ev, q); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	res.Events++
	res.Actions[ev.Action]++
	if q != nil {
		res.Quarantined++
	}
	return nil
}

// destination is where the gateway of the item's channel would say it goes.
func destination(p *policy.Policy, it item) dlp.Destination {
	switch it.channel {
	case dlp.ChannelSMTP:
		return p.Destination(dlp.ChannelSMTP, it.actor, it.recipients, "")
	case dlp.ChannelICAP:
		return dlp.Destination{Channel: dlp.ChannelICAP, Host: it.host, Sender: it.actor, External: !p.IsInternal(it.host)}
	}
	return dlp.Destination{Channel: it.channel, External: it.external}
}

// where is the event's destination: recipients' domains (never their
// local parts) or the web host.
func where(it item) string {
	if it.channel == dlp.ChannelICAP {
		return it.host
	}
	var ds []string
	for _, r := range it.recipients {
		if d := policy.Domain(r); d != "" && !slices.Contains(ds, d) {
			ds = append(ds, d)
		}
	}
	return strings.Join(ds, ",")
}

// keep puts the content in the vault where the channel's gateway would:
// mail and uploads the policy quarantines, and files of a watched folder
// that are quarantined or blocked (the folder watch moves them away).
// Without a vault, held mail and uploads are refused instead.
func keep(ctx context.Context, v *vault.Vault, it item, ev *dlp.Event) (*dlp.Quarantined, error) {
	held := ev.Action == dlp.ActionQuarantine ||
		it.channel == dlp.ChannelFolder && ev.Action == dlp.ActionBlock
	if !held {
		return nil, nil
	}
	if v == nil {
		if ev.Action == dlp.ActionQuarantine {
			ev.Action = dlp.ActionBlock
		}
		return nil, nil
	}
	m, err := v.Put(ctx, vault.Info{Kind: "quarantine", Channel: it.channel, Rule: ev.Rule, Types: ev.Types},
		bytes.NewReader(it.content))
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	ev.Ref = m.ID
	return &dlp.Quarantined{VaultID: m.ID, Channel: it.channel, Actor: it.actor, Bytes: m.Size, Types: ev.Types}, nil
}

// dlpHistory returns the demo's DLP items, oldest first, spread over the
// DLPDays days before now in working hours. The same now gives the same
// items.
func dlpHistory(now time.Time) []item {
	r := rand.New(rand.NewPCG(uint64(DefaultSeed), 11))
	var kinds []scenario
	for _, sc := range scenarios {
		for range sc.n {
			kinds = append(kinds, sc)
		}
	}
	r.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	day := now.UTC().Truncate(24 * time.Hour)
	out := make([]item, 0, len(kinds))
	for i, sc := range kinds {
		back := DLPDays - i*DLPDays/len(kinds) // days before today, 30 down to 1
		at := day.AddDate(0, 0, -back).Add(7*time.Hour + time.Duration(r.IntN(11*3600))*time.Second)
		it := sc.build(r, newPatient(r))
		it.at, it.channel = at, sc.channel
		out = append(out, it)
	}
	return out
}
