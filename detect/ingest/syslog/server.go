package syslog

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// Server defaults.
const (
	DefaultMaxConns    = 256
	DefaultIdleTimeout = 2 * time.Minute
)

// Server receives syslog over UDP (one message per datagram, RFC 5426),
// TCP (RFC 6587: octet counting or newline framing, detected per message)
// and TLS (RFC 5425). Sink is called from one goroutine at a time.
type Server struct {
	Parser *Parser
	Sink   detect.Sink
	// MaxMessage bounds one message; default the parser's line limit
	// (64 KiB). A longer datagram or newline-framed message is dropped and
	// counted; a longer octet-counted frame closes its connection.
	MaxMessage int
	// MaxConns bounds concurrent TCP/TLS connections; more are closed at
	// once and counted as refused. Default DefaultMaxConns.
	MaxConns int
	// IdleTimeout closes a connection that sends nothing for this long
	// (TLS handshake included). Default DefaultIdleTimeout.
	IdleTimeout time.Duration
	Logger      *slog.Logger

	mu                     sync.Mutex // serialises Sink
	received, bad, refused atomic.Int64
}

// ServerStats counts what a server received.
type ServerStats struct {
	Received int64 // messages read (good and bad)
	Bad      int64 // messages dropped: unparsable, too long, bad framing
	Refused  int64 // connections closed at once over MaxConns
}

// Stats returns the server's counters so far.
func (s *Server) Stats() ServerStats {
	return ServerStats{Received: s.received.Load(), Bad: s.bad.Load(), Refused: s.refused.Load()}
}

func (s *Server) maxMessage() int {
	if s.MaxMessage > 0 {
		return s.MaxMessage
	}
	return s.Parser.lim.MaxLine
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// ServeUDP reads datagrams from pc until ctx is done, then closes pc.
func (s *Server) ServeUDP(ctx context.Context, pc net.PacketConn) error {
	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()
	buf := make([]byte, s.maxMessage()+1)
	for {
		n, addr, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			s.logger().Warn("syslog udp read", "err", err)
			continue
		}
		if n > s.maxMessage() {
			s.received.Add(1)
			s.reject(addr, fmt.Errorf("%w (over %d bytes)", feed.ErrLineTooLong, s.maxMessage()))
			continue
		}
		s.handle(addr, buf[:n])
	}
}

// ServeTLS serves TLS connections accepted on ln with cfg until ctx is done.
func (s *Server) ServeTLS(ctx context.Context, ln net.Listener, cfg *tls.Config) error {
	return s.ServeTCP(ctx, tls.NewListener(ln, cfg))
}

// ServeTCP serves connections accepted on ln until ctx is done, then
// closes ln and every open connection and waits for their handlers.
func (s *Server) ServeTCP(ctx context.Context, ln net.Listener) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
	)
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	defer stop()
	defer wg.Wait()
	slots := make(chan struct{}, orDefault(s.MaxConns, DefaultMaxConns))
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("syslog accept: %w", err)
		}
		select {
		case slots <- struct{}{}:
		default:
			s.refused.Add(1)
			c.Close()
			continue
		}
		mu.Lock()
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveConn(c)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			c.Close()
			<-slots
		}()
	}
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func (s *Server) idle() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return DefaultIdleTimeout
}

// serveConn reads framed messages from one connection until it ends,
// idles out or loses its framing.
func (s *Server) serveConn(c net.Conn) {
	f := &framer{br: bufio.NewReaderSize(c, min(s.maxMessage()+16, 1<<20)), max: s.maxMessage()}
	for {
		c.SetReadDeadline(time.Now().Add(s.idle()))
		msg, err := f.next()
		switch {
		case err == nil:
			s.handle(c.RemoteAddr(), msg)
		case errors.Is(err, feed.ErrLineTooLong):
			s.received.Add(1)
			s.reject(c.RemoteAddr(), err)
		case errors.Is(err, errFraming):
			s.received.Add(1)
			s.reject(c.RemoteAddr(), err)
			return
		default: // EOF, timeout, closed
			return
		}
	}
}

func (s *Server) handle(addr net.Addr, msg []byte) {
	s.received.Add(1)
	e, err := s.Parser.Parse(msg)
	if err != nil {
		s.reject(addr, err)
		return
	}
	if ap, err := peerHost(addr); err == nil {
		e.Fields["syslog_peer"] = ap
	}
	s.mu.Lock()
	s.Sink.Event(e)
	s.mu.Unlock()
}

func peerHost(addr net.Addr) (string, error) {
	host, _, err := net.SplitHostPort(addr.String())
	return host, err
}

// reject counts a bad message and logs where it came from and why, never
// its content.
func (s *Server) reject(addr net.Addr, err error) {
	s.bad.Add(1)
	s.logger().Debug("syslog message dropped", "peer", addr.String(), "err", err)
}

var errFraming = errors.New("bad octet-counting frame")

// framer splits a TCP stream into syslog messages: a message starting
// with a digit is octet-counted ("LEN SP MSG"), any other is newline
// terminated (RFC 6587 3.4.1 and 3.4.2).
type framer struct {
	br  *bufio.Reader
	max int
}

func (f *framer) next() ([]byte, error) {
	for {
		b, err := f.br.Peek(1)
		if err != nil {
			return nil, err
		}
		switch {
		case b[0] >= '1' && b[0] <= '9':
			return f.octetCounted()
		case b[0] == '\n' || b[0] == '\r' || b[0] == 0:
			f.br.ReadByte() // stray trailer between frames
			continue
		}
		line, err := feed.ReadLine(f.br, f.max)
		if errors.Is(err, io.EOF) && len(line) > 0 {
			return line, nil
		}
		return line, err
	}
}

func (f *framer) octetCounted() ([]byte, error) {
	n := 0
	for digits := 0; ; digits++ {
		c, err := f.br.ReadByte()
		if err != nil {
			return nil, err
		}
		if c == ' ' && digits > 0 {
			break
		}
		if c < '0' || c > '9' || digits >= 9 {
			return nil, fmt.Errorf("%w: bad length", errFraming)
		}
		n = n*10 + int(c-'0')
	}
	if n > f.max {
		return nil, fmt.Errorf("%w: length %d over %d bytes", errFraming, n, f.max)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(f.br, msg); err != nil {
		return nil, err
	}
	return msg, nil
}
