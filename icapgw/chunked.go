package icapgw

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// body collects a chunked ICAP body up to a limit; bytes beyond it are
// read and dropped so the connection stays in step, and Over is set.
type body struct {
	buf   bytes.Buffer
	limit int64
	Over  bool
	Total int64
}

func (b *body) write(p []byte) {
	b.Total += int64(len(p))
	room := b.limit - int64(b.buf.Len())
	if int64(len(p)) > room {
		b.Over = true
		p = p[:max(room, 0)]
	}
	b.buf.Write(p)
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
