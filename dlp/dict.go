package dlp

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"sync"
)

// Name dictionaries, compiled into the binary. See data/NOTICE for sources.
//
//go:embed data/first.txt.gz data/last.txt.gz data/common.txt.gz data/census_top1000.txt data/stop.txt data/english.txt.gz
var dataFS embed.FS

// name flags
const (
	nFirst   uint8 = 1 << iota // a first name
	nLast                      // a surname
	nCensus                    // among the 1,000 commonest US surnames
	nCommon                    // also an English word: weak evidence alone
	nStop                      // a medical term or eponym: not a name without strong context
	nEnglish                   // a lower-case English word (name or not)
)

// nKnown marks words of any list: a capitalised word without them is an
// unknown proper noun, a name or a place.
const nKnown = nFirst | nLast | nCommon | nStop | nEnglish

var (
	dictOnce sync.Once
	dictErr  error
	names    *nameTable // lower-case word -> flags; read-only after load
)

func loadDicts() error {
	dictOnce.Do(func() {
		m := make(map[string]uint8, 330000)
		for _, f := range []struct {
			path string
			flag uint8
		}{{"data/first.txt.gz", nFirst}, {"data/last.txt.gz", nLast}, {"data/census_top1000.txt", nCensus},
			{"data/common.txt.gz", nCommon}, {"data/stop.txt", nStop}, {"data/english.txt.gz", nEnglish}} {
			if err := readList(f.path, f.flag, m); err != nil {
				dictErr = fmt.Errorf("%s: %w", f.path, err)
				return
			}
		}
		names = newNameTable(m)
		for w, f := range m {
			if f&(nFirst|nLast) != 0 {
				h := kwHash([]byte(w)) & nameBitsMask
				nameBits[h>>6] |= 1 << (h & 63)
			}
		}
	})
	return dictErr
}

func readList(path string, flag uint8, m map[string]uint8) error {
	b, err := dataFS.ReadFile(path)
	if err != nil {
		return err
	}
	var r io.Reader = bytes.NewReader(b)
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return err
		}
		r = zr
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			m[w] |= flag
		}
	}
	return sc.Err()
}

// nameBits is a one-hash Bloom filter of the first and last names: a
// clear bit proves a word is neither, without a map lookup.
const nameBitsMask = 1<<22 - 1

var nameBits [(nameBitsMask + 1) / 64]uint64

// maybeName reports whether w may be a first or last name.
func maybeName(w []byte) bool {
	if len(w) < 2 || len(w) > maxKWLen+8 {
		return true // nameFlags decides
	}
	h := kwHash(w) & nameBitsMask
	return nameBits[h>>6]&(1<<(h&63)) != 0
}

// nameFlags returns the dictionary flags of word token i, looked up once
// per token.
func (s *scanner) nameFlags(i int) uint8 {
	if i < 0 || i >= len(s.toks) {
		return 0
	}
	t := &s.toks[i]
	if t.nfOK {
		return t.nf
	}
	var f uint8
	if b := s.text[t.s:t.e]; len(b) >= 2 && len(b) <= maxKWLen+8 && t.kind == tWord {
		f = s.cachedNameFlags(fingerprint(b))
	}
	t.nf, t.nfOK = f, true
	return f
}

// nameCacheSize is the number of slots of a scanner's name cache.
const nameCacheSize = 1 << 10

// cachedNameFlags looks a word's fingerprint up in the scanner's small
// direct-mapped cache before the dictionary: notes repeat their words, and
// the dictionary is megabytes of random access while the cache is 8 KiB.
// A slot holds a fingerprint and its flags, as the dictionary does; the
// dictionary never changes, so a slot never goes stale.
func (s *scanner) cachedNameFlags(key uint64) uint8 {
	slot := &s.nameCache[key>>8&(nameCacheSize-1)]
	if *slot&^0xff == key {
		return uint8(*slot)
	}
	f := names.getKey(key)
	*slot = key | uint64(f)
	return f
}

// nameTable maps words to name flags in one flat array: each slot holds
// a 56-bit fingerprint of the lower-cased word and its flags, so a lookup
// touches one cache line instead of a map's several. Two dictionary words
// sharing a 56-bit fingerprint is vanishingly unlikely (about 2^-20 for
// the whole dictionary).
type nameTable struct {
	shift uint
	slots []uint64
}

func newNameTable(m map[string]uint8) *nameTable {
	bits := uint(4)
	for 1<<bits < len(m)*3/2 { // at most two thirds full
		bits++
	}
	t := &nameTable{shift: 64 - bits, slots: make([]uint64, 1<<bits)}
	mask := uint64(len(t.slots) - 1)
	for w, f := range m {
		key := fingerprint([]byte(w))
		k := key >> t.shift
		for t.slots[k] != 0 {
			k = (k + 1) & mask
		}
		t.slots[k] = key | uint64(f)
	}
	return t
}

// fingerprint is FNV-1a (64 bits) over the lower-cased bytes of w, with
// the low byte cleared for the flags and never zero.
func fingerprint(w []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range w {
		h = (h ^ uint64(lowerByte(c))) * 1099511628211
	}
	h &^= 0xff
	if h == 0 {
		h = 0x100
	}
	return h
}

func (t *nameTable) getKey(key uint64) uint8 {
	mask := uint64(len(t.slots) - 1)
	for k := key >> t.shift; ; k = (k + 1) & mask {
		e := t.slots[k]
		if e == 0 {
			return 0
		}
		if e&^0xff == key {
			return uint8(e)
		}
	}
}
