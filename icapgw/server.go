// Package icapgw is an ICAP server (RFC 3507) that lets a web proxy such
// as Squid check uploads (REQMOD) and downloads (RESPMOD) for patient
// data. It is written in-house on net: OPTIONS, REQMOD and RESPMOD with
// encapsulated HTTP headers, chunked bodies, Preview and "Allow: 204".
//
// The whole body is always scanned, never only the preview: after a
// preview without "ieof" the server asks for the rest (100 Continue) and
// decides when it has everything. Clean content is answered 204 (when the
// client allows it) or echoed unmodified; blocked content is replaced by
// an HTTP 403 page that explains why, without the data itself.
// multipart/form-data uploads are scanned part by part (with their file
// names) and url-encoded forms field by field.
//
// Limits: line, header, encapsulated-header, chunk and body sizes, read
// and write timeouts, and a maximum number of connections (announced in
// OPTIONS as Max-Connections; beyond it new connections get 503). A body
// over the size limit is unscannable, and the policy decides (outbound
// default: block). All bodies together are bounded by a memory budget
// (Config.MaxBufferedBytes); content that does not fit in it while the
// server is busy is unscannable too, and the block page says so.
package icapgw

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/vault"
)

// Decider is the policy the server asks; *policy.Policy implements it.
type Decider interface {
	Decide(report *dlp.Report, dst dlp.Destination) dlp.Decision
	IsInternal(domainOrAddress string) bool
}

// Vault keeps quarantined uploads; *vault.Vault implements it.
type Vault interface {
	Put(ctx context.Context, info vault.Info, r io.Reader) (vault.Meta, error)
}

// Config configures a Server. Scanner and Policy are required.
type Config struct {
	Scanner dlp.ContentScanner
	Policy  Decider
	Vault   Vault // optional: quarantined uploads are kept here (and blocked)

	ISTag          string // changes when the policy changes; default "airtight-1"
	PreviewBytes   int    // announced Preview size; default 4096
	MaxConnections int    // default 100
	Contact        string // shown on the block page, e.g. "the privacy office (x4242)"
	Limits         Limits

	ReadTimeout  time.Duration // per request (headers and body); default 60 s
	IdleTimeout  time.Duration // between requests on a connection; default 120 s
	WriteTimeout time.Duration // default 60 s
	ScanTimeout  time.Duration // default 60 s

	// MaxBufferedBytes bounds the memory all requests together hold for
	// bodies and their decoded copies (Content-Encoding, form parts).
	// Default max(512 MiB, minimum); the minimum, 3*Limits.MaxBodyBytes +
	// 128 KiB, lets one request of the largest size be scanned whole. A
	// request reserves from it in chunks as its body is read (the preview
	// included). When it is spent, the rest of the body is read and
	// dropped (or not asked for after a preview) and the content is
	// unscannable: the policy's unscannable action decides, as for a body
	// over MaxBodyBytes. ICAP has no "retry later" that proxies honour
	// alike, so with the default (block) the user gets a 403 page saying
	// the scanner is busy and to try again, and the content never passes
	// unscanned unless the policy allows unscannable content.
	MaxBufferedBytes int64

	// OnEvent records every decision; q is set when an upload was held in
	// the vault. Its signature matches dlp.EventService.RecordDLPEvent.
	OnEvent func(ctx context.Context, e *dlp.Event, q *dlp.Quarantined) error

	Logger *slog.Logger
}

// Server is the ICAP server.
type Server struct {
	cfg  Config
	log  *slog.Logger
	sem  chan struct{}
	mu   sync.Mutex
	ls   []net.Listener
	cs   map[net.Conn]struct{}
	wg   sync.WaitGroup
	done bool
	mem  *budget // bodies held in memory (MaxBufferedBytes)
}

// New validates cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Scanner == nil || cfg.Policy == nil {
		return nil, errors.New("icapgw: scanner and policy are required")
	}
	if cfg.ISTag == "" {
		cfg.ISTag = "airtight-1"
	}
	if cfg.PreviewBytes <= 0 {
		cfg.PreviewBytes = 4096
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = 100
	}
	for _, d := range []*time.Duration{&cfg.ReadTimeout, &cfg.WriteTimeout, &cfg.ScanTimeout} {
		if *d <= 0 {
			*d = 60 * time.Second
		}
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 120 * time.Second
	}
	cfg.Limits.defaults()
	if cfg.MaxBufferedBytes == 0 {
		cfg.MaxBufferedBytes = max(512<<20, minBudget(cfg.Limits.MaxBodyBytes))
	}
	if m := minBudget(cfg.Limits.MaxBodyBytes); cfg.MaxBufferedBytes < m {
		return nil, fmt.Errorf("icapgw: max buffered bytes %d: must be at least %d (three times max body bytes %d, plus 128 KiB)",
			cfg.MaxBufferedBytes, m, cfg.Limits.MaxBodyBytes)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, log: cfg.Logger, sem: make(chan struct{}, cfg.MaxConnections), cs: map[net.Conn]struct{}{},
		mem: newBudget(cfg.MaxBufferedBytes)}, nil
}

// BufferedBytes is the memory requests hold now for bodies and decoded
// copies, at most Config.MaxBufferedBytes (for metrics).
func (s *Server) BufferedBytes() int64 { return s.mem.InUse() }

// Serve accepts connections on l until Close.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return net.ErrClosed
	}
	s.ls = append(s.ls, l)
	s.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			done := s.done
			s.mu.Unlock()
			if done || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("icapgw: accept: %w", err)
		}
		select {
		case s.sem <- struct{}{}:
		default:
			c.SetWriteDeadline(time.Now().Add(time.Second))
			io.WriteString(c, "ICAP/1.0 503 Service Overloaded\r\nConnection: close\r\nEncapsulated: null-body=0\r\n\r\n")
			c.Close()
			continue
		}
		s.track(c, true)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-s.sem }()
			defer s.track(c, false)
			s.serveConn(c)
		}()
	}
}

func (s *Server) track(c net.Conn, add bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		s.cs[c] = struct{}{}
	} else {
		delete(s.cs, c)
		c.Close()
	}
}

// Close stops the listeners, closes every connection and waits for the
// connection goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.done = true
	for _, l := range s.ls {
		l.Close()
	}
	for c := range s.cs {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// serveConn handles requests on one connection until it closes or a
// request asks to close it.
func (s *Server) serveConn(c net.Conn) {
	br := bufio.NewReaderSize(c, 16<<10)
	bw := bufio.NewWriterSize(c, 16<<10)
	for {
		c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		if _, err := br.Peek(1); err != nil {
			return
		}
		c.SetReadDeadline(time.Now().Add(s.cfg.ReadTimeout))
		c.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout + s.cfg.ReadTimeout + s.cfg.ScanTimeout))
		keep := s.serveRequest(br, bw)
		if bw.Flush() != nil || !keep {
			return
		}
	}
}
