package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/airtight/airtight/sqlstore"
)

// vulnParts is the vulnerability side of the server: the service (store and
// evaluation engine) and, when feeds are configured, the scheduled fetch.
type vulnParts struct {
	Service  *sqlstore.Vuln
	Fetcher  *feedFetcher // nil: no scheduled fetch
	Interval time.Duration
	stop     chan struct{}
	wg       sync.WaitGroup
}

// vulnSettings are the scheduled-fetch settings: vuln-feeds (comma-separated
// URLs or paths) and vuln-interval (a Go duration; empty or 0: off). They
// are configuration settings like the others (flag, AIRTIGHT_VULN_FEEDS,
// YAML vuln_feeds).
type vulnSettings struct {
	Feeds    []string
	Interval time.Duration
}

// minFeedInterval keeps a misconfiguration from hammering public servers.
const minFeedInterval = time.Minute

func parseVulnSettings(feeds, interval string) (vulnSettings, error) {
	var s vulnSettings
	for _, f := range strings.Split(feeds, ",") {
		if f = strings.TrimSpace(f); f != "" {
			s.Feeds = append(s.Feeds, f)
		}
	}
	if interval == "" || interval == "0" {
		return s, nil
	}
	d, err := time.ParseDuration(interval)
	if err != nil || d < minFeedInterval {
		return s, fmt.Errorf("vuln-interval: want a duration of at least %s, such as 6h", minFeedInterval)
	}
	if len(s.Feeds) == 0 {
		return s, fmt.Errorf("vuln-interval is set but vuln-feeds names no feed")
	}
	s.Interval = d
	return s, nil
}

// wireVuln builds the vulnerability service; alerts go through the
// notification dispatcher when one is configured.
func (a *App) wireVuln() error {
	a.Vuln = &vulnParts{Service: sqlstore.NewVuln(a.DB, a.Alerts, a.log)}
	var feeds, interval string
	if c := a.opts.Conf; c != nil {
		feeds, interval = c.VulnFeeds, c.VulnInterval
	}
	s, err := parseVulnSettings(feeds, interval)
	if err != nil {
		return err
	}
	if s.Interval == 0 {
		return nil
	}
	dir := filepath.Join(os.TempDir(), "airtight-feeds")
	if a.opts.Conf != nil && a.opts.Conf.Data != "" {
		dir = filepath.Join(a.opts.Conf.Data, "feeds")
	}
	a.Vuln.Fetcher = newFeedFetcher(s.Feeds, dir, a.Vuln.Service, a.log)
	a.Vuln.Interval = s.Interval
	return nil
}

// startVuln starts the scheduled fetch, when configured: once at start,
// then every interval.
func (a *App) startVuln() {
	v := a.Vuln
	if v == nil || v.Fetcher == nil {
		return
	}
	v.stop = make(chan struct{})
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		t := time.NewTicker(v.Interval)
		defer t.Stop()
		for {
			a.fetchFeeds(v)
			select {
			case <-v.stop:
				return
			case <-t.C:
			}
		}
	}()
}

// fetchFeeds fetches and imports the feeds that changed (re-evaluating the
// versions they touch), then evaluates the whole fleet for inventory
// changes.
func (a *App) fetchFeeds(v *vulnParts) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-v.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	res, err := v.Fetcher.run(ctx)
	if err != nil {
		a.log.Warn("vulnerability feed fetch failed", "err", err)
	} else if res != nil {
		a.log.Info("vulnerability feeds imported", "added", res.Added, "changed", res.Changed, "unchanged", res.Unchanged,
			"versions", res.Eval.Versions, "alerts", res.Eval.Alerts)
	}
	if r, err := v.Service.EvaluateAll(systemVulnCtx(ctx)); err != nil {
		a.log.Warn("vulnerability evaluation failed", "err", err)
	} else {
		a.log.Info("vulnerability evaluation", "versions", r.Versions, "findings", r.Findings, "new", r.New, "alerts", r.Alerts)
	}
}

// stopVuln stops the scheduled fetch and waits for a running one to end.
func (a *App) stopVuln() {
	v := a.Vuln
	if v == nil || v.stop == nil {
		return
	}
	close(v.stop)
	v.wg.Wait()
	v.stop = nil
}
