// Package watch is the watched-folder channel of DLP: it scans the files of
// file-share folders as they appear or change and applies the policy to
// patient data at rest. Files the policy quarantines or blocks are moved
// into the encrypted vault (the original is removed), so that an analyst
// can release or delete them; every decision on a file with findings is
// recorded as a DLP event.
//
// Folders are polled (size and modification time), which works on every
// file system, network shares included.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/vault"
)

// Config configures a Watcher.
type Config struct {
	Dirs     []string
	Interval time.Duration // between scans of the folders; default 1 minute
	// External marks the folders as leaving the organization (a folder a
	// cloud drive synchronises, an exchange share with partners): the
	// policy judges them as external destinations.
	External bool
	Scanner  dlp.ContentScanner
	Policy   dlp.Decider
	Vault    *vault.Vault // nil: quarantine and block are recorded but the file stays
	// OnEvent records each decision; it has the signature of
	// dlp.EventService.RecordDLPEvent.
	OnEvent  func(ctx context.Context, e *dlp.Event, q *dlp.Quarantined) error
	MaxFiles int // files remembered between scans; default 1,000,000
	Logger   *slog.Logger
}

// Stats counts what the watcher did.
type Stats struct {
	Scanned, WithFindings, Quarantined, Errors int
}

// Watcher polls folders.
type Watcher struct {
	cfg  Config
	log  *slog.Logger
	seen map[string]stamp
}

type stamp struct {
	size  int64
	mtime time.Time
}

// New checks cfg and returns a Watcher.
func New(cfg Config) (*Watcher, error) {
	if len(cfg.Dirs) == 0 || cfg.Scanner == nil || cfg.Policy == nil {
		return nil, errors.New("watch: folders, a scanner and a policy are required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.MaxFiles <= 0 {
		cfg.MaxFiles = 1_000_000
	}
	w := &Watcher{cfg: cfg, log: cfg.Logger, seen: map[string]stamp{}}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	return w, nil
}

// Run scans the folders every interval until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		st := w.ScanOnce(ctx)
		if st.Scanned > 0 {
			w.log.Info("watched folders scanned", "files", st.Scanned, "with_phi", st.WithFindings,
				"quarantined", st.Quarantined, "errors", st.Errors)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ScanOnce scans the files that are new or changed since the last scan.
func (w *Watcher) ScanOnce(ctx context.Context) Stats {
	var st Stats
	present := map[string]bool{}
	for _, dir := range w.cfg.Dirs {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				st.Errors++
				w.log.Warn("watched folder unreadable", "path", path, "err", errText(err))
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".airtight-") {
				return nil
			}
			present[path] = true
			w.visit(ctx, path, d, &st)
			return nil
		})
	}
	for p := range w.seen {
		if !present[p] {
			delete(w.seen, p)
		}
	}
	return st
}

// visit scans one file if it changed.
func (w *Watcher) visit(ctx context.Context, path string, d fs.DirEntry, st *Stats) {
	info, err := d.Info()
	if err != nil {
		st.Errors++
		return
	}
	now := stamp{info.Size(), info.ModTime()}
	if old, ok := w.seen[path]; ok && old == now {
		return
	}
	if len(w.seen) >= w.cfg.MaxFiles {
		w.seen = map[string]stamp{} // forget, at worst rescan
	}
	w.seen[path] = now
	st.Scanned++
	if err := w.scanFile(ctx, path, st); err != nil {
		st.Errors++
		w.log.Warn("watched file not scanned", "path", path, "err", errText(err))
	}
}

func (w *Watcher) scanFile(ctx context.Context, path string, st *Stats) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	rep, err := w.cfg.Scanner.ScanContent(ctx, filepath.Base(path), f)
	f.Close()
	if err != nil {
		return err
	}
	if len(rep.Findings) == 0 && len(rep.Unscannable) == 0 {
		return nil
	}
	st.WithFindings++
	dec := w.cfg.Policy.Decide(rep, dlp.Destination{Channel: dlp.ChannelFolder, External: w.cfg.External})
	ev := &dlp.Event{Channel: dlp.ChannelFolder, Actor: clip(path, 320), External: w.cfg.External, Action: dec.Action,
		Rule: dec.Rule, Reason: dec.Reason, Types: rep.Counts(), Unscannable: len(rep.Unscannable), Bytes: rep.Bytes}
	var q *dlp.Quarantined
	if (dec.Action == dlp.ActionQuarantine || dec.Action == dlp.ActionBlock) && w.cfg.Vault != nil {
		if q, err = w.quarantine(ctx, path, dec, rep); err != nil {
			return err
		}
		ev.Ref = q.VaultID
		st.Quarantined++
	}
	if w.cfg.OnEvent != nil {
		if err := w.cfg.OnEvent(ctx, ev, q); err != nil {
			return fmt.Errorf("record event: %w", err)
		}
	}
	return nil
}

// quarantine moves a file into the vault: stored (encrypted) first, then
// the original removed; if removing fails the vault copy stays and the
// error is reported.
func (w *Watcher) quarantine(ctx context.Context, path string, dec dlp.Decision, rep *dlp.Report) (*dlp.Quarantined, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	meta, err := w.cfg.Vault.Put(ctx, vault.Info{Kind: "quarantine", Channel: dlp.ChannelFolder, Rule: dec.Rule, Types: rep.Counts()}, f)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	f.Close()
	if err := os.Remove(path); err != nil {
		return nil, fmt.Errorf("remove quarantined original: %w", err)
	}
	delete(w.seen, path)
	return &dlp.Quarantined{VaultID: meta.ID, Bytes: meta.Size, Types: rep.Counts()}, nil
}

// errText keeps the operating system's reason, not content.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
