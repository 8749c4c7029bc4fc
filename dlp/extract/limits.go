package extract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// limitError is a limit reached while reading a part. Its text is a fixed,
// content-free reason, reported as an Unscannable.
type limitError struct{ reason string }

func (e *limitError) Error() string { return e.reason }

// Reasons for limits.
func partTooLarge(n int64) string { return fmt.Sprintf("part larger than %d bytes", n) }
func ratioTooHigh(n int64) string { return fmt.Sprintf("zip bomb: ratio above %d", n) }
func tooDeep(n int) string        { return fmt.Sprintf("nesting deeper than %d", n) }

// guard counts the decoded bytes of one part as they are read and fails
// the read once a limit is reached: the part's size, the scan's total, and
// (when in is set) the ratio of decoded to compressed bytes. The first
// limit reached is kept in hit and reported as an Unscannable of the part
// at once; parsers that see the error need not report it.
type guard struct {
	r     io.Reader
	st    *run
	path  string
	n     int64
	in    func() int64 // compressed bytes behind the decoded ones; nil: no ratio check
	total bool         // count the bytes toward the scan's total
	hit   *limitError
}

func (st *run) guard(r io.Reader, path string, in func() int64) *guard {
	return &guard{r: r, st: st, path: path, in: in, total: in != nil}
}

func (g *guard) Read(p []byte) (int, error) {
	if g.hit != nil {
		return 0, g.hit
	}
	if err := g.st.ctx.Err(); err != nil {
		return 0, err
	}
	lim := &g.st.s.lim
	if room := lim.MaxPartSize - g.n; int64(len(p)) > room+1 {
		p = p[:room+1] // one byte past the limit tells a part at the limit from a larger one
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	if g.total {
		g.st.total += int64(n)
	}
	switch {
	case g.n > lim.MaxPartSize:
		g.hit, n = &limitError{partTooLarge(lim.MaxPartSize)}, n-int(g.n-lim.MaxPartSize)
	case g.total && g.st.total > lim.MaxTotalSize:
		g.hit = &limitError{fmt.Sprintf("content larger than %d bytes in total", lim.MaxTotalSize)}
	case g.in != nil && g.n > lim.RatioGrace && g.n > lim.MaxRatio*max(g.in(), 1):
		g.hit = &limitError{ratioTooHigh(lim.MaxRatio)}
		g.st.bomb = true
	}
	if g.hit != nil {
		g.st.hits++
		g.st.unscannable(g.path, g.hit.reason)
		return max(n, 0), g.hit
	}
	return n, err
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readLimited reads all of r, at most max bytes; a larger r is a limit
// error.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > limit {
		return b[:limit], &contentError{partTooLarge(limit)}
	}
	return b, nil
}

// spooled is a part copied for random access: in memory, or in a
// temporary file removed by Close.
type spooled struct {
	io.ReaderAt
	size int64
	file *os.File
}

func (s *spooled) Close() error {
	if s.file == nil {
		return nil
	}
	name := s.file.Name()
	err := s.file.Close()
	return errors.Join(err, os.Remove(name))
}

// spool copies r for random access: up to lim.SpoolMemory bytes in memory,
// more in a temporary file.
func (st *run) spool(r io.Reader) (*spooled, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, st.s.lim.SpoolMemory+1))
	if err != nil {
		return nil, err
	}
	if n <= st.s.lim.SpoolMemory {
		return &spooled{ReaderAt: bytes.NewReader(buf.Bytes()), size: n}, nil
	}
	f, err := os.CreateTemp(st.s.temp, "airtight-extract-*")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	sp := &spooled{ReaderAt: f, file: f}
	if _, err := f.Write(buf.Bytes()); err != nil {
		return nil, errors.Join(fmt.Errorf("spool: %w", err), sp.Close())
	}
	m, err := io.Copy(f, r)
	if err != nil {
		return nil, errors.Join(err, sp.Close())
	}
	sp.size = n + m
	return sp, nil
}
