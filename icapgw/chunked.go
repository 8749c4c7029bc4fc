package icapgw

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// body collects a chunked ICAP body up to a limit. Its buffer is reserved
// from res (the server's body budget) before it grows. Bytes beyond the
// limit, and all bytes once the budget is spent, are read and dropped so
// that the connection stays in step; then the part kept so far is dropped
// too (Over or Busy: nothing is scanned) and its reservation given back.
type body struct {
	buf   []byte
	limit int64
	res   *reservation // nil: not counted
	Over  bool         // longer than limit
	Busy  bool         // the budget could not take it
	Total int64
}

// Bytes is the body as kept: empty when Over or Busy.
func (b *body) Bytes() []byte { return b.buf }

// dropped says whether the body is being discarded.
func (b *body) dropped() bool { return b.Over || b.Busy }

func (b *body) write(p []byte) {
	b.Total += int64(len(p))
	if b.dropped() {
		return
	}
	if b.Total > b.limit {
		b.Over = true
		b.discard()
		return
	}
	need := int64(len(b.buf) + len(p))
	if need > int64(cap(b.buf)) {
		next := growCap(int64(cap(b.buf)), need, b.limit)
		if !b.res.Grow(next - int64(cap(b.buf))) {
			b.Busy = true
			b.discard()
			return
		}
		nb := make([]byte, len(b.buf), next)
		copy(nb, b.buf)
		b.buf = nb
	}
	b.buf = append(b.buf, p...)
}

// discard drops what was kept and gives its reservation back.
func (b *body) discard() {
	b.res.Shrink(int64(cap(b.buf)))
	b.buf = nil
}

// readChunks reads chunks into b until the zero-size chunk and returns
// whether it carried the "ieof" extension (end of a preview that holds
// the whole body).
func readChunks(br *bufio.Reader, b *body, lim *Limits) (ieof bool, err error) {
	for {
		line, err := readLine(br, lim.MaxLineBytes)
		if err != nil {
			return false, fmt.Errorf("chunk size line: %w", err)
		}
		sizeStr, ext, _ := strings.Cut(line, ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeStr), 16, 64)
		if err != nil || size < 0 || size > lim.MaxChunkBytes {
			return false, protoErr("bad chunk size")
		}
		if size == 0 {
			return strings.TrimSpace(ext) == "ieof", readTrailer(br, lim)
		}
		if err := copyChunk(br, b, size); err != nil {
			return false, err
		}
		crlf, err := readLine(br, 2)
		if err != nil || crlf != "" {
			return false, protoErr("chunk not followed by CRLF")
		}
	}
}

// copyChunk moves size bytes into b in pieces, never holding more than
// the limit.
func copyChunk(br *bufio.Reader, b *body, size int64) error {
	var tmp [32 << 10]byte
	for size > 0 {
		n := int64(len(tmp))
		if size < n {
			n = size
		}
		if _, err := io.ReadFull(br, tmp[:n]); err != nil {
			return fmt.Errorf("chunk data: %w", err)
		}
		b.write(tmp[:n])
		size -= n
	}
	return nil
}

// readTrailer reads optional trailer fields and the final blank line.
func readTrailer(br *bufio.Reader, lim *Limits) error {
	for i := 0; ; i++ {
		line, err := readLine(br, lim.MaxLineBytes)
		if err != nil {
			return fmt.Errorf("chunk trailer: %w", err)
		}
		if line == "" {
			return nil
		}
		if i >= lim.MaxHeaders {
			return protoErr("too many trailer fields")
		}
	}
}

// writeChunked writes data as one chunk and the terminating chunk.
func writeChunked(w io.Writer, data []byte) error {
	if len(data) > 0 {
		if _, err := fmt.Fprintf(w, "%x\r\n", len(data)); err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
		if _, err := io.WriteString(w, "\r\n"); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "0\r\n\r\n")
	return err
}
