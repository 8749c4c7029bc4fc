package dlp

// kwHashTable is an open-addressing table of lower-case words, small
// enough to stay in cache, compared without regard to ASCII case: the
// keywords of more than eight bytes (shortKW has the others) and the state
// names. It replaces a map lookup, which would hash a lower-cased copy.
type kwHashTable struct {
	mask  uint32
	shift uint32
	words []string
	flags []kwFlag
}

var kwTable = buildKWTable(keywords)

func buildKWTable(m map[string]kwFlag) *kwHashTable {
	n, bits := uint32(1), uint32(0)
	for n < uint32(4*len(m)) {
		n, bits = n<<1, bits+1
	}
	t := &kwHashTable{mask: n - 1, shift: 32 - bits, words: make([]string, n), flags: make([]kwFlag, n)}
	for w, f := range m {
		k := t.slot(kwHash([]byte(w)))
		for t.words[k] != "" {
			k = (k + 1) & t.mask
		}
		t.words[k], t.flags[k] = w, f
	}
	return t
}

// kwHash hashes a non-empty word by its length and its first, middle and
// last bytes, lower-cased: words that are equal without regard to ASCII
// case hash alike. Reading four bytes instead of all of them keeps a lookup
// short; get compares the whole word, and the keywords rarely share all
// four (a shared hash only lengthens a probe).
func kwHash(w []byte) uint32 {
	n := len(w)
	if n == 0 {
		return 0
	}
	return (uint32(lowerByte(w[0])) | uint32(lowerByte(w[n>>1]))<<8 | uint32(lowerByte(w[n-1]))<<16 |
		uint32(n)<<24) * 0x9e3779b1
}

// slot is the first slot to probe for hash h: its top bits, which the
// multiplication in kwHash mixes best.
func (t *kwHashTable) slot(h uint32) uint32 { return h >> t.shift & t.mask }

// get returns the flags of w, compared without regard to ASCII case.
func (t *kwHashTable) get(w []byte) kwFlag {
	for k := t.slot(kwHash(w)); ; k = (k + 1) & t.mask {
		key := t.words[k]
		if key == "" {
			return 0
		}
		if equalFold(w, key) {
			return t.flags[k]
		}
	}
}

// equalFold reports whether w equals the lower-case key, ASCII case aside.
func equalFold(w []byte, key string) bool {
	if len(w) != len(key) {
		return false
	}
	for i := range w {
		if lowerByte(w[i]) != key[i] {
			return false
		}
	}
	return true
}

// packedTable maps words of at most eight bytes, packed by packWord, to
// keyword flags: a lookup is one multiplication and, mostly, one probe,
// with no byte-by-byte comparison. It is at most a quarter full.
type packedTable struct {
	shift uint
	keys  []uint64
	flags []kwFlag
}

// shortKW holds the keywords of at most eight bytes.
var shortKW = buildPackedTable(keywords)

func buildPackedTable(m map[string]kwFlag) *packedTable {
	bits := uint(4)
	for 1<<bits < 4*len(m) {
		bits++
	}
	t := &packedTable{shift: 64 - bits, keys: make([]uint64, 1<<bits), flags: make([]kwFlag, 1<<bits)}
	mask := len(t.keys) - 1
	for w, f := range m {
		if len(w) == 0 || len(w) > 8 {
			continue
		}
		k := t.slot(packWord([]byte(w)))
		for t.keys[k] != 0 {
			k = (k + 1) & mask
		}
		t.keys[k], t.flags[k] = packWord([]byte(w)), f
	}
	return t
}

func (t *packedTable) slot(v uint64) int { return int(v * 0x9e3779b97f4a7c15 >> t.shift) }

// get returns the flags of the packed word v (not 0).
func (t *packedTable) get(v uint64) kwFlag {
	mask := len(t.keys) - 1
	for k := t.slot(v); ; k = (k + 1) & mask {
		switch t.keys[k] {
		case v:
			return t.flags[k]
		case 0:
			return 0
		}
	}
}
