package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/sqlstore"
	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/feed"
)

// The vulnerability commands that work on the server's database: import
// advisories, attach an SBOM to a product version, evaluate the fleet. And
// the feed fetcher that 'serve' runs on a schedule.

// systemVulnCtx acts as the server itself: advisories are installation-wide.
func systemVulnCtx(ctx context.Context) context.Context {
	return airtight.NewContext(ctx, airtight.SystemActor(0, cliActorName()))
}

func (e *env) vulnImportCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "import --advisories PATH...",
		Short: "Import advisories, FDA recalls, KEV and EPSS into the server database and re-evaluate what they touch",
		Long: `Import advisories into the server database: files, directories and zip archives of
CSAF 2.0, OSV and NVD CVE JSON and openFDA device recall (or enforcement report) JSON,
with CISA's KEV catalog and FIRST EPSS scores (as 'vuln scan' reads them). The import
is all or nothing. An advisory or recall whose content is unchanged is not rewritten;
only the product versions that added or changed advisories and recalls can touch are
re-evaluated, and alerts are raised for findings that newly hit devices and are
KEV-listed or critical, or open Class I recalls. Progress goes to standard error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			paths, _ := cmd.Flags().GetStringSlice("advisories")
			if len(paths) == 0 {
				return airtight.Errorf(airtight.EInvalid, "give --advisories")
			}
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				res, err := importFeeds(ctx, sqlstore.NewVuln(db, nil, nil), paths, e.stderr)
				if err != nil {
					return err
				}
				printImport(e.stdout, res)
				return nil
			})
		},
	}
	c.Flags().StringSlice("advisories", nil, "advisory, openFDA recall, KEV or EPSS file, directory or zip archive (repeatable)")
	return c
}

// importFeeds loads paths and imports them, reporting progress on w.
func importFeeds(ctx context.Context, svc vuln.Service, paths []string, w io.Writer) (*vuln.ImportResult, error) {
	p := startProgress(w, fmt.Sprintf("loading %d path(s)", len(paths)))
	defer p.stop()
	set, err := feed.LoadSet(paths...)
	if err != nil {
		return nil, fmt.Errorf("load advisories: %w", err)
	}
	in := importOf(set)
	p.stage(fmt.Sprintf("storing %d advisories, %d recalls (%d KEV, %d EPSS) and re-evaluating", len(in.Advisories), len(in.Recalls),
		len(in.KEV), len(in.EPSS)))
	return svc.ImportAdvisories(systemVulnCtx(ctx), in)
}

// importOf turns a loaded feed set into an import.
func importOf(set *feed.Set) vuln.AdvisoryImport {
	in := vuln.AdvisoryImport{Advisories: set.Advisories, Recalls: set.Recalls}
	if set.KEV != nil {
		in.KEV = make(map[string]string, len(set.KEV.Entries))
		for cve, e := range set.KEV.Entries {
			in.KEV[cve] = e.DateAdded
		}
	}
	if set.EPSS != nil {
		in.EPSS = make(map[string]float64, len(set.EPSS.ByCVE))
		for cve, s := range set.EPSS.ByCVE {
			in.EPSS[cve] = s.EPSS
		}
	}
	return in
}

func printImport(w io.Writer, r *vuln.ImportResult) {
	fmt.Fprintf(w, "advisories and recalls: %d added, %d changed, %d unchanged; recalls %d, KEV %d, EPSS %d\n", r.Added, r.Changed,
		r.Unchanged, r.Recalls, r.KEV, r.EPSS)
	printEval(w, r.Eval)
}

func printEval(w io.Writer, r vuln.EvalResult) {
	fmt.Fprintf(w, "evaluated %d product version(s): %d open finding(s), %d new, %d resolved, %d alert(s)\n",
		r.Versions, r.Findings, r.New, r.Resolved, r.Alerts)
}

// progress prints "stage... Ns" on one line every two seconds while a long
// step runs, and ends the line when it stops.
type progress struct {
	w     io.Writer
	mu    sync.Mutex
	what  string
	start time.Time
	done  chan struct{}
	wg    sync.WaitGroup
	shown bool
}

func startProgress(w io.Writer, what string) *progress {
	p := &progress{w: w, what: what, start: time.Now(), done: make(chan struct{})}
	fmt.Fprintf(w, "%s...\n", what)
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *progress) loop() {
	defer p.wg.Done()
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			p.mu.Lock()
			fmt.Fprintf(p.w, "\r%s... %ds", p.what, int(time.Since(p.start).Seconds()))
			p.shown = true
			p.mu.Unlock()
		}
	}
}

func (p *progress) stage(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprintln(p.w)
		p.shown = false
	}
	p.what = what
	fmt.Fprintf(p.w, "%s...\n", what)
}

func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
	if p.shown {
		fmt.Fprintln(p.w)
	}
}

func (e *env) vulnSBOMCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "sbom", Short: "Manage the SBOMs of product versions in the server database"}
	add := &cobra.Command{
		Use:   "add --org SLUG --version ID FILE",
		Short: "Attach an SBOM (CycloneDX or SPDX) to a product version and evaluate it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, _ := cmd.Flags().GetInt64("version")
			if id <= 0 {
				return airtight.Errorf(airtight.EInvalid, "--version is required (a product version id)")
			}
			data, err := readLimited(args[0])
			if err != nil {
				return err
			}
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, _, err := asOrg(ctx, cmd, db)
				if err != nil {
					return err
				}
				s, err := sqlstore.NewVuln(db, nil, nil).PutSBOM(ctx, id, filepath.Base(args[0]), data)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "sbom %d attached to version %d: %s, %d components, sha256 %s\n", s.ID, id, s.Format, s.Count, s.SHA256)
				return nil
			})
		},
	}
	addOrgFlag(add)
	add.Flags().Int64("version", 0, "product version id")
	cmd.AddCommand(add)
	return cmd
}

func (e *env) vulnEvaluateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "evaluate",
		Short: "Evaluate every product version of every organization against the stored advisories",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				r, err := sqlstore.NewVuln(db, nil, nil).EvaluateAll(systemVulnCtx(ctx))
				if err != nil {
					return err
				}
				printEval(e.stdout, *r)
				return nil
			})
		},
	}
}

// ---- scheduled feed fetching ----

// maxFeedBytes bounds one downloaded feed (the largest public OSV archive
// is a few hundred megabytes).
const maxFeedBytes = 2 << 30

// feedFetcher fetches public feeds with conditional requests and imports
// those that changed. Sources are URLs or local paths.
type feedFetcher struct {
	sources []string
	dir     string // where downloads are kept
	client  *http.Client
	svc     vuln.Service
	log     *slog.Logger

	mu    sync.Mutex
	state map[string]feedState
}

// feedState is what the last fetch of a source returned.
type feedState struct {
	etag, modified string // HTTP validators
	stamp          string // local files: size and modification time
}

func newFeedFetcher(sources []string, dir string, svc vuln.Service, log *slog.Logger) *feedFetcher {
	return &feedFetcher{sources: sources, dir: dir, svc: svc, log: log, state: map[string]feedState{},
		client: &http.Client{Timeout: 10 * time.Minute}}
}

// run fetches every source once and imports those that changed; it
// returns the import's result (nil when nothing changed).
func (f *feedFetcher) run(ctx context.Context) (*vuln.ImportResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var changed []string
	for i, src := range f.sources {
		path, ok, err := f.fetch(ctx, i, src)
		if err != nil {
			return nil, fmt.Errorf("feed %s: %w", redactFeed(src), err)
		}
		if ok {
			changed = append(changed, path)
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	set, err := feed.LoadSet(changed...)
	if err != nil {
		return nil, fmt.Errorf("load feeds: %w", err)
	}
	return f.svc.ImportAdvisories(systemVulnCtx(ctx), importOf(set))
}

// fetch brings one source up to date and says whether it changed.
func (f *feedFetcher) fetch(ctx context.Context, i int, src string) (string, bool, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		return f.local(src)
	}
	st := f.state[src]
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return "", false, err
	}
	if st.etag != "" {
		req.Header.Set("If-None-Match", st.etag)
	}
	if st.modified != "" {
		req.Header.Set("If-Modified-Since", st.modified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return "", false, nil
	case resp.StatusCode != http.StatusOK:
		return "", false, fmt.Errorf("HTTP status %s", resp.Status)
	}
	path := filepath.Join(f.dir, "feed-"+strconv.Itoa(i)+feedExt(src))
	if err := saveFeed(path, resp.Body); err != nil {
		return "", false, err
	}
	f.state[src] = feedState{etag: resp.Header.Get("ETag"), modified: resp.Header.Get("Last-Modified")}
	return path, true, nil
}

// local reports a local file or directory as changed when its size or
// modification time did.
func (f *feedFetcher) local(src string) (string, bool, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return "", false, err
	}
	stamp := fmt.Sprintf("%d/%d", fi.Size(), fi.ModTime().UnixNano())
	if fi.IsDir() {
		stamp = "" // a directory's contents are compared by the import's content hashes
	}
	if stamp != "" && f.state[src].stamp == stamp {
		return "", false, nil
	}
	f.state[src] = feedState{stamp: stamp}
	return src, true, nil
}

func feedExt(src string) string {
	u := strings.ToLower(src)
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	for _, ext := range []string{".csv.gz", ".json", ".zip", ".csv", ".gz"} {
		if strings.HasSuffix(u, ext) {
			return ext
		}
	}
	return ".json"
}

// saveFeed writes a download to path through a temporary file.
func saveFeed(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".feed-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, io.LimitReader(r, maxFeedBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n > maxFeedBytes {
		return errors.New("download larger than the limit")
	}
	return os.Rename(tmp.Name(), path)
}

// redactFeed drops the query and user information of a feed URL for logs
// (feed URLs may carry API keys).
func redactFeed(src string) string {
	if i := strings.IndexAny(src, "?#"); i >= 0 {
		src = src[:i]
	}
	if i := strings.Index(src, "://"); i >= 0 {
		if j := strings.IndexByte(src[i+3:], '@'); j >= 0 && !strings.Contains(src[i+3:i+3+j], "/") {
			src = src[:i+3] + src[i+3+j+1:]
		}
	}
	return src
}
