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
//go:embed data/first.txt.gz data/last.txt.gz data/common.txt.gz data/census_top1000.txt data/stop.txt
var dataFS embed.FS

// name flags
const (
	nFirst  uint8 = 1 << iota // a first name
	nLast                     // a surname
	nCensus                   // among the 1,000 commonest US surnames
	nCommon                   // also an English word: weak evidence alone
	nStop                     // a medical term or eponym: not a name without strong context
)

var (
	dictOnce sync.Once
	dictErr  error
	names    map[string]uint8 // lower-case word -> flags; read-only after load
)

func loadDicts() error {
	dictOnce.Do(func() {
		m := make(map[string]uint8, 250000)
		for _, f := range []struct {
			path string
			flag uint8
		}{{"data/first.txt.gz", nFirst}, {"data/last.txt.gz", nLast}, {"data/census_top1000.txt", nCensus},
			{"data/common.txt.gz", nCommon}, {"data/stop.txt", nStop}} {
			if err := readList(f.path, f.flag, m); err != nil {
				dictErr = fmt.Errorf("%s: %w", f.path, err)
				return
			}
		}
		names = m
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

// nameFlags returns the dictionary flags of word token i.
func (s *scanner) nameFlags(i int) uint8 {
	b := s.str(i)
	if len(b) < 2 || len(b) > maxKWLen+8 {
		return 0
	}
	return names[string(s.lower(b))]
}
