package dlp

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The engine's shortcuts (gates in front of detectors, packed keyword and
// name keys, per-chunk sorting, galloping token search) must only save
// work: these tests hold each to the plain way of doing the same thing.

// gateTexts mixes generated notes, sentences that reach the rarer
// detectors, and, when the shared test data is there, presidio's sentences;
// each also in upper and in lower case, where case says nothing.
func gateTexts(t testing.TB) [][]byte {
	t.Helper()
	texts := [][]byte{clinicalText(200 << 10)}
	for _, s := range gateSentences {
		texts = append(texts, []byte(s))
	}
	texts = append(texts, presidioTexts(t)...)
	n := len(texts)
	for _, b := range texts[:n] {
		texts = append(texts, bytes.ToUpper(b), bytes.ToLower(b))
	}
	return texts
}

var gateSentences = []string{
	"Seen with Dr. Alice Wong on 07/22/2019; d/w XIAOLING LONG. Husband Rich at bedside, call 617-555-1234 x204.",
	"MRN: 00123456, DOB Jan 3rd 1950, SSN 123-45-6789, card 4111 1111 1111 1111, NPI 1234567893, DEA AB1234563.",
	"Lives at 12 Oak Hill Rd, Boston, MA 02115. PO Box 4411. Mercy Hospital. 5521 119 Countess Close.",
	"Address:\nRue de Virton 38\n6700 Arlon, Belgique\nFeldstrasse 42, 8004 Zürich. ul. Narewska 94, 53-320 Wrocław",
	"PT IS A 92 YO M S/P MI '92, FAX 617-555-9876, pager x1543, pgr 8-3725, tel +44 20 7946 0958, 0490 75 40 81.",
	"My name is Aantje Mourik but everyone calls me Aantje. Amy: Remember me? Catherine is a very kind person.",
	"VIN 1HGCM82633A004352, S/N AB-12345, IP 10.1.2.3 and fe80::1:2:3:4, mail a.b@example.org, www.example.com/x",
	"Na 139 K 4.2 Cl 101 HCO3 25 BUN 17 Cr 0.9 Glu 112. BP 128/76, HR 84, 1/2 tab, pain 5/10, age 45, 0095 yo.",
	"3482 Via Franscini 71, 6900 Lugano; Via Tasso 129; Parijsstraat 8; 09457 Vana-Viru 25 Apt. 971; 30102 Kaevu 94",
	"Jarmila Fiedlerová and Janka M. Szász moved to New York, NY 10001 from Springfield, Illinois in March 2019.",
}

// presidioTexts returns the sentences of presidio-research's data set from
// the shared test data, or none when it is absent (a failure when the
// environment requires every test input).
func presidioTexts(t testing.TB) [][]byte {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("go.mod not found above the package")
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "..", "shared", "data", "dlp", "presidio-research", "synth_dataset_v2.json"))
	if err != nil {
		if os.Getenv("AIRTIGHT_TEST_TOOLS") == "required" {
			t.Fatalf("shared presidio data: %v", err)
		}
		t.Logf("shared presidio data absent (%v): generated texts only", err)
		return nil
	}
	var recs []struct {
		Text string `json:"full_text"`
	}
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatalf("synth_dataset_v2.json: %v", err)
	}
	out := make([][]byte, len(recs))
	for i, r := range recs {
		out[i] = []byte(r.Text)
	}
	return out
}

// scanGated scans text with a fresh scanner, with or without the gates.
func scanGated(t testing.TB, e *Engine, text []byte, ungated bool) []Finding {
	t.Helper()
	s := newScanner(e)
	s.ungated = ungated
	return s.scan(text)
}

func TestGatesOnlySkipWork(t *testing.T) {
	e, err := New(Options{MinConfidence: -1})
	if err != nil {
		t.Fatal(err)
	}
	texts := gateTexts(t)
	all := bytes.Join(texts, []byte("\n")) // many chunks
	for i, text := range append(texts, all) {
		gated, plain := scanGated(t, e, text, false), scanGated(t, e, text, true)
		if !slices.Equal(gated, plain) {
			t.Errorf("text %d (%.40q...): the gates change the findings:\ngated   %v\nungated %v", i, text, gated, plain)
		}
	}
}

// orderGlobal is order done the plain way: one stable sort of every
// finding that passes the filters.
func orderGlobal(e *Engine, in []Finding) []uint64 {
	var idx []uint64
	for i, f := range in {
		if f.Start < f.End && f.Confidence >= e.min && e.wants(f.Type) {
			idx = append(idx, uint64(i))
		}
	}
	slices.SortStableFunc(idx, func(a, b uint64) int {
		fa, fb := &in[a], &in[b]
		if c := cmp.Compare(fa.Start, fb.Start); c != 0 {
			return c
		}
		return cmp.Compare(fb.End, fa.End)
	})
	return idx
}

func TestOrderByChunkMatchesOneSort(t *testing.T) {
	text := bytes.Join(gateTexts(t), []byte("\n"))
	for _, opts := range []Options{{}, {MinConfidence: -1}, {Types: []Type{Name, Location}}} {
		e, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		s := newScanner(e)
		got := s.scan(text)
		if len(text) < 2*chunkSize {
			t.Fatalf("%d bytes: the text should need several chunks", len(text))
		}
		if order, want := e.order(text, s.found, nil), orderGlobal(e, s.found); !slices.Equal(order, want) {
			t.Errorf("%+v: sorting by chunk gives another order than one sort", opts)
		}
		if len(got) == 0 || !slices.IsSortedFunc(got, func(a, b Finding) int { return cmp.Compare(a.Start, b.Start) }) {
			t.Errorf("%+v: %d findings, not sorted by start", opts, len(got))
		}
	}
}

func TestTokenAfterGallopsToTheSameToken(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for round := 0; round < 50; round++ {
		s := &scanner{}
		pos := 0
		for n := r.Intn(300); n > 0; n-- {
			pos += 1 + r.Intn(6)
			s.toks = append(s.toks, token{s: int32(pos), e: int32(pos + 1)})
		}
		for q := 0; q < 200; q++ {
			off := r.Intn(pos + 8)
			if q%3 == 0 && len(s.toks) > 0 { // near the last answer, as callers ask
				off = int(s.toks[min(s.afterHint, len(s.toks)-1)].s) + r.Intn(9) - 4
			}
			want := sort.Search(len(s.toks), func(k int) bool { return int(s.toks[k].s) >= off })
			if got := s.tokenAfter(off); got != want {
				t.Fatalf("round %d: tokenAfter(%d) = %d, want %d", round, off, got, want)
			}
		}
	}
}

func TestLower8MatchesLowerByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			var w [8]byte
			for k := range w {
				w[k] = byte(c + 37*k) // other bytes around, to catch carries
			}
			w[pos] = byte(c)
			got := lower8(binary.LittleEndian.Uint64(w[:]))
			for k := range w {
				if b := byte(got >> (8 * k)); b != lowerByte(w[k]) {
					t.Fatalf("lower8 of %x: byte %d is %#x, want %#x", w, k, b, lowerByte(w[k]))
				}
			}
		}
	}
}

// TestKeywordLookups tokenizes every keyword, in three cases and at the
// end of a text (where the tokenizer cannot read eight bytes), and
// compares its flags with the keyword map.
func TestKeywordLookups(t *testing.T) {
	s := newScanner(nil)
	for w, f := range keywords {
		if strings.ContainsAny(w, "#/") {
			continue // never one token
		}
		for _, v := range []string{w, asciiUpper(w), asciiUpper(w[:1]) + w[1:]} {
			for _, text := range []string{v + " is a word here", "a " + v} {
				s.reset([]byte(text), 0)
				s.tokenize()
				k := s.tokenAt(strings.Index(text, v))
				if k < 0 || s.toks[k].kw != f {
					t.Errorf("%q in %q: flags %b, want %b", v, text, s.tok(k).kw, f)
				}
			}
		}
	}
	for _, w := range []string{"zebra", "hospitals", "Thisislongerthansixteen", "Streetx", "mgs", "a"} {
		s.reset([]byte(w+" and more words"), 0)
		s.tokenize()
		if f := s.toks[0].kw; f != keywords[asciiLower(w)] {
			t.Errorf("%q: flags %b", w, f)
		}
	}
}

func TestFingerprints(t *testing.T) {
	words := []string{"smith", "SMITH", "Smith", "o", "ab", "abcdefgh", "ABCDEFGHI", "Červinková", "ávalos", "zz"}
	for _, w := range words {
		if fingerprint([]byte(w)) != fingerprint([]byte(asciiLower(w))) {
			t.Errorf("%q: the fingerprint depends on ASCII case", w)
		}
		if len(w) <= 8 {
			padded := append([]byte(w), "tail!!!!"...)
			if got, want := shortFingerprint(binary.LittleEndian.Uint64(padded), len(w)), fingerprint([]byte(w)); got != want {
				t.Errorf("%q: short fingerprint %x, want %x", w, got, want)
			}
		}
	}
	seen := map[uint64]string{}
	for _, w := range []string{"ab", "ab\x80", "abc", "abcdefgh", "abcdefghi", "abcdefghab", "smith", "smyth", "zmith"} {
		fp := fingerprint([]byte(w))
		if o, ok := seen[fp]; ok {
			t.Errorf("%q and %q share a fingerprint", w, o)
		}
		if fp&0xff != 0 || fp == 0 {
			t.Errorf("%q: fingerprint %x keeps its low byte or is zero", w, fp)
		}
		seen[fp] = w
	}
}

// asciiUpper and asciiLower change the case of ASCII letters only, as the
// engine compares words.
func asciiUpper(w string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}, w)
}

func asciiLower(w string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}, w)
}

// FuzzGatesOnlySkipWork holds the gated engine to the ungated one, and
// sorting by chunk to one sort, on any input.
func FuzzGatesOnlySkipWork(f *testing.F) {
	for _, s := range gateSentences {
		f.Add([]byte(s))
	}
	f.Add([]byte("\x00\xff:::1 ÀÉ 123 Rue 4 www.x.y"))
	e, err := New(Options{MinConfidence: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		s := newScanner(e)
		gated := s.scan(b)
		if order, want := e.order(b, s.found, nil), orderGlobal(e, s.found); !slices.Equal(order, want) {
			t.Fatalf("sorting by chunk gives another order than one sort:\n%v\n%v", order, want)
		}
		if plain := scanGated(t, e, b, true); !slices.Equal(gated, plain) {
			t.Fatalf("the gates change the findings:\ngated   %v\nungated %v", gated, plain)
		}
	})
}
