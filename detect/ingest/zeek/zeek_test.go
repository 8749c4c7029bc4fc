package zeek

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
	"github.com/airtight/airtight/detect/ingest/internal/ingesttest"
	"github.com/airtight/airtight/internal/shareddata"
)

func read(t *testing.T, name string, r *strings.Reader, o Options) ([]detect.Event, feed.Stats) {
	t.Helper()
	c := ingesttest.NewCollector()
	st, err := ReadFile(context.Background(), name, r, c, o)
	if err != nil {
		t.Fatal(err)
	}
	return c.Events(), st
}

func readBaseline(t *testing.T, file string) []detect.Event {
	t.Helper()
	p := filepath.Join(shareddata.Dir(t, "detect", "zeek-logs", "zeek-baseline"), file)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	events, st := read(t, file, strings.NewReader(string(b)), Options{})
	// The oracle: every line that is not a header is one record.
	var records int64
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			records++
		}
	}
	if st.Records != records || st.Events != records || st.Bad != 0 {
		t.Fatalf("%s: stats %+v, want %d records and events", file, st, records)
	}
	return events
}

func TestBaselineConn(t *testing.T) {
	events := readBaseline(t, "scripts.base.protocols.ssh.basic_conn.log")
	want(t, len(events), 25)
	e := events[0]
	want(t, e.Class, detect.ClassNetworkActivity)
	want(t, e.Product, "zeek:conn")
	want(t, e.Src.IP, netip.MustParseAddr("192.168.1.79"))
	want(t, e.Src.Port, uint16(51880))
	want(t, e.Dst.Port, uint16(22))
	want(t, e.Protocol, "tcp")
	want(t, e.App, "ssh")
	want(t, e.BytesOut, int64(2669))
	want(t, e.BytesIn, int64(2501))
	want(t, e.Packets, int64(45))
	want(t, e.Fields["conn_state"], "SF")
	want(t, e.Fields["duration"], "6.159326")
	want(t, e.Time.IsZero(), true) // btest masks timestamps as XXXXXXXXXX.XXXXXX
	udp := events[18]
	want(t, udp.Protocol, "udp")
	_, set := udp.Fields["service"]
	want(t, set, false) // "-" is unset
	_, set = udp.Fields["tunnel_parents"]
	want(t, set, false)
}

func TestBaselineSSH(t *testing.T) {
	events := readBaseline(t, "scripts.base.protocols.ssh.basic_ssh.log")
	statuses := map[string]int{}
	for _, e := range events {
		want(t, e.Class, detect.ClassAuthentication)
		statuses[e.Status]++
	}
	want(t, statuses["success"], 10)
	want(t, statuses["failure"], 2)
	want(t, statuses[""], 10)
	want(t, events[0].Fields["server"], "SSH-2.0-OpenSSH_5.8")
}

func TestBaselineSMB(t *testing.T) {
	mapping := readBaseline(t, "scripts.base.protocols.smb.smb2_smb_mapping.log")
	want(t, mapping[0].Class, detect.ClassSMBActivity)
	want(t, mapping[0].SMB.Share, `\\10.0.0.12\smb2`)
	want(t, mapping[1].SMB.Share, `\\10.0.0.12\IPC$`)
	want(t, mapping[1].Fields["share_type"], "PIPE")

	files := readBaseline(t, "scripts.base.protocols.smb.smb1_smb_files.log")
	f := files[2]
	want(t, f.SMB.File, `Test\2009-12 Payroll.xlsx`)
	want(t, f.SMB.Command, "FILE_OPEN")
	want(t, f.Activity, "open")
	want(t, f.Fields["size"], "25940")
	want(t, f.Fields["times.created"], "1403148950.000000")

	files2 := readBaseline(t, "scripts.base.protocols.smb.smb2_smb_files.log")
	want(t, files2[1].SMB.Share, `\\10.0.0.12\smb2`)
	want(t, files2[1].SMB.File, "WP_SMBPlugin.pdf")
}

func TestBaselineAuthLogs(t *testing.T) {
	krb := readBaseline(t, "scripts.base.protocols.krb.kinit_kerberos.log")
	ok := ingesttest.Count(krb, func(e *detect.Event) bool { return e.Status == "success" })
	want(t, ok, 51)
	want(t, len(krb)-ok, 34)
	last := krb[len(krb)-1]
	want(t, last.User, "test_pkinit/VLADG.NET")
	want(t, last.Fields["client_cert_subject"], `CN=test_pkinit,O=Bro Testing\, LLC,L=Champaign,ST=Illinois,C=US`)
	want(t, krb[0].Fields["till"], "1421708099.000000")

	ntlm := readBaseline(t, "scripts.base.protocols.dce-rpc.mapi_ntlm.log")
	want(t, ntlm[0].Class, detect.ClassAuthentication)
	want(t, ntlm[0].User, "ALeonard")
	want(t, ntlm[0].Src.Hostname, "ALEONARD-XP")
	want(t, ntlm[0].Status, "")
}

func TestBaselineGeneric(t *testing.T) {
	dce := readBaseline(t, "scripts.base.protocols.dce-rpc.mapi_dce_rpc.log")
	want(t, len(dce), 12)
	want(t, dce[5].Class, detect.ClassNetworkActivity)
	want(t, dce[5].App, "dce_rpc")
	want(t, dce[5].Fields["operation"], "EcDoConnect")

	rdp := readBaseline(t, "scripts.base.protocols.rdp.rdp-proprietary-encryption_rdp.log")
	want(t, rdp[1].App, "rdp")
	want(t, rdp[1].Fields["client_channels"], "rdpdr,rdpsnd,drdynvc,cliprdr")
	want(t, rdp[0].Fields["cookie"], `FTBCO\A70`)
	v, set := rdp[1].Fields["client_dig_product_id"]
	want(t, set && v == "", true) // "(empty)" is an empty value, not unset

	notice := readBaseline(t, "scripts.base.frameworks.notice.suppression_notice.log")
	want(t, notice[0].Class, detect.ClassLog)
	want(t, notice[0].Activity, "test_notice")
	want(t, notice[0].Message, "test")
	want(t, notice[0].Fields["actions"], "Notice::ACTION_LOG")

	for _, f := range []string{"core.udp-padding_syslog.log", "scripts.base.protocols.syslog.missing-pri_syslog.log"} {
		sys := readBaseline(t, f)
		want(t, sys[0].Product, "zeek:syslog")
		want(t, sys[0].Dst.Port, uint16(514))
		want(t, sys[0].Fields["facility"], "UNSPECIFIED")
	}
}

func TestJSON(t *testing.T) {
	b, err := os.ReadFile("testdata/conn.json")
	if err != nil {
		t.Fatal(err)
	}
	events, st := read(t, "conn.json", strings.NewReader(string(b)), Options{})
	want(t, st.Events, int64(3))
	conn := events[0]
	want(t, conn.Product, "zeek:conn") // from the file name
	want(t, conn.BytesOut, int64(48213554))
	want(t, conn.Dst.Port, uint16(11112))
	want(t, conn.Time, time.Unix(1700000000, 250000000).UTC())
	ssh := events[1]
	want(t, ssh.Class, detect.ClassAuthentication)
	want(t, ssh.Status, "failure")
	want(t, ssh.Time, time.Date(2023, 11, 14, 22, 35, 10, 0, time.UTC))
	want(t, events[2].Fields["actions"], "Notice::ACTION_LOG,Notice::ACTION_EMAIL")
	want(t, events[2].Src.IP, netip.MustParseAddr("10.20.9.77"))
}

func TestTSVEscapesAndErrors(t *testing.T) {
	in := "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n" +
		"#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\turi\ttags\n" +
		"#types\ttime\taddr\tport\taddr\tport\tstring\tset[string]\n" +
		"1700000000.000000\t10.0.0.1\t1234\t10.0.0.2\t80\t/a\\x09b\\\\c\tx\\x2cy,z\n" +
		"1700000000.000000\t10.0.0.1\t1234\n" +
		"1700000000.000000\t10.0.0.1\t1234\t10.0.0.2\t80\t\\x2d\t(empty)\n"
	events, st := read(t, "http.log", strings.NewReader(in), Options{})
	want(t, st.Records, int64(3))
	want(t, st.Bad, int64(1))
	want(t, len(events), 2)
	want(t, events[0].Fields["uri"], "/a\tb\\c")
	want(t, events[0].Fields["tags"], "x,y,z")
	want(t, events[0].App, "http")
	want(t, events[1].Fields["uri"], "-") // an escaped dash is a value, not unset
	var bad *feed.BadInput
	if !errors.As(st.Errors[0], &bad) || bad.Name != "http.log" || bad.Line != 9 {
		t.Errorf("error = %v, want http.log:9", st.Errors[0])
	}
}

func TestLimits(t *testing.T) {
	lim := feed.Limits{MaxFields: 3, MaxDepth: 2}
	in := "#fields\ta\tb\tc\td\n1\t2\t3\t4\n{\"a\":{\"b\":{\"c\":1}}}\n{\"a\":1,\"b\":2,\"c\":3,\"d\":4}\n{\"a\":1}\n"
	events, st := read(t, "x.log", strings.NewReader(in), Options{Limits: lim, Path: "conn"})
	want(t, len(events), 1)
	want(t, st.Bad, int64(4)) // the #fields header, the TSV line after it, too deep, too many fields
	for i, wantErr := range []error{feed.ErrTooManyFields, feed.ErrSyntax, feed.ErrTooDeep, feed.ErrTooManyFields} {
		if !errors.Is(st.Errors[i], wantErr) {
			t.Errorf("error %d = %v, want %v", i, st.Errors[i], wantErr)
		}
	}
}

func TestPathFromName(t *testing.T) {
	for name, path := range map[string]string{
		"conn.log": "conn", "/var/log/zeek/ssh.2024-01-01-00-00-00.log.gz": "ssh",
		"x.smb_files.log": "smb_files", "scripts.base.protocols.smb.smb2_smb_files.log": "smb_files",
		"files.log": "files", "weird.json": "weird", "other.txt": "",
	} {
		if got := PathFromName(name); got != path {
			t.Errorf("PathFromName(%q) = %q, want %q", name, got, path)
		}
	}
}

func want[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}
