package netflow

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/shareddata"
)

// groupSuffix splits a logstash-codec-netflow fixture name into its
// exporter (the capture it came from) and what it holds: templates
// ("tpl", "opttpl", "tplopt", "tpldata", "tpl_data", "tpls") or data.
var groupSuffix = regexp.MustCompile(`_(opttpl|tpl|data)`)

type fixture struct {
	name     string
	group    string
	template bool
}

// fixtures lists the .dat payloads in feeding order: by exporter, templates
// before data, then by name.
func fixtures(t *testing.T, dir string) []fixture {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.dat"))
	if err != nil {
		t.Fatal(err)
	}
	var out []fixture
	for _, p := range names {
		name := filepath.Base(p)
		stem := strings.TrimSuffix(name, ".dat")
		f := fixture{name: name, group: stem}
		if loc := groupSuffix.FindStringIndex(stem); loc != nil {
			f.group = stem[:loc[0]]
			f.template = !strings.HasPrefix(stem[loc[0]:], "_data")
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.group != b.group {
			return a.group < b.group
		}
		if a.template != b.template {
			return a.template
		}
		return a.name < b.name
	})
	return out
}

type result struct {
	flows            int
	options, missing int64 // options records and data sets without template
	err              error
	first            *detect.Event
}

// decodeAll feeds every fixture, each capture as its own exporter.
func decodeAll(t *testing.T) (map[string]result, *Decoder) {
	dir := shareddata.Dir(t, "detect", "netflow", "logstash-codec-netflow")
	d := NewDecoder(Options{})
	out := map[string]result{}
	for _, f := range fixtures(t, dir) {
		pkt, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		var first *detect.Event
		before := d.Stats()
		n, err := d.Decode("exporter-"+f.group, pkt, detect.SinkFunc(func(e *detect.Event) {
			if first == nil {
				c := *e
				first = &c
			}
		}))
		after := d.Stats()
		out[f.name] = result{flows: n, err: err, first: first,
			options: after.OptionRecords - before.OptionRecords, missing: after.MissingTemplate - before.MissingTemplate}
	}
	return out, d
}

// TestLogstashFixtures decodes all 92 payloads and compares flows per
// file (or the reason it fails) with testdata/logstash-netflow.golden.
func TestLogstashFixtures(t *testing.T) {
	results, d := decodeAll(t)
	if len(results) != 92 {
		t.Fatalf("%d fixtures, want 92", len(results))
	}
	var got strings.Builder
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := results[n]
		status := "ok"
		if r.err != nil {
			status = "error: " + r.err.Error()
		}
		fmt.Fprintf(&got, "%s\tflows=%d options=%d no-template=%d\t%s\n", n, r.flows, r.options, r.missing, status)
	}
	golden(t, "testdata/logstash-netflow.golden", got.String())
	st := d.Stats()
	t.Logf("decoder stats: %+v", st)
	if st.Flows == 0 || st.RefusedTemplates != 0 {
		t.Errorf("stats = %+v", st)
	}
}

// TestLogstashKeyFields checks the first flow of captures of each kind.
func TestLogstashKeyFields(t *testing.T) {
	results, _ := decodeAll(t)
	tests := []struct {
		file             string
		product          string
		src, dst         string
		srcPort, dstPort uint16
		proto            string
		bytes, packets   int64
		start            string
		field, value     string
	}{
		{"netflow5.dat", "netflow:v5", "10.0.2.2", "10.0.2.15", 54435, 22, "tcp", 230, 5,
			"2015-05-02T18:38:04.898328Z", "tcp_flags", "16"},
		{"ipfix.dat", "ipfix", "192.168.253.1", "192.168.253.128", 60560, 22, "tcp", 260, 5,
			"2015-05-13T11:20:26Z", "flowEndSysUpTime", "12726"},
		{"netflow9_test_valid01.dat", "netflow:v9", "172.16.32.100", "172.16.32.248", 123, 123, "udp", 76, 1,
			"2015-10-08T19:03:46.14Z", "flow_end", "2015-10-08T19:03:46.141Z"},
		{"ipfix_test_openbsd_pflow_data.dat", "ipfix", "192.168.0.17", "192.168.0.1", 64020, 80, "tcp", 373, 7,
			"2016-07-21T13:29:59Z", "observation_domain", "42"},
		{"netflow9_test_macaddr_data.dat", "netflow:v9", "172.16.32.1", "172.16.32.201", 65058, 22, "tcp", 0, 0,
			"2015-10-10T08:47:01Z", "sourceMacAddress", "00:50:56:c0:00:01"},
		{"ipfix_test_mikrotik_data258.dat", "ipfix", "10.10.8.197", "192.168.128.17", 123, 123, "udp", 152, 2,
			"2017-07-19T16:18:08Z", "postNATSourceIPv4Address", "192.168.230.216"},
		{"netflow9_test_cisco_asa_1_data.dat", "netflow:v9", "192.168.14.1", "2.2.2.11", 0, 17549, "icmp", 56, 0,
			"2015-10-09T09:47:47.569Z", "flowId", "8500"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			e := results[tt.file].first
			if e == nil {
				t.Fatal("no flow")
			}
			got := fmt.Sprintf("%s %s:%d>%s:%d %s %d/%d %s %s",
				e.Product, e.Src.IP, e.Src.Port, e.Dst.IP, e.Dst.Port, e.Protocol, e.BytesOut, e.Packets,
				e.Time.Format(time.RFC3339Nano), e.Fields[tt.field])
			want := fmt.Sprintf("%s %s:%d>%s:%d %s %d/%d %s %s",
				tt.product, tt.src, tt.srcPort, tt.dst, tt.dstPort, tt.proto, tt.bytes, tt.packets, tt.start, tt.value)
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if e.Class != detect.ClassNetworkActivity || e.Source != Source {
				t.Errorf("class %v source %q", e.Class, e.Source)
			}
		})
	}
}
