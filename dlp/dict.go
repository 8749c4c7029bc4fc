package dlp

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/binary"
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
	if n := int(t.e - t.s); n >= 2 && n <= maxKWLen+8 && t.kind == tWord {
		if n <= 8 && int(t.s)+8 <= len(s.text) {
			f = s.cachedNameFlags(shortFingerprint(binary.LittleEndian.Uint64(s.text[t.s:]), n))
		} else {
			f = s.cachedNameFlags(fingerprint(s.text[t.s:t.e]))
		}
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

// fingerprint hashes the lower-cased bytes of w to 64 bits, with the low
// byte cleared for the flags and never zero. It takes eight bytes at a
// time, the last ones zero-padded, so a word of up to eight bytes is one
// step (see shortFingerprint). Each step is invertible, so words of up to
// eight bytes differ in their fingerprints before the low byte is cleared.
func fingerprint(w []byte) uint64 {
	h := uint64(len(w))
	for len(w) > 8 {
		h = fpStep(h, lower8(binary.LittleEndian.Uint64(w)))
		w = w[8:]
	}
	return fpKey(fpStep(h, packWord(w)))
}

// shortFingerprint is fingerprint of the n <= 8 bytes at the start of x,
// eight bytes read from the text.
func shortFingerprint(x uint64, n int) uint64 {
	return fpKey(fpStep(uint64(n), lower8(x&(1<<(8*n)-1))))
}

// fpStep mixes one block into h: a multiplication spreads each bit
// upwards, the shift brings the mixed high half down to the low bits that
// pick the name cache's slot.
func fpStep(h, block uint64) uint64 {
	h = (h ^ block) * 0x9e3779b97f4a7c15
	return h ^ h>>32
}

// fpKey clears the low byte, where tables keep the flags, and avoids zero,
// which marks an empty slot.
func fpKey(h uint64) uint64 {
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
