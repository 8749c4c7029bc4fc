package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/baseline"
	"github.com/airtight/airtight/detect/builtin"
	"github.com/airtight/airtight/detect/ingest"
	"github.com/airtight/airtight/detect/ingest/jsonl"
	"github.com/airtight/airtight/detect/ingest/netflow"
	"github.com/airtight/airtight/detect/ingest/syslog"
	"github.com/airtight/airtight/detect/observe"
	"github.com/airtight/airtight/detect/pcap"
	"github.com/airtight/airtight/detect/pipeline"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/inventory"
)

// monitor is the detection side of the server: network and log inputs, a
// bounded queue, the pipeline (built-in detections, per-device baselines,
// Sigma rules) and the alerts it raises.
type monitor struct {
	app      *App
	org      *airtight.Organization
	dir      *liveDirectory
	queue    *ingest.Queue
	pipe     *pipeline.Pipeline
	base     *baseline.Baseline
	obs      *observe.Observer  // who talks to whom, event rates, discovered devices
	obsDrops observe.Stats      // drops last logged
	pruned   time.Time          // when observations were last pruned
	cancel   context.CancelFunc // stops the inputs and periodic jobs
	wg       sync.WaitGroup     // the inputs and periodic jobs
	pipeDone chan struct{}      // closed when the pipeline has finished
	baseFile string
}

// monitoring reports whether any input is configured.
func monitoring(c *Config) bool {
	return c != nil && (c.SyslogAddr != "" || c.NetflowAddr != "" || c.CaptureIface != "" || c.IngestHTTP == "on")
}

// startMonitor builds and starts the monitor when inputs are configured.
func (a *App) startMonitor(ctx context.Context) error {
	c := a.opts.Conf
	if !monitoring(c) {
		return nil
	}
	org, err := inputOrg(ctx, a.DB, c.InputOrg)
	if err != nil {
		return fmt.Errorf("monitoring: %w", err)
	}
	m := &monitor{app: a, org: org, dir: &liveDirectory{}}
	if err := m.build(c); err != nil {
		return err
	}
	m.refreshDirectory()
	// The pipeline stops by Close, after the inputs have stopped and the
	// queue has drained into it, so that nothing received is lost; the
	// inputs and periodic jobs stop with mctx.
	m.pipeDone = make(chan struct{})
	go func() { defer close(m.pipeDone); m.pipe.Run(context.Background()) }()
	mctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.queue.Start(mctx)
	if err := m.startInputs(mctx, c); err != nil {
		m.stop(context.Background())
		return err
	}
	m.run(mctx, func() { m.housekeeping(mctx) })
	m.run(mctx, func() { m.observeLoop(mctx) })
	a.monitor = m
	return nil
}

func (m *monitor) run(ctx context.Context, fn func()) {
	m.wg.Add(1)
	go func() { defer m.wg.Done(); fn() }()
}

// build makes the detectors, the pipeline and the queue.
func (m *monitor) build(c *Config) error {
	dets, err := builtin.All(builtin.Config{Directory: m.dir})
	if err != nil {
		return fmt.Errorf("built-in detections: %w", err)
	}
	if m.base, err = baseline.New(baseline.Config{Logger: m.app.log}); err != nil {
		return fmt.Errorf("baselines: %w", err)
	}
	m.baseFile = filepath.Join(c.Data, "baselines.json")
	m.restoreBaselines()
	dets = append(dets, m.base)
	if c.SigmaRules != "" {
		e := &env{stderr: logWriter{m.app.log}}
		eng, err := e.loadSigma(splitComma(c.SigmaRules))
		if err != nil {
			return fmt.Errorf("sigma rules: %w", err)
		}
		dets = append(dets, eng)
	}
	m.pipe, err = pipeline.New(pipeline.Config{Directory: m.dir, Detectors: dets, Output: m.raise, Logger: m.app.log})
	if err != nil {
		return fmt.Errorf("detection pipeline: %w", err)
	}
	// The queue absorbs bursts: inputs never block, and what does not fit
	// is dropped and counted per source. Its worker hands each event to the
	// pipeline (which queues a copy) and to the observer (a few map
	// updates), so observing does not slow detection.
	m.obs = observe.New(observe.Config{Directory: m.dir})
	m.queue = ingest.NewQueue(65536, 1, fanOut{m.pipe, m.obs})
	return nil
}

// fanOut hands each event to every sink, in order.
type fanOut []detect.Sink

func (f fanOut) Event(e *detect.Event) {
	for _, s := range f {
		s.Event(e)
	}
}

// observeLoop stores the observer's observations every minute, and prunes
// those past their retention every hour.
func (m *monitor) observeLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.flushObservations()
		}
	}
}

// flushObservations stores what the observer accumulated as the input
// organization; a batch that fails goes back into the observer, to retry.
func (m *monitor) flushObservations() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx = airtight.NewContext(ctx, airtight.SystemActor(m.org.ID, "observe"))
	if b := m.obs.Flush(); !b.Empty() {
		if err := m.app.DB.RecordObservations(ctx, b); err != nil {
			m.obs.Merge(b)
			m.app.log.Warn("network observations not stored; retrying in a minute", "err", err)
		}
	}
	if s := m.obs.Stats(); s.DroppedLinks+s.DroppedDiscovered+s.DroppedRates > m.obsDrops.DroppedLinks+m.obsDrops.DroppedDiscovered+m.obsDrops.DroppedRates {
		m.app.log.Warn("network observer at its limits", "dropped_links", s.DroppedLinks, "dropped_discovered", s.DroppedDiscovered, "dropped_rates", s.DroppedRates)
		m.obsDrops = s
	}
	if now := time.Now(); now.Sub(m.pruned) >= time.Hour {
		m.pruned = now
		if _, err := m.app.DB.PruneObservations(ctx, now.Add(-detect.ObservationRetention)); err != nil {
			m.app.log.Warn("old network observations not pruned", "err", err)
		}
	}
}

// startInputs opens the configured listeners.
func (m *monitor) startInputs(ctx context.Context, c *Config) error {
	for _, addr := range splitComma(c.SyslogAddr) {
		if err := m.startSyslog(ctx, addr); err != nil {
			return err
		}
	}
	if c.NetflowAddr != "" {
		pc, err := net.ListenPacket("udp", c.NetflowAddr)
		if err != nil {
			return fmt.Errorf("netflow: listen %s: %w", c.NetflowAddr, err)
		}
		srv := &netflow.Server{Decoder: netflow.NewDecoder(netflow.Options{}), Sink: m.queue, Logger: m.app.log}
		m.run(ctx, func() { srv.ServeUDP(ctx, pc) })
		m.app.log.Info("receiving flows", "addr", pc.LocalAddr().String())
	}
	if c.CaptureIface != "" {
		iface := c.CaptureIface
		m.run(ctx, func() {
			if _, err := pcap.Capture(ctx, iface, m.queue, pcap.DefaultOptions()); err != nil && ctx.Err() == nil {
				m.app.log.Warn("packet capture stopped", "iface", iface, "err", err)
			}
		})
		m.app.log.Info("capturing packets", "iface", iface)
	}
	return nil
}

func (m *monitor) startSyslog(ctx context.Context, addr string) error {
	scheme, hostport, ok := strings.Cut(addr, "://")
	if !ok {
		return fmt.Errorf("syslog-addr %q: use udp://, tcp:// or tls://host:port", addr)
	}
	srv := &syslog.Server{Parser: syslog.NewParser(syslog.Options{}), Sink: m.queue, Logger: m.app.log}
	switch scheme {
	case "udp":
		pc, err := net.ListenPacket("udp", hostport)
		if err != nil {
			return fmt.Errorf("syslog: listen %s: %w", addr, err)
		}
		m.run(ctx, func() { srv.ServeUDP(ctx, pc) })
		m.app.log.Info("receiving syslog", "addr", "udp://"+pc.LocalAddr().String())
		return nil
	case "tcp", "tls":
		ln, err := net.Listen("tcp", hostport)
		if err != nil {
			return fmt.Errorf("syslog: listen %s: %w", addr, err)
		}
		if scheme == "tls" {
			if m.app.opts.TLS == nil {
				ln.Close()
				return errors.New("syslog over TLS needs the server's TLS certificate: do not combine tls:// with --tls off")
			}
			cfg := m.app.opts.TLS.Clone()
			m.run(ctx, func() { srv.ServeTLS(ctx, ln, cfg) })
		} else {
			m.run(ctx, func() { srv.ServeTCP(ctx, ln) })
		}
		m.app.log.Info("receiving syslog", "addr", scheme+"://"+ln.Addr().String())
		return nil
	}
	return fmt.Errorf("syslog-addr %q: use udp://, tcp:// or tls://host:port", addr)
}

// ingestRoutes serves JSON lines (ECS, Windows events, OCSF) posted by
// sensors and agents with a device or admin token.
func (a *App) ingestRoutes() []httpapi.Route {
	return []httpapi.Route{{Method: "POST", Pattern: "/ingest/events",
		Roles:   []airtight.Role{airtight.RoleAdmin, airtight.RoleDevice},
		Summary: "Monitoring events as JSON lines (ECS, Windows events, OCSF)", MaxBodyBytes: jsonl.DefaultMaxBody,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			m := a.monitor
			if m == nil {
				http.Error(w, "monitoring is not enabled (--ingest-http on)", http.StatusServiceUnavailable)
				return
			}
			(&jsonl.Handler{Sink: m.queue, Logger: a.log}).ServeHTTP(w, r)
		}}}
}

// raise turns a merged detection into an alert of the input organization.
func (m *monitor) raise(d detect.Detection) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx = airtight.NewContext(ctx, airtight.SystemActor(m.org.ID, "detect"))
	if _, _, err := m.app.Alerts.Raise(ctx, detectionAlert(d)); err != nil {
		m.app.log.Warn("raising a detection failed", "rule", d.Rule, "err", err)
	}
}

// detectionAlert maps a detection onto the alert model. Alerts from Sigma
// rules name the rule's author (Detection Rule License 1.1).
func detectionAlert(d detect.Detection) *alert.Alert {
	a := &alert.Alert{Source: "detect", Kind: clip(d.Rule, 64), Key: clip("detect:"+d.Key, 256), Severity: alert.Severity(d.Severity),
		DeviceID: d.DeviceID, Title: clip(oneLineText(d.Title), 300), Summary: d.Summary, Action: d.Action,
		Technique: clip(strings.Join(d.Attack, ","), 200)}
	if d.Key == "" {
		a.Key = clip("detect:"+d.Rule+"|"+d.Device, 256)
	}
	if d.Author != "" {
		a.Summary = strings.TrimSpace(a.Summary + "\n\nSigma rule \"" + d.Title + "\" by " + d.Author + " (Detection Rule License 1.1).")
	}
	if a.Summary == "" {
		a.Summary = "Detected by rule " + d.Rule + "."
	}
	a.Summary, a.Action = clip(a.Summary, 4000), clip(a.Action, 4000)
	if d.DeviceID != 0 {
		a.Subject = "device:" + strconv.FormatInt(d.DeviceID, 10)
	} else if d.Device != "" {
		a.Subject = clip(oneLineText(d.Device), 200)
	}
	if ev, err := json.Marshal(d.Evidence); err == nil && len(ev) <= 64<<10 && len(d.Evidence) > 0 {
		a.Evidence = ev
	}
	return a
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func oneLineText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// housekeeping refreshes the directory from the inventory and saves the
// baselines every few minutes.
func (m *monitor) housekeeping(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.refreshDirectory()
			m.saveBaselines()
		}
	}
}

// stop closes the inputs, drains the queue into the pipeline, lets the
// pipeline finish (raising what it merged), and saves the baselines.
func (m *monitor) stop(ctx context.Context) error {
	m.cancel()
	m.wg.Wait()
	err := m.queue.Stop(ctx)
	m.pipe.Close()
	select {
	case <-m.pipeDone:
	case <-ctx.Done():
		err = errors.Join(err, ctx.Err())
	}
	m.saveBaselines()
	m.flushObservations()
	return err
}

func (m *monitor) restoreBaselines() {
	f, err := os.Open(m.baseFile)
	if errors.Is(err, os.ErrNotExist) {
		return
	} else if err != nil {
		m.app.log.Warn("baselines not restored", "err", err)
		return
	}
	defer f.Close()
	if err := m.base.Restore(f); err != nil {
		m.app.log.Warn("baselines not restored", "err", err)
	}
}

func (m *monitor) saveBaselines() {
	var buf bytes.Buffer
	if err := m.base.Snapshot(&buf); err != nil {
		m.app.log.Warn("baselines not saved", "err", err)
		return
	}
	if err := writeFileAtomic(m.baseFile, buf.Bytes()); err != nil {
		m.app.log.Warn("baselines not saved", "err", err)
	}
}

// refreshDirectory reloads the input organization's devices.
func (m *monitor) refreshDirectory() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx = airtight.NewContext(ctx, airtight.SystemActor(m.org.ID, "detect"))
	dir := detect.NewMemDirectory()
	f := inventory.DeviceFilter{Limit: inventory.MaxPageSize}
	for {
		page, err := m.app.DB.ListDevices(ctx, f)
		if err != nil {
			m.app.log.Warn("device directory not refreshed", "err", err)
			return
		}
		for _, d := range page.Devices {
			addDevice(dir, d)
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	m.dir.set(dir)
}

// addDevice registers a device; duplicates (two devices claiming one
// address) keep the first, as detection cannot tell them apart.
func addDevice(dir *detect.MemDirectory, d *inventory.Device) {
	if d.Status == inventory.StatusDecommissioned {
		return
	}
	ref := detect.DeviceRef{ID: d.ID, AssetTag: d.AssetTag, Name: d.Hostname, Kind: string(d.Kind), Zone: d.NetworkZone,
		Criticality: string(d.Criticality), AETitle: d.AETitle, HL7App: d.HL7Application}
	if ref.Name == "" {
		ref.Name = d.Manufacturer + " " + d.Model
	}
	if ip, err := netip.ParseAddr(d.IP); err == nil {
		ref.IP = ip.Unmap()
	}
	if err := dir.Add(ref); err != nil {
		ref.IP, ref.AETitle, ref.HL7App = netip.Addr{}, "", ""
		dir.Add(ref)
	}
}

// liveDirectory is a directory that can be swapped while detectors read it.
type liveDirectory struct {
	p atomic.Pointer[detect.MemDirectory]
}

func (l *liveDirectory) set(d *detect.MemDirectory) { l.p.Store(d) }

func (l *liveDirectory) get() detect.Directory {
	if d := l.p.Load(); d != nil {
		return d
	}
	return detect.NewMemDirectory()
}

func (l *liveDirectory) LookupIP(ip netip.Addr) (detect.DeviceRef, bool) { return l.get().LookupIP(ip) }
func (l *liveDirectory) LookupAE(t string) (detect.DeviceRef, bool)      { return l.get().LookupAE(t) }
func (l *liveDirectory) LookupHL7App(app, fac string) (detect.DeviceRef, bool) {
	return l.get().LookupHL7App(app, fac)
}

// logWriter sends rule loading messages to the server log.
type logWriter struct {
	log interface{ Warn(string, ...any) }
}

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Warn(strings.TrimSpace(string(p)))
	return len(p), nil
}
