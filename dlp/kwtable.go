package dlp

// kwHashTable is an open-addressing table of the lower-case keywords,
// small enough to stay in cache; it replaces a map lookup (which hashes
// a freshly lower-cased copy) for every candidate word.
type kwHashTable struct {
	mask  uint32
	words []string
	flags []kwFlag
}

var kwTable = buildKWTable(keywords)

func buildKWTable(m map[string]kwFlag) *kwHashTable {
	n := uint32(1)
	for n < uint32(4*len(m)) {
		n <<= 1
	}
	t := &kwHashTable{mask: n - 1, words: make([]string, n), flags: make([]kwFlag, n)}
	for w, f := range m {
		k := kwHash([]byte(w)) & t.mask
		for t.words[k] != "" {
			k = (k + 1) & t.mask
		}
		t.words[k], t.flags[k] = w, f
	}
	return t
}

// kwHash is FNV-1a over the lower-cased bytes of w.
func kwHash(w []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range w {
		h = (h ^ uint32(lowerByte(c))) * 16777619
	}
	return h
}

// get returns the flags of w, compared without regard to ASCII case.
func (t *kwHashTable) get(w []byte) kwFlag {
	for k := kwHash(w) & t.mask; ; k = (k + 1) & t.mask {
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
