// Package audit is the tamper-evident record of every state change: who did
// what, when, from where, with a before/after summary that never holds PHI
// values. Entries form a hash chain: each entry's hash covers its fields and
// the previous entry's hash, so an edited, deleted or reordered entry breaks
// the chain at that point.
//
// It imports only the standard library.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Entry is one audit record.
type Entry struct {
	Seq        int64           `json:"seq"` // 1, 2, 3... with no gaps
	Time       time.Time       `json:"time"`
	OrgID      int64           `json:"org_id"`
	ActorKind  string          `json:"actor_kind"`
	ActorID    int64           `json:"actor_id"`
	ActorName  string          `json:"actor_name"`
	RemoteAddr string          `json:"remote_addr,omitempty"`
	Action     string          `json:"action"` // e.g. "device.create"
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	Summary    json.RawMessage `json:"summary,omitempty"` // {"before":{...},"after":{...}}: field names and non-PHI values
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// GenesisHash is the PrevHash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the hash of e's content and PrevHash. Every field is
// length-prefixed so that no two different entries encode alike. Time is
// hashed at microsecond precision, the precision stores keep.
func (e *Entry) ComputeHash() string {
	h := sha256.New()
	var n [8]byte
	putInt := func(v int64) {
		binary.BigEndian.PutUint64(n[:], uint64(v))
		h.Write(n[:])
	}
	putStr := func(s string) {
		putInt(int64(len(s)))
		h.Write([]byte(s))
	}
	putStr("airtight-audit-v1")
	putInt(e.Seq)
	putInt(e.Time.UnixMicro())
	putInt(e.OrgID)
	putStr(e.ActorKind)
	putInt(e.ActorID)
	putStr(e.ActorName)
	putStr(e.RemoteAddr)
	putStr(e.Action)
	putStr(e.TargetType)
	putStr(e.TargetID)
	putStr(string(e.Summary))
	putStr(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// Seal sets e's sequence, previous hash and hash so that it follows prev
// (nil for the first entry).
func (e *Entry) Seal(prev *Entry) {
	e.Seq, e.PrevHash = 1, GenesisHash
	if prev != nil {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.Time = e.Time.Truncate(time.Microsecond)
	e.Hash = e.ComputeHash()
}

// Problem describes the first place where a chain is broken.
type Problem struct {
	Seq    int64  `json:"seq"`    // the first bad entry (or where one is missing)
	Reason string `json:"reason"` // what is wrong there
}

func (p *Problem) Error() string { return fmt.Sprintf("audit entry %d: %s", p.Seq, p.Reason) }

// Verifier checks entries fed to it in stored order. Use Next for each entry,
// then Done.
type Verifier struct {
	prev    *Entry
	checked int64
}

// Next checks one entry against its predecessor; it returns the first problem.
func (v *Verifier) Next(e *Entry) *Problem {
	wantSeq, wantPrev := int64(1), GenesisHash
	if v.prev != nil {
		wantSeq, wantPrev = v.prev.Seq+1, v.prev.Hash
	}
	switch {
	case e.Seq < wantSeq:
		return &Problem{Seq: e.Seq, Reason: fmt.Sprintf("out of order: expected entry %d", wantSeq)}
	case e.Seq > wantSeq:
		return &Problem{Seq: wantSeq, Reason: fmt.Sprintf("missing: the next stored entry is %d", e.Seq)}
	case e.Hash != e.ComputeHash():
		return &Problem{Seq: e.Seq, Reason: "content does not match its hash (edited)"}
	case e.PrevHash != wantPrev:
		return &Problem{Seq: e.Seq, Reason: "does not follow the previous entry (deleted, inserted or reordered)"}
	}
	cp := *e
	v.prev = &cp
	v.checked++
	return nil
}

// Checked returns how many entries verified.
func (v *Verifier) Checked() int64 { return v.checked }

// Head returns the last verified entry, or nil.
func (v *Verifier) Head() *Entry { return v.prev }

// Filter narrows a listing.
type Filter struct {
	AfterSeq  int64 // entries with Seq > AfterSeq
	BeforeSeq int64 // if > 0, entries with Seq < BeforeSeq
	Newest    bool  // newest first (Seq descending); default oldest first
	Limit     int   // 0: the store's maximum (1,000)
	Action    string
}

// Service reads the log. Appending happens inside the stores' transactions,
// never through this interface, so that a change and its entry commit together.
type Service interface {
	// ListEntries lists the actor's organization's entries.
	ListEntries(ctx context.Context, f Filter) ([]*Entry, error)
	// WalkAll calls fn for every entry of every organization in Seq order
	// (system use: verify, export).
	WalkAll(ctx context.Context, fn func(*Entry) error) error
}

// Summary builds an entry summary from before and after values (either may
// be nil). Callers pass only non-PHI fields.
func Summary(before, after any) json.RawMessage {
	m := map[string]any{}
	if before != nil {
		m["before"] = before
	}
	if after != nil {
		m["after"] = after
	}
	b, err := json.Marshal(m)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return b
}
