package smtpgw

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// greeting dials addr and returns the server's first reply line.
func greeting(t *testing.T, addr string) (net.Conn, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("read greeting: %v", err)
	}
	return c, line
}

// TestMaxConnections checks that connections beyond MaxConnections are
// refused with 421 (before, go-smtp accepted any number, each idling up
// to ReadTimeout) and that a closed connection frees its slot.
func TestMaxConnections(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxConnections = 2 })
	c1, l1 := greeting(t, e.addr)
	_, l2 := greeting(t, e.addr)
	if !strings.HasPrefix(l1, "220") || !strings.HasPrefix(l2, "220") {
		t.Fatalf("greetings %q, %q", l1, l2)
	}
	if _, l3 := greeting(t, e.addr); !strings.HasPrefix(l3, "421 ") {
		t.Fatalf("third connection: %q, want 421", l3)
	}
	c1.Write([]byte("QUIT\r\n"))
	c1.SetReadDeadline(time.Now().Add(10 * time.Second))
	bufio.NewReader(c1).ReadString('\n') // 221, then the server closes
	for i := 0; ; i++ {
		_, l := greeting(t, e.addr)
		if strings.HasPrefix(l, "220") {
			break
		}
		if i == 100 {
			t.Fatalf("slot not freed after QUIT: %q", l)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
