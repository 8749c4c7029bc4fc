package cli

// Benchmarks of the wired server with a 100,000-device fleet on SQLite.
// Figures and commands are in BENCHMARKS.md. Each reports absolute figures
// and a ratio to a baseline measured in the same run, because this machine is
// shared and noisy.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/demo"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/sqlstore"
)

const benchFleet = 100_000

type benchEnv struct {
	srv        *httptest.Server
	token      string
	dept       string
	import100k time.Duration
	heapBefore uint64
	heapAfter  uint64
}

var (
	benchOnce sync.Once
	benchE    *benchEnv
	benchErr  error
)

// fleet builds (once per process) a server holding benchFleet devices.
func fleet(b *testing.B) *benchEnv {
	b.Helper()
	benchOnce.Do(func() { benchE, benchErr = buildFleet(b.TempDir()) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchE
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func buildFleet(dir string) (*benchEnv, error) {
	ctx := context.Background()
	e := &benchEnv{heapBefore: heapInUse()}
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return nil, err
	}
	org := &airtight.Organization{Slug: "bench", Name: "Bench Hospital", Kind: airtight.OrgHospital}
	if err := db.CreateOrganization(ctx, org); err != nil {
		return nil, err
	}
	actx := airtight.NewContext(ctx, airtight.SystemActor(org.ID, "bench"))
	recs := demo.GenerateRecords(benchFleet, 1)
	e.dept = recs[0].Device.Department
	t0 := time.Now()
	if _, err := db.ImportDevices(actx, recs); err != nil {
		return nil, err
	}
	e.import100k = time.Since(t0)
	recs = nil // the server does not hold the import batch
	secret, hash := auth.NewSecret(auth.TokenPrefix)
	tok := &auth.Token{Name: "bench", Role: airtight.RoleAnalyst, Hash: hash, Prefix: secret[:10], CreatedBy: "bench"}
	if err := db.CreateToken(actx, tok); err != nil {
		return nil, err
	}
	app, err := newApp(db, slog.New(slog.NewTextHandler(io.Discard, nil)), appOptions{Passwords: argon2id.Fast})
	if err != nil {
		return nil, err
	}
	e.srv = httptest.NewServer(app.API.Handler())
	e.token = secret
	e.heapAfter = heapInUse()
	return e, nil
}

// get issues one authenticated GET and returns its latency.
func (e *benchEnv) get(b *testing.B, c *http.Client, path string) time.Duration {
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return d
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

// BenchmarkAPIDeviceList measures filtered device lists (50 per page) through
// the whole HTTP stack. The baseline is GET /api/v1/me, an authenticated
// request that touches no inventory, interleaved with the measured requests.
func BenchmarkAPIDeviceList(b *testing.B) {
	e := fleet(b)
	cases := []struct{ name, path string }{
		{"department", "/api/v1/devices?limit=50&department=" + urlq(e.dept)},
		{"kind", "/api/v1/devices?limit=50&kind=infusion-pump"},
		{"department+status", "/api/v1/devices?limit=50&status=active&department=" + urlq(e.dept)},
		{"search-common", "/api/v1/devices?limit=50&q=ct"},
		{"search-no-match", "/api/v1/devices?limit=50&q=no-such-device"},
		{"page-10-by-cursor", ""},
	}
	c := e.srv.Client()
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			path := tc.path
			if path == "" {
				path = "/api/v1/devices?limit=50&cursor=" + cursorAfter(b, e, c, 9)
			}
			var lat, base []time.Duration
			for b.Loop() {
				lat = append(lat, e.get(b, c, path))
				b.StopTimer()
				base = append(base, e.get(b, c, "/api/v1/me"))
				b.StartTimer()
			}
			p50, p99, bp50 := percentile(lat, .5), percentile(lat, .99), percentile(base, .5)
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(bp50.Microseconds())/1000, "baseline-p50-ms")
			b.ReportMetric(float64(p99)/float64(bp50), "p99/baseline")
		})
	}
}

// BenchmarkServerMemory reports the Go heap the wired server holds with the
// fleet loaded (after GC), against the heap before the store was opened, and
// how long the fleet's import took.
func BenchmarkServerMemory(b *testing.B) {
	e := fleet(b)
	for b.Loop() {
		e.get(b, e.srv.Client(), "/api/v1/devices/summary")
	}
	b.ReportMetric(float64(e.heapBefore)/(1<<20), "heap-before-MB")
	b.ReportMetric(float64(heapInUse())/(1<<20), "heap-serving-MB")
	b.ReportMetric(e.import100k.Seconds(), "fleet-import-s")
	b.ReportMetric(rssMB(), "rss-MB")
}

// rssMB is the process's resident memory, SQLite's page cache included
// (modernc's allocator lives outside the Go heap), from /proc/self/status.
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// cursorAfter walks n pages and returns the cursor of the next one.
func cursorAfter(b *testing.B, e *benchEnv, c *http.Client, n int) string {
	cur := ""
	for range n {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/devices?limit=50&cursor="+cur, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var page inventory.DevicePage
		err = decodeJSON(resp.Body, &page)
		resp.Body.Close()
		if err != nil || page.NextCursor == "" {
			b.Fatalf("page walk: %v", err)
		}
		cur = page.NextCursor
	}
	return cur
}

// BenchmarkImportCSV100k imports a 100,000-device CSV into a fresh SQLite
// database in one transaction. The baseline parses and validates the same
// CSV without a database, in the same run.
func BenchmarkImportCSV100k(b *testing.B) {
	recs := demo.GenerateRecords(benchFleet, 2)
	var buf bytes.Buffer
	w := inventory.NewCSVWriter(&buf)
	for i := range recs {
		d := recs[i].Device
		d.Manufacturer, d.Model, d.Kind, d.Criticality, d.Version = recs[i].Manufacturer, recs[i].Model, recs[i].Kind, recs[i].Criticality, recs[i].Version
		if err := w.Write(&d); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	csv := buf.Bytes()
	var parse, total time.Duration
	for i := 0; b.Loop(); i++ {
		ctx := context.Background()
		db, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("imp%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		org := &airtight.Organization{Slug: "imp", Name: "Import", Kind: airtight.OrgHospital}
		if err := db.CreateOrganization(ctx, org); err != nil {
			b.Fatal(err)
		}
		actx := airtight.NewContext(ctx, airtight.SystemActor(org.ID, "bench"))
		t0 := time.Now()
		rs, err := inventory.ReadCSV(bytes.NewReader(csv))
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := db.ImportDevices(actx, rs); err != nil {
			b.Fatal(err)
		}
		parse += t1.Sub(t0)
		total += time.Since(t0)
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(total.Seconds()/n, "s/import")
	b.ReportMetric(parse.Seconds()/n, "parse-s")
	b.ReportMetric(total.Seconds()/parse.Seconds(), "import/parse")
	b.ReportMetric(float64(len(csv))/(1<<20), "csv-MB")
}

func urlq(s string) string { return url.QueryEscape(s) }

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
