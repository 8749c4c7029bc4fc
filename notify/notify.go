// Package notify sends alerts out of airtight as they open or escalate: to a
// webhook (JSON, HMAC-signed), to a SIEM as syslog CEF, and by e-mail.
// Delivery is asynchronous through a bounded queue with retries; a full
// queue drops and counts, it never blocks detection.
//
// Alerts carry no PHI by construction (alert.Alert.Evidence never holds
// patient values), so what is sent is the alert as stored.
package notify

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airtight/airtight/alert"
)

// Sender delivers one alert to one destination.
type Sender interface {
	Name() string
	Send(ctx context.Context, a *alert.Alert) error
}

// Options configure a Dispatcher.
type Options struct {
	MinSeverity alert.Severity // alerts below it are not sent; "" = low
	QueueSize   int            // default 1024
	Retries     int            // attempts after the first; default 3
	Backoff     time.Duration  // first retry delay, doubled each time; default 1s
	Timeout     time.Duration  // per attempt; default 10s
	Log         *slog.Logger
}

// Stats counts what the dispatcher did.
type Stats struct {
	Queued, Sent, Failed, Dropped uint64
}

type job struct {
	a  *alert.Alert
	to Sender
}

// Dispatcher fans alerts out to senders.
type Dispatcher struct {
	opts    Options
	senders []Sender
	queue   chan job
	wg      sync.WaitGroup
	stop    context.CancelFunc
	queued  atomic.Uint64
	sent    atomic.Uint64
	failed  atomic.Uint64
	dropped atomic.Uint64
}

// Start starts a dispatcher with one worker per sender; Close stops it.
func Start(opts Options, senders ...Sender) *Dispatcher {
	if opts.MinSeverity == "" {
		opts.MinSeverity = alert.Low
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1024
	}
	if opts.Retries == 0 {
		opts.Retries = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{opts: opts, senders: senders, queue: make(chan job, opts.QueueSize), stop: cancel}
	d.wg.Add(1)
	go d.run(ctx)
	return d
}

// Notify queues an alert for every sender. It never blocks: when the queue
// is full the alert is dropped for that sender and counted.
func (d *Dispatcher) Notify(a *alert.Alert) {
	if a.Severity.Rank() < d.opts.MinSeverity.Rank() {
		return
	}
	for _, s := range d.senders {
		select {
		case d.queue <- job{a: a, to: s}:
			d.queued.Add(1)
		default:
			d.dropped.Add(1)
			d.opts.Log.Warn("alert notification dropped: queue full", "sender", s.Name(), "alert_id", a.ID)
		}
	}
}

// Stats returns the counters.
func (d *Dispatcher) Stats() Stats {
	return Stats{Queued: d.queued.Load(), Sent: d.sent.Load(), Failed: d.failed.Load(), Dropped: d.dropped.Load()}
}

// Close stops the worker after the queued notifications are attempted
// once more, or when ctx ends.
func (d *Dispatcher) Close(ctx context.Context) error {
	close(d.queue)
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		d.stop()
		<-done
		return ctx.Err()
	}
}

func (d *Dispatcher) run(ctx context.Context) {
	defer d.wg.Done()
	for j := range d.queue {
		d.deliver(ctx, j)
	}
}

func (d *Dispatcher) deliver(ctx context.Context, j job) {
	wait := d.opts.Backoff
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
		err := j.to.Send(actx, j.a)
		cancel()
		if err == nil {
			d.sent.Add(1)
			return
		}
		if attempt >= d.opts.Retries || ctx.Err() != nil {
			d.failed.Add(1)
			d.opts.Log.Error("alert notification failed", "sender", j.to.Name(), "alert_id", j.a.ID, "err", err)
			return
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait *= 2
	}
}

// Raiser wraps an alert.Service so that alerts which open or escalate are
// notified. Repeats at the same or a lower severity are not re-sent.
type Raiser struct {
	alert.Service
	D *Dispatcher

	mu   sync.Mutex
	sent map[int64]int // alert id -> highest severity rank notified
}

// maxTracked bounds the escalation memory; past it the memory restarts,
// at worst re-sending one escalation.
const maxTracked = 100_000

// Raise raises through the wrapped service, then notifies.
func (r *Raiser) Raise(ctx context.Context, a *alert.Alert) (*alert.Alert, bool, error) {
	out, created, err := r.Service.Raise(ctx, a)
	if err != nil || r.D == nil {
		return out, created, err
	}
	if r.first(out, created) {
		r.D.Notify(out)
	}
	return out, created, err
}

// first reports whether out is new or more severe than last notified.
func (r *Raiser) first(out *alert.Alert, created bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sent == nil || len(r.sent) >= maxTracked {
		r.sent = make(map[int64]int)
	}
	rank, seen := r.sent[out.ID]
	if !created && seen && out.Severity.Rank() <= rank {
		return false
	}
	if !created && !seen && out.Count > 1 {
		// A repeat of an alert opened before this process started (or
		// before the memory restarted): remember it, do not re-send.
		r.sent[out.ID] = out.Severity.Rank()
		return false
	}
	r.sent[out.ID] = out.Severity.Rank()
	return true
}

// ErrNotConfigured is returned by senders missing an address.
var ErrNotConfigured = errors.New("notify: destination not configured")
