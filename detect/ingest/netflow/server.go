package netflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// Server is a UDP flow collector: each datagram is one export packet,
// its source address the exporter. Sink is called from one goroutine.
type Server struct {
	Decoder *Decoder
	Sink    detect.Sink
	Logger  *slog.Logger
}

// ServeUDP reads export packets from pc until ctx is done, then closes pc.
func (s *Server) ServeUDP(ctx context.Context, pc net.PacketConn) error {
	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	buf := make([]byte, MaxPacket)
	for {
		n, addr, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			log.Warn("netflow udp read", "err", err)
			continue
		}
		if _, err := s.Decoder.Decode(exporterKey(addr), buf[:n], s.Sink); err != nil {
			log.Debug("netflow packet dropped", "exporter", addr.String(), "err", err)
		}
	}
}

// exporterKey identifies an exporter by its IP address: templates survive
// a change of source port.
func exporterKey(addr net.Addr) string {
	if ua, ok := addr.(*net.UDPAddr); ok {
		return ua.AddrPort().Addr().Unmap().String()
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return host
}

// ReadFile decodes r as one export packet (a captured UDP payload) from an
// exporter named by the file name.
func (d *Decoder) ReadFile(ctx context.Context, name string, r io.Reader, sink detect.Sink) (feed.Stats, error) {
	var st feed.Stats
	if err := ctx.Err(); err != nil {
		return st, err
	}
	pkt, err := io.ReadAll(io.LimitReader(r, MaxPacket+1))
	if err != nil {
		return st, fmt.Errorf("read %s: %w", name, err)
	}
	st.Records = 1
	if len(pkt) > MaxPacket {
		st.Reject(name, 1, fmt.Errorf("%w: over %d bytes", ErrDecode, MaxPacket), feed.DefaultMaxErrors)
		return st, nil
	}
	var mu sync.Mutex
	n, err := d.Decode(name, pkt, detect.SinkFunc(func(e *detect.Event) {
		mu.Lock()
		defer mu.Unlock()
		sink.Event(e)
	}))
	st.Events = int64(n)
	if err != nil {
		st.Reject(name, 1, err, feed.DefaultMaxErrors)
	}
	return st, nil
}
