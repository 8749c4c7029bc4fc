package smb

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/airtight/airtight/detect"
)

type events []detect.Event

func (e *events) Event(ev *detect.Event) { *e = append(*e, *ev) }

// nb frames an SMB message in a NetBIOS session message.
func nb(m []byte) []byte {
	n := len(m)
	return append([]byte{0, byte(n >> 16), byte(n >> 8), byte(n)}, m...)
}

// smb1 builds an SMB1 message.
func smb1(cmd byte, response bool, mid, tid uint16, words, data []byte) []byte {
	h := make([]byte, 32)
	copy(h, protoSMB1[:])
	h[4] = cmd
	if response {
		h[9] = 0x80
	}
	binary.LittleEndian.PutUint16(h[24:], tid)
	binary.LittleEndian.PutUint16(h[30:], mid)
	h = append(h, byte(len(words)/2))
	h = append(h, words...)
	h = binary.LittleEndian.AppendUint16(h, uint16(len(data)))
	return append(h, data...)
}

// transWords builds TRANS2 parameter words with the given setup words.
func transWords(setup ...uint16) []byte {
	w := make([]byte, 26)
	w = append(w, byte(len(setup)), 0)
	for _, s := range setup {
		w = binary.LittleEndian.AppendUint16(w, s)
	}
	return w
}

func ntTransWords(totalData uint32, function uint16) []byte {
	w := make([]byte, 38)
	binary.LittleEndian.PutUint32(w[7:], totalData)
	binary.LittleEndian.PutUint16(w[36:], function)
	return w
}

func smb2(cmd uint16, response bool, msgID uint64, treeID uint32, status uint32, body []byte) []byte {
	h := make([]byte, 64)
	copy(h, protoSMB2[:])
	binary.LittleEndian.PutUint16(h[4:], 64)
	binary.LittleEndian.PutUint32(h[8:], status)
	binary.LittleEndian.PutUint16(h[12:], cmd)
	if response {
		binary.LittleEndian.PutUint32(h[16:], 1)
	}
	binary.LittleEndian.PutUint64(h[24:], msgID)
	binary.LittleEndian.PutUint32(h[36:], treeID)
	return append(h, body...)
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

func feed(t *testing.T, c *Conn, toServer bool, msgs ...[]byte) {
	t.Helper()
	for _, m := range msgs {
		if err := c.Feed(toServer, nb(m), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSMB1(t *testing.T) {
	var got events
	c := NewConn(detect.Event{Source: "test"}, &got, Limits{})
	dialects := []byte("\x02PC NETWORK PROGRAM 1.0\x00\x02NT LM 0.12\x00")
	feed(t, c, true, smb1(cmdNegotiate1, false, 1, 0, nil, dialects))
	feed(t, c, false, smb1(cmdNegotiate1, true, 1, 0, []byte{1, 0}, nil))
	treePath := append([]byte{0}, []byte("\\\\PACS\\ADMIN$\x00?????\x00")...)
	feed(t, c, true, smb1(cmdTreeConnect1, false, 2, 0, []byte{0xff, 0, 0, 0, 0, 0, 1, 0}, treePath))
	feed(t, c, false, smb1(cmdTreeConnect1, true, 2, 7, []byte{0xff, 0, 0, 0}, nil))
	feed(t, c, true,
		smb1(cmdTrans2, false, 0x41, 7, transWords(0x000e), nil),
		smb1(cmdNTTransact, false, 9, 7, ntTransWords(0x103d0, 0), nil),
		smb1(cmdTrans2Second, false, 9, 7, make([]byte, 18), nil),
		smb1(cmdTrans2, false, 10, 7, transWords(0x0001), nil),
		smb1(cmdNTTransact, false, 11, 7, ntTransWords(100, 1), nil),
	)
	want := []struct{ cmd, sub, anomaly, share string }{
		{"NEGOTIATE", "", "", ""},
		{"NEGOTIATE", "", "", ""},
		{"TREE_CONNECT", "", "", `\\PACS\ADMIN$`},
		{"TREE_CONNECT", "", "", `\\PACS\ADMIN$`},
		{"TRANS2", "SESSION_SETUP", "trans2-session-setup", `\\PACS\ADMIN$`},
		{"NT_TRANSACT", "0x0000", "oversized-fea-list", `\\PACS\ADMIN$`},
		{"TRANS2_SECONDARY", "", "oversized-fea-list", ""},
		{"TRANS2", "FIND_FIRST2", "", `\\PACS\ADMIN$`},
		{"NT_TRANSACT", "CREATE", "", `\\PACS\ADMIN$`},
	}
	if len(got) != len(want) {
		t.Fatalf("%d events: %+v", len(got), got)
	}
	for i, w := range want {
		s := got[i].SMB
		if s.Version != 1 || s.Command != w.cmd || s.Subcommand != w.sub || s.Anomaly != w.anomaly || s.Share != w.share {
			t.Errorf("event %d: %+v, want %+v", i, *s, w)
		}
	}
	if d := got[0].SMB.Dialects; len(d) != 2 || d[1] != "NT LM 0.12" {
		t.Errorf("offered dialects %q", d)
	}
	if d := got[1].SMB.Dialects; len(d) != 1 || d[0] != "NT LM 0.12" || got[1].Status != "success" {
		t.Errorf("chosen dialect %q status %q", d, got[1].Status)
	}
}

func TestSMB2(t *testing.T) {
	var got events
	c := NewConn(detect.Event{}, &got, Limits{})
	neg := make([]byte, 36)
	binary.LittleEndian.PutUint16(neg[2:], 2)
	neg = binary.LittleEndian.AppendUint16(neg, 0x0210)
	neg = binary.LittleEndian.AppendUint16(neg, 0x0300)
	negRsp := make([]byte, 64)
	binary.LittleEndian.PutUint16(negRsp[4:], 0x0300)
	path := utf16le(`\\PACS\C$`)
	tree := []byte{9, 0, 0, 0, 64 + 8, 0, byte(len(path)), 0}
	tree = append(tree, path...)
	name := utf16le(`Windows\evil.exe`)
	create := make([]byte, 56)
	binary.LittleEndian.PutUint16(create[44:], 64+56)
	binary.LittleEndian.PutUint16(create[46:], uint16(len(name)))
	create = append(create, name...)
	feed(t, c, true, smb2(cmd2Negotiate, false, 0, 0, 0, neg))
	feed(t, c, false, smb2(cmd2Negotiate, true, 0, 0, 0, negRsp))
	feed(t, c, true, smb2(cmd2TreeConnect, false, 3, 0, 0, tree))
	feed(t, c, false, smb2(cmd2TreeConnect, true, 3, 5, 0, make([]byte, 16)))
	feed(t, c, true, smb2(cmd2Create, false, 4, 5, 0, create))
	feed(t, c, false, smb2(cmd2SessionSetup, true, 5, 0, 0xC000006D, make([]byte, 8)))
	if len(got) != 6 {
		t.Fatalf("%d events: %+v", len(got), got)
	}
	if s := got[0].SMB; s.Version != 3 || len(s.Dialects) != 2 || s.Dialects[0] != "2.1" {
		t.Errorf("negotiate request %+v", s)
	}
	if s := got[1].SMB; s.Version != 3 || s.Dialects[0] != "3.0" {
		t.Errorf("negotiate response %+v", s)
	}
	if s := got[4].SMB; s.Command != "CREATE" || s.Share != `\\PACS\C$` || s.File != `Windows\evil.exe` || s.Version != 3 {
		t.Errorf("create %+v", s)
	}
	if e := got[5]; e.Status != "failure" || e.SMB.Status != 0xC000006D {
		t.Errorf("logon failure %q %+v", e.Status, e.SMB)
	}
}

func compressed(orig, offset uint32, flags uint16, body int) []byte {
	m := append([]byte(nil), protoCompression[:]...)
	m = binary.LittleEndian.AppendUint32(m, orig)
	m = binary.LittleEndian.AppendUint16(m, 1)
	m = binary.LittleEndian.AppendUint16(m, flags)
	m = binary.LittleEndian.AppendUint32(m, offset)
	return append(m, make([]byte, body)...)
}

func TestCompressionTransform(t *testing.T) {
	tests := []struct {
		name    string
		msg     []byte
		anomaly bool
	}{
		{"plausible", compressed(4096, 0, 0, 100), false},
		{"overflowing sum (SMBGhost)", compressed(0xFFFFFFFF, 0x10, 0, 100), true},
		{"huge original size", compressed(64<<20, 0, 0, 100), true},
		{"offset beyond message", compressed(4096, 500, 0, 100), true},
		{"chained, plausible", compressed(4096, 80, 1, 100), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got events
			c := NewConn(detect.Event{}, &got, Limits{})
			feed(t, c, true, tt.msg)
			if len(got) != 1 || got[0].SMB.Command != "COMPRESSION_TRANSFORM" || (got[0].SMB.Anomaly == "compression-transform") != tt.anomaly {
				t.Fatalf("events %+v", got)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	var got events
	c := NewConn(detect.Event{}, &got, Limits{})
	if err := c.Feed(true, nb([]byte("\xffSMB")), time.Time{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("short SMB1: %v", err)
	}
	if err := c.Feed(true, nb(smb1(cmdNegotiate1, false, 1, 0, nil, []byte("\x02NT LM 0.12\x00"))), time.Time{}); err != nil || len(got) != 1 {
		t.Errorf("parsing did not go on after a bad message: %v %d", err, len(got))
	}
	if err := c.Feed(true, []byte{0x42, 0, 0, 1, 0}, time.Time{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad NetBIOS type: %v", err)
	}
	big := nb(smb2(cmd2Negotiate, false, 0, 0, 0, make([]byte, 200<<10)))
	c2 := NewConn(detect.Event{}, &got, Limits{MaxKeep: 1024})
	if err := c2.Feed(true, big, time.Time{}); err != nil || cap(c2.dirs[0].msg) > 4096 {
		t.Errorf("big message: %v, kept %d bytes", err, cap(c2.dirs[0].msg))
	}
}

func FuzzSMB(f *testing.F) {
	f.Add(nb(smb1(cmdNegotiate1, false, 1, 0, nil, []byte("\x02NT LM 0.12\x00"))))
	f.Add(nb(smb1(cmdTrans2, false, 0x41, 7, transWords(0x000e), nil)))
	f.Add(nb(smb1(cmdTransaction, false, 0x41, 7, transWords(0x0026, 0), []byte("\\PIPE\\x\x00"))))
	f.Add(nb(smb2(cmd2TreeConnect, false, 3, 0, 0, []byte{9, 0, 0, 0, 72, 0, 4, 0, 'a', 0, 'b', 0})))
	f.Add(nb(compressed(0xFFFFFFFF, 0x10, 0, 20)))
	if dir, err := filepath.Abs("testdata"); err == nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
		for _, p := range files {
			b, _ := os.ReadFile(p)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got events
		c := NewConn(detect.Event{}, &got, Limits{MaxKeep: 4096, MaxCompound: 4, MaxDialects: 8, MaxPending: 4})
		_ = c.Feed(true, b[:len(b)/2], time.Time{})
		_ = c.Feed(true, b[len(b)/2:], time.Time{})
		_ = c.Feed(false, b, time.Time{})
		c.Close(time.Time{})
	})
}

func TestRealMessages(t *testing.T) {
	tests := []struct {
		file, cmd, dialect, file2 string
	}{
		{"smb2_negotiate_311_compression.bin", "NEGOTIATE", "3.1.1", ""},
		{"smb1_negotiate.bin", "NEGOTIATE", "NT LM 0.12", ""},
		{"smb1_transaction_lsarpc.bin", "TRANSACTION", "", `\\PIPE\lsarpc`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got events
			if err := NewConn(detect.Event{}, &got, Limits{}).Feed(true, b, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%d events", len(got))
			}
			s := got[0].SMB
			d := s.Dialects
			if s.Command != tt.cmd || s.File != tt.file2 || (tt.dialect != "" && (len(d) == 0 || d[len(d)-1] != tt.dialect)) {
				t.Fatalf("got %+v", s)
			}
		})
	}
}
