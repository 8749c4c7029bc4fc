package smtpgw

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/internal/testtool"
)

// postfixInstance is a throwaway Postfix: its own configuration, queue
// and log directory, smtpd on a free port, the gateway as after-queue
// content filter, a second smtpd for re-injection, and the sink as
// relayhost.
type postfixInstance struct {
	dir      string
	smtpAddr string
	reinject string
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

const postfixMain = `compatibility_level = 3.6
queue_directory = {{dir}}/queue
data_directory = {{dir}}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.hospital.example
mydomain = hospital.example
myorigin = hospital.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{{sinkport}}
content_filter = scan:[127.0.0.1]:{{gwport}}
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
smtp_dns_support_level = disabled
maillog_file = {{dir}}/maillog
maillog_file_prefixes = {{dir}}
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
biff = no
`

const postfixMaster = `{{smtp}} inet n - n - - smtpd
{{reinject}} inet n - n - 10 smtpd
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
scan unix - - n - 10 smtp
  -o smtp_send_xforward_command=yes
  -o disable_mime_output_conversion=yes
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
`

// startPostfix starts the instance; it is stopped at cleanup.
func startPostfix(t *testing.T, gwAddr, sinkAddr, reinject string) *postfixInstance {
	t.Helper()
	bin := testtool.Path(t, "postfix")
	if os.Geteuid() != 0 {
		t.Skip("a throwaway Postfix instance needs root to start its master")
	}
	dir, err := os.MkdirTemp("", "airtight-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // postfix daemons run as the postfix user
	p := &postfixInstance{dir: dir, smtpAddr: freePort(t), reinject: reinject}
	_, gwPort, _ := net.SplitHostPort(gwAddr)
	_, sinkPort, _ := net.SplitHostPort(sinkAddr)
	r := strings.NewReplacer("{{dir}}", dir, "{{gwport}}", gwPort, "{{sinkport}}", sinkPort,
		"{{smtp}}", p.smtpAddr, "{{reinject}}", reinject)
	must(t, os.WriteFile(filepath.Join(dir, "main.cf"), []byte(r.Replace(postfixMain)), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "master.cf"), []byte(r.Replace(postfixMaster)), 0o644))
	for _, d := range []string{"queue", "data"} {
		must(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	exec.Command("chown", "postfix", filepath.Join(dir, "data")).Run()
	t.Cleanup(func() {
		exec.Command(bin, "-c", dir, "stop").Run()
		waitGone(filepath.Join(dir, "queue", "pid", "master.pid"))
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "maillog"))
			t.Logf("postfix log:\n%s", log)
		}
		os.RemoveAll(dir)
	})
	if out, err := exec.Command(bin, "-c", dir, "start").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v\n%s", err, out)
	}
	waitListening(t, p.smtpAddr)
	waitListening(t, reinject)
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("postfix does not listen on %s", addr)
}

func waitGone(path string) {
	for i := 0; i < 50; i++ {
		if _, err := os.Stat(path); err != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFor polls the sink until pred holds for a received message.
func waitFor(t *testing.T, s *sink, what string, pred func(sunk) bool) sunk {
	t.Helper()
	for i := 0; i < 300; i++ {
		for _, m := range s.received() {
			if pred(m) {
				return m
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the sink never received %s; got %d messages", what, len(s.received()))
	return sunk{}
}

// TestPostfixContentFilter runs mail through Postfix → gateway → Postfix
// re-injection → sink, the after-queue content filter setup.
func TestPostfixContentFilter(t *testing.T) {
	reinject := freePort(t)
	e := newEnv(t, func(c *Config) { c.NextHop = reinject })
	pf := startPostfix(t, e.addr, e.sink.addr, reinject)
	house := "dr.house@hospital.example"

	// Clean mail to an external recipient arrives, with the verdict header.
	clean := readFile(t, "testdata/clean.eml")
	if c, text := sendGo(t, pf.smtpAddr, house, []string{"team@elsewhere.example"}, clean); c != 250 {
		t.Fatalf("postfix refused clean mail: %d %s", c, text)
	}
	got := waitFor(t, e.sink, "the clean mail", func(m sunk) bool { return bytes.Contains(m.data, []byte("Lunch on Friday")) })
	if !bytes.Contains(got.data, []byte("X-Airtight-DLP: log; rule=default")) || fmt.Sprint(got.to) != "[team@elsewhere.example]" {
		t.Errorf("clean mail arrived without verdict or to %v", got.to)
	}
	if !bytes.Contains(got.data, []byte("Hi team, the cafeteria menu for Friday is pasta.")) {
		t.Errorf("clean body altered")
	}

	// PHI to an external recipient: the gateway answers 550, Postfix
	// bounces to the sender, and the recipient never gets it.
	if c, _ := sendGo(t, pf.smtpAddr, house, []string{"someone@elsewhere.example"}, readFile(t, "testdata/phi.eml")); c != 250 {
		t.Fatalf("postfix refused the message: %d", c)
	}
	bounce := waitFor(t, e.sink, "a bounce to the sender", func(m sunk) bool {
		return len(m.to) == 1 && m.to[0] == house && bytes.Contains(m.data, []byte("5.7.1"))
	})
	if !bytes.Contains(bounce.data, []byte("patient data")) {
		t.Errorf("bounce does not explain the rejection")
	}
	for _, m := range e.sink.received() {
		if strings.Contains(fmt.Sprint(m.to), "someone@elsewhere.example") {
			t.Fatal("PHI mail reached the external recipient")
		}
	}
}
