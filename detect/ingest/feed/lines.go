package feed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// LineFunc handles one line (without its line ending). It returns an error
// to reject the line; the read goes on with the next line.
type LineFunc func(line []byte, n int64) error

// ReadLines calls fn for every line of r, at most maxLine bytes each. A
// longer line is rejected as ErrLineTooLong and skipped up to its end
// without being buffered. Blank lines are skipped. The read stops at the
// end of r, on a read error, or when ctx is done; rejections are counted in
// the returned Stats, which never holds more than maxErrors errors.
func ReadLines(ctx context.Context, name string, r io.Reader, lim Limits, fn LineFunc) (Stats, error) {
	lim = lim.WithDefaults()
	br := bufio.NewReaderSize(r, min(lim.MaxLine+1, 1<<20))
	var st Stats
	var n int64
	for {
		if n%256 == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
		line, err := ReadLine(br, lim.MaxLine)
		if err == nil || len(line) > 0 || errors.Is(err, ErrLineTooLong) {
			n++ // physical lines, blank ones included, so errors point at the right line
		}
		switch {
		case errors.Is(err, ErrLineTooLong):
			st.Records++
			st.Reject(name, n, fmt.Errorf("%w (over %d bytes)", ErrLineTooLong, lim.MaxLine), lim.MaxErrors)
			continue
		case err != nil && !errors.Is(err, io.EOF):
			return st, fmt.Errorf("read %s after line %d: %w", name, n, err)
		}
		if line = bytes.TrimRight(line, "\r"); len(bytes.TrimSpace(line)) > 0 {
			st.Records++
			if ferr := fn(line, n); ferr != nil {
				st.Reject(name, n, ferr, lim.MaxErrors)
			}
		}
		if errors.Is(err, io.EOF) {
			return st, nil
		}
	}
}

// ReadLine returns the next line without its "\n". A line over max bytes
// is consumed to its end and reported as ErrLineTooLong. At the end of
// input it returns the last (possibly empty) line with io.EOF.
func ReadLine(br *bufio.Reader, max int) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		size := len(buf) + len(chunk)
		if err == nil {
			size-- // the "\n" itself
		}
		if size > max {
			return nil, discardLine(br, err)
		}
		buf = append(buf, chunk...)
		switch {
		case err == nil:
			return buf[:len(buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return buf, err
		}
	}
}

func discardLine(br *bufio.Reader, err error) error {
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = br.ReadSlice('\n')
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return ErrLineTooLong
}
