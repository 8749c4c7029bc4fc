package audit_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/audit"
	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 2, 3, 4, 5, 6, 789123456, time.UTC)

// chain returns n sealed entries.
func chain(t *testing.T, n int) []*audit.Entry {
	t.Helper()
	var out []*audit.Entry
	var prev *audit.Entry
	for i := 0; i < n; i++ {
		e := &audit.Entry{
			Time:       t0.Add(time.Duration(i) * time.Minute),
			OrgID:      1,
			ActorKind:  "user",
			ActorID:    7,
			ActorName:  "alex@hospital.example",
			RemoteAddr: "10.0.0.9",
			Action:     "device.update",
			TargetType: "device",
			TargetID:   "42",
			Summary:    audit.Summary(map[string]string{"status": "active"}, map[string]string{"status": "maintenance"}),
		}
		e.Seal(prev)
		out = append(out, e)
		prev = e
	}
	return out
}

// clone deep-copies entries so that a test may corrupt them.
func clone(es []*audit.Entry) []*audit.Entry {
	out := make([]*audit.Entry, len(es))
	for i, e := range es {
		c := *e
		c.Summary = append(json.RawMessage(nil), e.Summary...)
		out[i] = &c
	}
	return out
}

// verify feeds es to a Verifier and returns the first problem.
func verify(es []*audit.Entry) (*audit.Verifier, *audit.Problem) {
	var v audit.Verifier
	for _, e := range es {
		if p := v.Next(e); p != nil {
			return &v, p
		}
	}
	return &v, nil
}

func TestSeal(t *testing.T) {
	es := chain(t, 3)
	for i, e := range es {
		if e.Seq != int64(i+1) {
			t.Errorf("entry %d: Seq = %d, want %d", i, e.Seq, i+1)
		}
		if e.Hash != e.ComputeHash() {
			t.Errorf("entry %d: Hash does not match ComputeHash", i)
		}
		if len(e.Hash) != 64 {
			t.Errorf("entry %d: Hash %q is not 64 hex characters", i, e.Hash)
		}
		if e.Time.Nanosecond()%1000 != 0 {
			t.Errorf("entry %d: Time %v not truncated to microseconds", i, e.Time)
		}
	}
	if es[0].PrevHash != audit.GenesisHash {
		t.Errorf("first PrevHash = %q, want genesis", es[0].PrevHash)
	}
	for i := 1; i < len(es); i++ {
		if es[i].PrevHash != es[i-1].Hash {
			t.Errorf("entry %d: PrevHash does not link to entry %d", i+1, i)
		}
	}
}

func TestVerifierGoodChain(t *testing.T) {
	es := chain(t, 5)
	v, p := verify(es)
	if p != nil {
		t.Fatalf("intact chain: %v", p)
	}
	if got := v.Checked(); got != 5 {
		t.Errorf("Checked = %d, want 5", got)
	}
	head := v.Head()
	if head == nil {
		t.Fatal("Head = nil")
	}
	if diff := cmp.Diff(es[4], head); diff != "" {
		t.Errorf("Head mismatch (-want +got):\n%s", diff)
	}
	// Head is a copy: later changes to the stored entry do not alter it.
	es[4].ActorName = "mallory"
	if v.Head().ActorName == "mallory" {
		t.Error("Head aliases the entry passed to Next")
	}
}

func TestVerifierEmpty(t *testing.T) {
	var v audit.Verifier
	if v.Checked() != 0 || v.Head() != nil {
		t.Errorf("empty verifier: Checked = %d, Head = %v", v.Checked(), v.Head())
	}
}

// Truncating the tail cannot be seen from the entries alone; Head shows how
// far the chain reaches, to compare with an anchored head.
func TestVerifierTruncatedTail(t *testing.T) {
	es := chain(t, 5)
	v, p := verify(es[:4])
	if p != nil {
		t.Fatalf("truncated chain: %v", p)
	}
	if v.Head().Seq != 4 || v.Head().Hash != es[3].Hash {
		t.Errorf("Head = entry %d, want 4", v.Head().Seq)
	}
}

func TestVerifierDetectsTampering(t *testing.T) {
	tests := []struct {
		name       string
		corrupt    func(t *testing.T, es []*audit.Entry) []*audit.Entry
		wantSeq    int64
		wantReason string
		wantCheck  int64 // entries verified before the problem
	}{
		{
			name:    "edit ActorName",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry { es[2].ActorName = "mallory"; return es },
			wantSeq: 3, wantReason: "edited", wantCheck: 2,
		},
		{
			name: "edit Summary",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				es[2].Summary = audit.Summary(map[string]string{"status": "active"}, nil)
				return es
			},
			wantSeq: 3, wantReason: "edited", wantCheck: 2,
		},
		{
			name: "edit Time by one microsecond",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				es[2].Time = es[2].Time.Add(time.Microsecond)
				return es
			},
			wantSeq: 3, wantReason: "edited", wantCheck: 2,
		},
		{
			name:    "edit OrgID",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry { es[2].OrgID = 2; return es },
			wantSeq: 3, wantReason: "edited", wantCheck: 2,
		},
		{
			name:    "edit Hash",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry { es[2].Hash = es[1].Hash; return es },
			wantSeq: 3, wantReason: "edited", wantCheck: 2,
		},
		{
			name: "edit and re-hash breaks the next link",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				es[2].Action = "device.delete"
				es[2].Hash = es[2].ComputeHash()
				return es
			},
			wantSeq: 4, wantReason: "does not follow", wantCheck: 3,
		},
		{
			name: "delete entry 3",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				return append(es[:2], es[3:]...)
			},
			wantSeq: 3, wantReason: "missing", wantCheck: 2,
		},
		{
			name: "delete first entry",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				return es[1:]
			},
			wantSeq: 1, wantReason: "missing", wantCheck: 0,
		},
		{
			// The Verifier stops at the first stored entry that is not the
			// expected one: entry 4 stands where 3 should, so 3 is missing.
			name: "swap entries 3 and 4",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				es[2], es[3] = es[3], es[2]
				return es
			},
			wantSeq: 3, wantReason: "missing", wantCheck: 2,
		},
		{
			name: "swap entries 3 and 4, renumbered and re-hashed",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				es[2], es[3] = es[3], es[2]
				es[2].Seq, es[3].Seq = 3, 4
				es[2].Hash, es[3].Hash = es[2].ComputeHash(), es[3].ComputeHash()
				return es
			},
			wantSeq: 3, wantReason: "does not follow", wantCheck: 2,
		},
		{
			name: "entry 3 stored twice",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				dup := *es[2]
				return append(es[:3], append([]*audit.Entry{&dup}, es[3:]...)...)
			},
			wantSeq: 3, wantReason: "out of order", wantCheck: 3,
		},
		{
			name: "forged entry with wrong PrevHash inserted",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				forged := &audit.Entry{Seq: 3, Time: es[2].Time, OrgID: 1, ActorKind: "user", ActorName: "mallory",
					Action: "user.update", TargetType: "user", TargetID: "1", PrevHash: es[0].Hash}
				forged.Hash = forged.ComputeHash()
				for _, e := range es[2:] { // renumber and re-hash the rest
					e.Seq++
					e.Hash = e.ComputeHash()
				}
				return append(es[:2], append([]*audit.Entry{forged}, es[2:]...)...)
			},
			wantSeq: 3, wantReason: "does not follow", wantCheck: 2,
		},
		{
			name: "forged entry correctly linked, originals not renumbered",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				forged := &audit.Entry{Time: es[2].Time, OrgID: 1, ActorName: "mallory", Action: "user.update"}
				forged.Seal(es[1])
				return append(es[:2], append([]*audit.Entry{forged}, es[2:]...)...)
			},
			wantSeq: 3, wantReason: "out of order", wantCheck: 3,
		},
		{
			name: "first entry with non-genesis PrevHash, re-hashed",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				es[0].PrevHash = strings.Repeat("f", 64)
				es[0].Hash = es[0].ComputeHash()
				return es
			},
			wantSeq: 1, wantReason: "does not follow", wantCheck: 0,
		},
		{
			name: "first entry with non-genesis PrevHash, not re-hashed",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				es[0].PrevHash = strings.Repeat("f", 64)
				return es
			},
			wantSeq: 1, wantReason: "edited", wantCheck: 0,
		},
		{
			name: "last entry edited",
			corrupt: func(t *testing.T, es []*audit.Entry) []*audit.Entry {
				es[4].TargetID = "43"
				return es
			},
			wantSeq: 5, wantReason: "edited", wantCheck: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := chain(t, 5)
			es := tt.corrupt(t, clone(orig))
			v, p := verify(es)
			if p == nil {
				t.Fatal("tampered chain verified")
			}
			if p.Seq != tt.wantSeq || !strings.Contains(p.Reason, tt.wantReason) {
				t.Errorf("problem = {Seq: %d, Reason: %q}, want Seq %d with %q", p.Seq, p.Reason, tt.wantSeq, tt.wantReason)
			}
			if got := v.Checked(); got != tt.wantCheck {
				t.Errorf("Checked = %d, want %d", got, tt.wantCheck)
			}
			if !strings.HasPrefix(p.Error(), "audit entry ") {
				t.Errorf("Error() = %q", p.Error())
			}
			// The pristine chain still verifies: corruption worked on a copy.
			if _, p := verify(orig); p != nil {
				t.Errorf("original chain no longer verifies: %v", p)
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	p := &audit.Problem{Seq: 3, Reason: "content does not match its hash (edited)"}
	if got, want := p.Error(), "audit entry 3: content does not match its hash (edited)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func baseEntry() audit.Entry {
	return audit.Entry{
		Seq: 3, Time: t0.Truncate(time.Microsecond), OrgID: 1, ActorKind: "user", ActorID: 7,
		ActorName: "alex", RemoteAddr: "10.0.0.9", Action: "device.create", TargetType: "device",
		TargetID: "42", Summary: json.RawMessage(`{"after":{"status":"active"}}`),
		PrevHash: strings.Repeat("a", 64), Hash: strings.Repeat("b", 64),
	}
}

func TestComputeHashCoversEveryField(t *testing.T) {
	mutators := map[string]func(e *audit.Entry){
		"Seq":        func(e *audit.Entry) { e.Seq++ },
		"Time":       func(e *audit.Entry) { e.Time = e.Time.Add(time.Microsecond) },
		"OrgID":      func(e *audit.Entry) { e.OrgID++ },
		"ActorKind":  func(e *audit.Entry) { e.ActorKind = "token" },
		"ActorID":    func(e *audit.Entry) { e.ActorID++ },
		"ActorName":  func(e *audit.Entry) { e.ActorName += "x" },
		"RemoteAddr": func(e *audit.Entry) { e.RemoteAddr = "10.0.0.10" },
		"Action":     func(e *audit.Entry) { e.Action = "device.delete" },
		"TargetType": func(e *audit.Entry) { e.TargetType = "product" },
		"TargetID":   func(e *audit.Entry) { e.TargetID = "43" },
		"Summary":    func(e *audit.Entry) { e.Summary = json.RawMessage(`{"after":{"status":"retired"}}`) },
		"PrevHash":   func(e *audit.Entry) { e.PrevHash = strings.Repeat("c", 64) },
	}
	// Every field but Hash itself must have a mutator, so that a new field
	// cannot be added without deciding whether the hash covers it.
	typ := reflect.TypeOf(audit.Entry{})
	for i := 0; i < typ.NumField(); i++ {
		name := typ.Field(i).Name
		if _, ok := mutators[name]; !ok && name != "Hash" {
			t.Errorf("no mutator for Entry.%s: is it hashed?", name)
		}
	}

	base := baseEntry()
	want := base.ComputeHash()
	for name, mutate := range mutators {
		t.Run(name, func(t *testing.T) {
			e := baseEntry()
			mutate(&e)
			if e.ComputeHash() == want {
				t.Errorf("changing %s does not change the hash", name)
			}
		})
	}
	t.Run("Hash is not hashed", func(t *testing.T) {
		e := baseEntry()
		e.Hash = ""
		if e.ComputeHash() != want {
			t.Error("the Hash field changes ComputeHash")
		}
	})
	t.Run("sub-microsecond time is not hashed", func(t *testing.T) {
		e := baseEntry()
		e.Time = e.Time.Add(999 * time.Nanosecond)
		if e.ComputeHash() != want {
			t.Error("hash depends on time below microsecond precision")
		}
	})
	t.Run("time zone is not hashed", func(t *testing.T) {
		e := baseEntry()
		e.Time = e.Time.In(time.FixedZone("CET", 3600))
		if e.ComputeHash() != want {
			t.Error("hash depends on the time's location")
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		e := baseEntry()
		if e.ComputeHash() != want {
			t.Error("same entry hashes differently")
		}
	})
}

func TestComputeHashLengthPrefixed(t *testing.T) {
	tests := []struct {
		name string
		a, b func(e *audit.Entry)
	}{
		{
			name: "ActorName/TargetType",
			a:    func(e *audit.Entry) { e.ActorName, e.RemoteAddr, e.Action, e.TargetType = "ab", "", "", "c" },
			b:    func(e *audit.Entry) { e.ActorName, e.RemoteAddr, e.Action, e.TargetType = "a", "", "", "bc" },
		},
		{
			name: "ActorName/RemoteAddr",
			a:    func(e *audit.Entry) { e.ActorName, e.RemoteAddr = "ab", "c" },
			b:    func(e *audit.Entry) { e.ActorName, e.RemoteAddr = "a", "bc" },
		},
		{
			name: "TargetType/TargetID",
			a:    func(e *audit.Entry) { e.TargetType, e.TargetID = "device", "42" },
			b:    func(e *audit.Entry) { e.TargetType, e.TargetID = "device4", "2" },
		},
		{
			name: "Summary/PrevHash",
			a:    func(e *audit.Entry) { e.Summary, e.PrevHash = json.RawMessage(`{}`), "ab" },
			b:    func(e *audit.Entry) { e.Summary, e.PrevHash = json.RawMessage(`{}a`), "b" },
		},
		{
			name: "empty field vs moved content",
			a:    func(e *audit.Entry) { e.ActorKind, e.ActorName = "", "user" },
			b:    func(e *audit.Entry) { e.ActorKind, e.ActorName = "user", "" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := baseEntry(), baseEntry()
			tt.a(&a)
			tt.b(&b)
			if a.ComputeHash() == b.ComputeHash() {
				t.Error("entries with the same concatenated fields hash alike")
			}
		})
	}
}

func TestSummary(t *testing.T) {
	type status struct {
		Status string `json:"status"`
	}
	tests := []struct {
		name          string
		before, after any
		want          string
	}{
		{name: "both nil", want: `{}`},
		{name: "before only", before: status{"active"}, want: `{"before":{"status":"active"}}`},
		{name: "after only", after: status{"active"}, want: `{"after":{"status":"active"}}`},
		{name: "both", before: status{"active"}, after: status{"quarantined"}, want: `{"after":{"status":"quarantined"},"before":{"status":"active"}}`},
		{name: "map values", before: map[string]int{"n": 1}, after: map[string]int{"n": 2}, want: `{"after":{"n":2},"before":{"n":1}}`},
		{name: "unmarshalable value", before: make(chan int), want: `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := audit.Summary(tt.before, tt.after)
			if string(got) != tt.want {
				t.Errorf("Summary = %s, want %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("Summary %s is not valid JSON", got)
			}
		})
	}
}
