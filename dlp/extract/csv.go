package extract

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxRecord bounds one CSV record: the reader holds a record in memory.
const maxRecord = 8 << 20

// maxBadRecords is how many malformed records a CSV part may have before
// the rest of it is given up.
const maxBadRecords = 100

// scanCSV scans a CSV (comma ',') or TSV (comma '\t') part cell by cell,
// with the header cell of its column as the label. The header row is
// scanned as row 1 too: a file without one has data there.
func (st *run) scanCSV(p partCtx, r io.Reader, comma rune) error {
	rg := &recordGuard{r: r}
	c := csv.NewReader(rg)
	c.Comma, c.FieldsPerRecord, c.LazyQuotes, c.ReuseRecord = comma, -1, true, true
	var header []string
	b := st.newBatch()
	b.name = func(sp *fieldSpan) string {
		return "row " + strconv.Itoa(sp.row) + ", column " + columnName(header, sp.col)
	}
	defer b.flush()
	bad := 0
	for row := 1; !st.stopped(); row++ {
		rec, err := c.Read()
		rg.mark()
		switch {
		case err == io.EOF:
			return nil
		case errors.Is(err, errRecordTooLarge):
			return malformed(fmt.Sprintf("CSV record larger than %d bytes", maxRecord))
		case err != nil:
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return err
			}
			if bad++; bad > maxBadRecords {
				return malformed("malformed CSV")
			}
			st.unscannable(p.path, "malformed CSV record")
			continue
		}
		if row == 1 {
			header = make([]string, len(rec))
			for i, h := range rec {
				header[i] = label(h)
			}
		}
		for i, cell := range rec {
			b.add(fieldSpan{part: p.path, row: row, col: i}, columnName(header, i), []byte(cell))
		}
	}
	return nil
}

func columnName(header []string, i int) string {
	if i < len(header) && header[i] != "" {
		return header[i]
	}
	return strconv.Itoa(i + 1)
}

var errRecordTooLarge = errors.New("csv record too large")

// recordGuard fails a read once more than maxRecord bytes were read since
// the last record ended (mark).
type recordGuard struct {
	r       io.Reader
	n, last int64
}

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.n-g.last > maxRecord {
		return 0, errRecordTooLarge
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

func (g *recordGuard) mark() { g.last = g.n }
