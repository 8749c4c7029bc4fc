package smb

import (
	"encoding/binary"
	"fmt"
	"time"
)

// SMB1 commands (MS-CIFS 2.2.2.1) that produce events or state.
const (
	cmdTransaction       = 0x25
	cmdTransactionSecond = 0x26
	cmdTrans2            = 0x32
	cmdTrans2Second      = 0x33
	cmdNegotiate1        = 0x72
	cmdSessionSetup1     = 0x73
	cmdTreeConnect1      = 0x75
	cmdNTTransact        = 0xa0
	cmdNTTransactSecond  = 0xa1
	cmdNTCreate          = 0xa2
)

var smb1Names = map[byte]string{
	cmdTransaction: "TRANSACTION", cmdTransactionSecond: "TRANSACTION_SECONDARY",
	cmdTrans2: "TRANS2", cmdTrans2Second: "TRANS2_SECONDARY",
	cmdNegotiate1: "NEGOTIATE", cmdSessionSetup1: "SESSION_SETUP",
	cmdTreeConnect1: "TREE_CONNECT", cmdNTTransact: "NT_TRANSACT",
	cmdNTTransactSecond: "NT_TRANSACT_SECONDARY", cmdNTCreate: "CREATE",
}

var trans2Names = map[uint16]string{
	0x00: "OPEN2", 0x01: "FIND_FIRST2", 0x02: "FIND_NEXT2", 0x03: "QUERY_FS_INFORMATION",
	0x04: "SET_FS_INFORMATION", 0x05: "QUERY_PATH_INFORMATION", 0x06: "SET_PATH_INFORMATION",
	0x07: "QUERY_FILE_INFORMATION", 0x08: "SET_FILE_INFORMATION", 0x09: "FSCTL",
	0x0a: "IOCTL2", 0x0b: "FIND_NOTIFY_FIRST", 0x0c: "FIND_NOTIFY_NEXT",
	0x0d: "CREATE_DIRECTORY", 0x0e: "SESSION_SETUP", 0x10: "GET_DFS_REFERRAL",
	0x11: "REPORT_DFS_INCONSISTENCY",
}

var transNames = map[uint16]string{
	0x0001: "SET_NMPIPE_STATE", 0x0011: "RAW_READ_NMPIPE", 0x0021: "QUERY_NMPIPE_STATE",
	0x0022: "QUERY_NMPIPE_INFO", 0x0023: "PEEK_NMPIPE", 0x0026: "TRANSACT_NMPIPE",
	0x0031: "RAW_WRITE_NMPIPE", 0x0036: "READ_NMPIPE", 0x0037: "WRITE_NMPIPE",
	0x0053: "WAIT_NMPIPE", 0x0054: "CALL_NMPIPE",
}

var ntTransNames = map[uint16]string{
	1: "CREATE", 2: "IOCTL", 3: "SET_SECURITY_DESC", 4: "NOTIFY_CHANGE",
	5: "RENAME", 6: "QUERY_SECURITY_DESC", 7: "GET_USER_QUOTA", 8: "SET_USER_QUOTA",
}

func subName(m map[uint16]string, v uint16) string {
	if n, ok := m[v]; ok {
		return n
	}
	return fmt.Sprintf("0x%04x", v)
}

// smb1Msg is an SMB1 message: header fields, parameter words, data bytes.
type smb1Msg struct {
	raw      []byte
	cmd      byte
	status   uint32
	response bool
	unicode  bool
	mid      uint16
	tid      uint16
	words    []byte
	bytes    []byte
	bytesOff int // offset of bytes in raw, for alignment
}

const smb1HeaderLen = 32

func parseSMB1(m []byte) (*smb1Msg, error) {
	if len(m) < smb1HeaderLen+1 {
		return nil, fmt.Errorf("%w: SMB1 message of %d bytes", ErrMalformed, len(m))
	}
	s := &smb1Msg{
		raw:      m,
		cmd:      m[4],
		status:   binary.LittleEndian.Uint32(m[5:9]),
		response: m[9]&0x80 != 0,
		unicode:  binary.LittleEndian.Uint16(m[10:12])&0x8000 != 0,
		tid:      binary.LittleEndian.Uint16(m[24:26]),
		mid:      binary.LittleEndian.Uint16(m[30:32]),
	}
	wc := int(m[32])
	wEnd := smb1HeaderLen + 1 + 2*wc
	if len(m) < wEnd {
		return nil, fmt.Errorf("%w: SMB1 %s word count %d beyond the message", ErrMalformed, smb1Name(s.cmd), wc)
	}
	s.words = m[smb1HeaderLen+1 : wEnd]
	if len(m) >= wEnd+2 {
		bc := int(binary.LittleEndian.Uint16(m[wEnd:]))
		s.bytesOff = wEnd + 2
		s.bytes = m[s.bytesOff:min(len(m), s.bytesOff+bc)] // the kept prefix may cut the data
	}
	return s, nil
}

func smb1Name(cmd byte) string {
	if n, ok := smb1Names[cmd]; ok {
		return n
	}
	return fmt.Sprintf("SMB1-0x%02x", cmd)
}

func (s *smb1Msg) word(i int) uint16 {
	if 2*i+2 > len(s.words) {
		return 0
	}
	return binary.LittleEndian.Uint16(s.words[2*i:])
}

// at reads a little-endian value at a byte offset of the words.
func (s *smb1Msg) u32(off int) uint32 {
	if off+4 > len(s.words) {
		return 0
	}
	return binary.LittleEndian.Uint32(s.words[off:])
}

// str decodes a string at offset off of raw, honouring Unicode alignment.
func (s *smb1Msg) str(off int) string {
	if off < 0 || off >= len(s.raw) {
		return ""
	}
	if s.unicode {
		if off%2 == 1 {
			off++
		}
		if off >= len(s.raw) {
			return ""
		}
		return utf16z(s.raw[off:], maxName)
	}
	return cstring(s.raw[off:], maxName)
}

func (c *Conn) smb1(m []byte, ts time.Time) error {
	s, err := parseSMB1(m)
	if err != nil {
		return err
	}
	if c.version == 0 {
		c.version = 1
	}
	switch s.cmd {
	case cmdNegotiate1:
		c.negotiate1(s, ts)
	case cmdSessionSetup1:
		e := c.event(ts, 1, "SESSION_SETUP", s.response)
		if s.response {
			c.respond(e, s.status)
		}
		c.sink.Event(e)
	case cmdTreeConnect1:
		c.treeConnect1(s, ts)
	case cmdTransaction, cmdTrans2:
		c.trans1(s, ts)
	case cmdNTTransact:
		c.ntTransact(s, ts)
	case cmdTrans2Second, cmdTransactionSecond, cmdNTTransactSecond:
		c.secondary(s, ts)
	case cmdNTCreate:
		c.ntCreate(s, ts)
	}
	return nil
}

// negotiate1: requests list dialects as 0x02-prefixed strings; responses
// name the chosen one by index.
func (c *Conn) negotiate1(s *smb1Msg, ts time.Time) {
	e := c.event(ts, 1, "NEGOTIATE", s.response)
	if !s.response {
		e.SMB.Dialects = dialects1(s.bytes, c.lim.MaxDialects)
		remember(c.dialects, uint64(s.mid), e.SMB.Dialects, c.lim.MaxPending)
		c.sink.Event(e)
		return
	}
	c.respond(e, s.status)
	offered := c.dialects[uint64(s.mid)]
	delete(c.dialects, uint64(s.mid))
	if i := int(s.word(0)); len(s.words) >= 2 && i < len(offered) {
		e.SMB.Dialects = []string{offered[i]}
	}
	c.sink.Event(e)
}

func dialects1(b []byte, max int) []string {
	var ds []string
	for len(b) > 1 && b[0] == 0x02 && len(ds) < max {
		d := cstring(b[1:], maxName)
		ds = append(ds, d)
		b = b[min(len(b), 1+len(d)+1):]
	}
	return ds
}

// treeConnect1: the request's path follows the password in the bytes.
func (c *Conn) treeConnect1(s *smb1Msg, ts time.Time) {
	e := c.event(ts, 1, "TREE_CONNECT", s.response)
	if s.response {
		c.respond(e, s.status)
		e.SMB.Share = c.shares[uint64(s.mid)]
		delete(c.shares, uint64(s.mid))
		if s.status == 0 && e.SMB.Share != "" {
			remember(c.trees, treeKey(s.tid), e.SMB.Share, c.lim.MaxPending)
		}
		c.sink.Event(e)
		return
	}
	if len(s.words) >= 8 {
		pwLen := int(s.word(3))
		e.SMB.Share = s.str(s.bytesOff + pwLen)
		remember(c.shares, uint64(s.mid), e.SMB.Share, c.lim.MaxPending)
	}
	c.sink.Event(e)
}

// trans1 handles TRANSACTION and TRANS2 requests (MS-CIFS 2.2.4.33.1,
// 2.2.4.46.1): the sub-command is the first setup word. Like Zeek, the
// setup words are read by SetupCount even when WordCount leaves no room
// for them (a mismatch is noted in Fields).
func (c *Conn) trans1(s *smb1Msg, ts time.Time) {
	if s.response {
		return
	}
	e := c.event(ts, 1, smb1Name(s.cmd), false)
	e.SMB.Share = c.trees[treeKey(s.tid)]
	const fixedWords = 14
	setupAt := smb1HeaderLen + 1 + 2*(fixedWords-1)
	if len(s.raw) < setupAt+2 || len(s.words) < 2*(fixedWords-1) {
		c.sink.Event(e)
		return
	}
	setupCount := int(s.raw[setupAt])
	setup := setupAt + 2
	if setupCount > 0 && len(s.raw) >= setup+2 {
		sub := binary.LittleEndian.Uint16(s.raw[setup:])
		if s.cmd == cmdTrans2 {
			e.SMB.Subcommand = subName(trans2Names, sub)
			if sub == 0x0e {
				e.SMB.Anomaly = "trans2-session-setup"
			}
		} else {
			e.SMB.Subcommand = subName(transNames, sub)
		}
	}
	if int(s.raw[smb1HeaderLen]) != fixedWords+setupCount {
		e.Fields = map[string]string{"smb.word_count_mismatch": "true"}
	}
	if s.cmd == cmdTransaction {
		// the transaction name follows SMB_Data.ByteCount
		e.SMB.File = s.str(setup + 2*setupCount + 2) // e.g. \PIPE\LANMAN
	}
	c.sink.Event(e)
}

// ntTransact handles NT_TRANSACT requests (MS-CIFS 2.2.4.62.1). A total
// data count a TRANS2 could not carry (over 0xFFFF) with no valid function
// is how EternalBlue delivers its oversized FEA list.
func (c *Conn) ntTransact(s *smb1Msg, ts time.Time) {
	if s.response || len(s.words) < 38 {
		return
	}
	totalData := s.u32(7)
	function := binary.LittleEndian.Uint16(s.words[36:38])
	e := c.event(ts, 1, "NT_TRANSACT", false)
	e.SMB.Share = c.trees[treeKey(s.tid)]
	e.SMB.Subcommand = subName(ntTransNames, function)
	if totalData > 0xFFFF && (function == 0 || function > 8) {
		e.SMB.Anomaly = "oversized-fea-list"
	}
	remember(c.ntTrans, s.mid, true, c.lim.MaxPending)
	c.sink.Event(e)
}

// secondary handles TRANSACTION/TRANS2/NT_TRANSACT secondary requests: a
// TRANS2 secondary continuing an NT_TRANSACT (same MID) makes the server
// process NT-sized data as a TRANS2, the EternalBlue trigger.
func (c *Conn) secondary(s *smb1Msg, ts time.Time) {
	if s.response || s.cmd != cmdTrans2Second || !c.ntTrans[s.mid] {
		return
	}
	e := c.event(ts, 1, "TRANS2_SECONDARY", false)
	e.SMB.Anomaly = "oversized-fea-list"
	e.Fields = map[string]string{"smb.continues": "NT_TRANSACT"}
	delete(c.ntTrans, s.mid)
	c.sink.Event(e)
}

// ntCreate reads the file name of an NT_CREATE_ANDX request.
func (c *Conn) ntCreate(s *smb1Msg, ts time.Time) {
	if s.response || len(s.words) < 48 {
		return
	}
	e := c.event(ts, 1, "CREATE", false)
	e.SMB.Share = c.trees[treeKey(s.tid)]
	e.SMB.File = s.str(s.bytesOff)
	c.sink.Event(e)
}
