package dicomul

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/shareddata"
)

func readPDU(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(shareddata.Dir(t, "detect", "synthetic", "dicom", "pdus"), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParsePDUSamples(t *testing.T) {
	t.Run("associate-rq", func(t *testing.T) {
		p := mustParse(t, readPDU(t, "a_associate_rq_echoscu.bin"))
		a := p.Associate
		if p.Name() != "A-ASSOCIATE-RQ" || a.CallingAE != "ECHOSCU" || a.CalledAE != "ANY-SCP" {
			t.Fatalf("got %s %q→%q", p.Name(), a.CallingAE, a.CalledAE)
		}
		if a.ApplicationContext != "1.2.840.10008.3.1.1.1" || len(a.Contexts) != 1 || a.Contexts[0].AbstractSyntax != "1.2.840.10008.1.1" {
			t.Fatalf("context: %+v", a)
		}
		if a.Contexts[0].TransferSyntaxes[0] != "1.2.840.10008.1.2" || a.UserInfo.MaxLength != 16382 ||
			a.UserInfo.ImplementationVersion != "PYNETDICOM_090" || a.UserInfo.UserIdentity {
			t.Fatalf("user info: %+v %+v", a.Contexts[0], a.UserInfo)
		}
	})
	t.Run("associate-ac", func(t *testing.T) {
		p := mustParse(t, readPDU(t, "a_associate_ac_dcmtk.bin"))
		pc := p.Associate.Contexts[0]
		if p.Type != TypeAssociateAC || pc.Result != 0 || pc.TransferSyntaxes[0] != "1.2.840.10008.1.2" ||
			p.Associate.UserInfo.ImplementationVersion != "OFFIS_DCMTK_360" {
			t.Fatalf("got %+v %+v", p.Associate, pc)
		}
	})
	t.Run("user-identity", func(t *testing.T) {
		b := readPDU(t, "a_associate_rq_user_identity_password.bin")
		p := mustParse(t, b)
		u := p.Associate.UserInfo
		if !u.UserIdentity || u.UserIdentityType != 2 || len(p.Associate.Contexts) != 1 {
			t.Fatalf("user info %+v", u)
		}
		if got := fmtAll(p); strings.Contains(got, "pynetdicom") || strings.Contains(got, "p4ssw0rd") {
			t.Fatalf("credential kept in parsed PDU: %s", got)
		}
	})
	t.Run("reject", func(t *testing.T) {
		p := mustParse(t, readPDU(t, "a_associate_rj.bin"))
		if *p.Reject != (Reject{Result: 1, Source: 1, Reason: 1}) {
			t.Fatalf("got %+v", p.Reject)
		}
	})
	t.Run("release", func(t *testing.T) {
		for name, typ := range map[string]byte{"a_release_rq.bin": TypeReleaseRQ, "a_release_rp.bin": TypeReleaseRP} {
			if p := mustParse(t, readPDU(t, name)); p.Type != typ {
				t.Errorf("%s: type %d", name, p.Type)
			}
		}
	})
	t.Run("echo", func(t *testing.T) {
		for name, want := range map[string]string{"p_data_tf_c_echo_rq.bin": "C-ECHO-RQ", "p_data_tf_c_echo_rsp.bin": "C-ECHO-RSP"} {
			p := mustParse(t, readPDU(t, name))
			pdv := p.Data.PDVs[0]
			if !pdv.Command || !pdv.Last || pdv.ContextID != 1 {
				t.Fatalf("%s: PDV %+v", name, pdv)
			}
			c, err := ParseCommand(pdv.Data)
			if err != nil || c.Name() != want || c.SOPClassUID != "1.2.840.10008.1.1" || c.HasDataSet {
				t.Fatalf("%s: %+v %v", name, c, err)
			}
		}
	})
}

func fmtAll(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func mustParse(t *testing.T, b []byte) *PDU {
	t.Helper()
	p, n, err := ParsePDU(b, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(b) {
		t.Fatalf("used %d of %d bytes", n, len(b))
	}
	return p
}

func TestParsePDUErrors(t *testing.T) {
	rq := func() []byte { return append([]byte(nil), readPDU(t, "a_associate_rq_echoscu.bin")...) }
	tests := []struct {
		name string
		b    []byte
		lim  Limits
	}{
		{"short header", []byte{1, 0, 0}, Limits{}},
		{"unknown type", []byte{9, 0, 0, 0, 0, 4, 0, 0, 0, 0}, Limits{}},
		{"body missing", []byte{5, 0, 0, 0, 0, 4, 0}, Limits{}},
		{"over max PDU", []byte{4, 0, 0x7f, 0, 0, 0}, Limits{MaxPDULength: 1024}},
		{"over max associate", rq(), Limits{MaxAssociateLength: 100}},
		{"release wrong size", []byte{5, 0, 0, 0, 0, 2, 0, 0}, Limits{}},
		{"item beyond body", func() []byte { b := rq(); b[6+68+3] = 0xff; return b }(), Limits{}},
		{"too many items", rq(), Limits{MaxItems: 2}},
		{"PDV beyond PDU", []byte{4, 0, 0, 0, 0, 6, 0, 0, 0, 9, 1, 3}, Limits{}},
		{"PDV too short", []byte{4, 0, 0, 0, 0, 6, 0, 0, 0, 1, 1, 3}, Limits{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ParsePDU(tt.b, tt.lim); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

// element encodes one data element.
func element(explicit bool, group, elem uint16, vr string, v []byte) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint16(b, group)
	b = binary.LittleEndian.AppendUint16(b, elem)
	if !explicit {
		return append(binary.LittleEndian.AppendUint32(b, uint32(len(v))), v...)
	}
	b = append(b, vr...)
	if longVRs[[2]byte{vr[0], vr[1]}] {
		b = append(b, 0, 0)
		return append(binary.LittleEndian.AppendUint32(b, uint32(len(v))), v...)
	}
	return append(binary.LittleEndian.AppendUint16(b, uint16(len(v))), v...)
}

func TestScanner(t *testing.T) {
	name := []byte("DOE^JANE")
	tests := []struct {
		name string
		enc  encoding
		ds   []byte
		want bool
	}{
		{"implicit name", encImplicitLE, cat(element(false, 8, 0x60, "", []byte("CT")), element(false, 0x10, 0x10, "", name)), true},
		{"explicit id after OB", encExplicitLE, cat(element(true, 8, 0x60, "CS", []byte("CT")), element(true, 0x7fe0, 0, "OB", []byte{1, 2, 3, 4}), element(true, 0x10, 0x20, "LO", []byte("SYN1"))), true},
		{"guessed explicit", encUnknown, cat(element(true, 8, 0x60, "CS", []byte("CT")), element(true, 0x10, 0x30, "DA", []byte("19700101"))), true},
		{"guessed implicit", encUnknown, cat(element(false, 8, 0x60, "", []byte("CT")), element(false, 0x10, 0x10, "", name)), true},
		{"empty name", encImplicitLE, element(false, 0x10, 0x10, "", nil), false},
		{"padding only", encExplicitLE, element(true, 0x10, 0x10, "PN", []byte("  ")), false},
		{"no patient tags", encExplicitLE, cat(element(true, 8, 0x60, "CS", []byte("CT")), element(true, 0x10, 0x40, "CS", []byte("F "))), false},
		{"nested in sequence", encExplicitLE, cat(
			[]byte{0x08, 0x00, 0x15, 0x11, 'S', 'Q', 0, 0, 0xff, 0xff, 0xff, 0xff},
			[]byte{0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff},
			element(true, 0x10, 0x20, "LO", []byte("SYN1")),
		), true},
		{"deflated", encOpaque, element(false, 0x10, 0x10, "", name), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, step := range []int{1, 3, 7, len(tt.ds) + 1} { // any fragmentation gives the same answer
				var s scanner
				s.reset(tt.enc)
				for b := tt.ds; len(b) > 0; {
					n := min(step, len(b))
					s.feed(b[:n])
					b = b[n:]
				}
				if s.found != tt.want {
					t.Fatalf("fragments of %d: found = %v, want %v", step, s.found, tt.want)
				}
			}
		})
	}
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// pdata wraps PDVs into one P-DATA-TF PDU.
func pdata(pdvs ...PDV) []byte {
	var body []byte
	for _, p := range pdvs {
		mch := byte(0)
		if p.Command {
			mch |= 1
		}
		if p.Last {
			mch |= 2
		}
		body = binary.BigEndian.AppendUint32(body, uint32(len(p.Data)+2))
		body = append(body, p.ContextID, mch)
		body = append(body, p.Data...)
	}
	return append(binary.BigEndian.AppendUint32([]byte{TypePDataTF, 0}, uint32(len(body))), body...)
}

func command(field uint16, withData bool) []byte {
	dst := uint16(0x0101)
	if withData {
		dst = 0
	}
	return cat(
		element(false, 0, 0x0002, "", []byte("1.2.840.10008.5.1.4.1.1.2\x00")),
		element(false, 0, 0x0100, "", binary.LittleEndian.AppendUint16(nil, field)),
		element(false, 0, 0x0800, "", binary.LittleEndian.AppendUint16(nil, dst)),
	)
}

type events []detect.Event

func (e *events) Event(ev *detect.Event) { *e = append(*e, *ev) }

func TestConnStoreWithPatientData(t *testing.T) {
	rq := readPDU(t, "a_associate_rq_echoscu.bin")
	cmd := command(0x0001, true)
	ds := cat(element(false, 8, 0x60, "", []byte("CT")), element(false, 0x10, 0x10, "", []byte("DOE^JANE")))
	stream := cat(rq,
		pdata(PDV{ContextID: 1, Command: true, Data: cmd[:10]}), pdata(PDV{ContextID: 1, Command: true, Last: true, Data: cmd[10:]}),
		pdata(PDV{ContextID: 1, Data: ds[:13]}, PDV{ContextID: 1, Last: true, Data: ds[13:]}),
		readPDU(t, "a_release_rq.bin"))
	for _, step := range []int{1, 5, len(stream)} {
		var got events
		c := NewConn(detect.Event{Source: "test"}, &got, Limits{})
		for b := stream; len(b) > 0; {
			n := min(step, len(b))
			if err := c.Feed(true, b[:n], time.Unix(0, 0)); err != nil {
				t.Fatal(err)
			}
			b = b[n:]
		}
		c.Close(time.Unix(0, 0))
		if len(got) != 3 {
			t.Fatalf("step %d: %d events: %+v", step, len(got), got)
		}
		st := got[1]
		if st.Class != detect.ClassDICOMActivity || st.DICOM.Command != "C-STORE-RQ" || !st.DICOM.PatientData || st.DICOM.CallingAE != "ECHOSCU" {
			t.Fatalf("step %d: store event %+v %+v", step, st, st.DICOM)
		}
		if b, _ := json.Marshal(got); bytes.Contains(b, []byte("DOE")) {
			t.Fatalf("patient name in events: %s", b)
		}
	}
}

func TestConnErrorsStopDirection(t *testing.T) {
	var got events
	c := NewConn(detect.Event{}, &got, Limits{MaxPDULength: 64})
	if err := c.Feed(true, []byte{4, 0, 0, 1, 0, 0}, time.Time{}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("oversized PDU: err = %v", err)
	}
	if err := c.Feed(true, readPDU(t, "a_release_rq.bin"), time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("broken direction still parsed: %v %v", err, got)
	}
	if err := c.Feed(false, readPDU(t, "a_release_rp.bin"), time.Time{}); err != nil || len(got) != 1 {
		t.Fatalf("other direction: %v %v", err, got)
	}
}

func FuzzPDU(f *testing.F) {
	if dir, ok := shareddata.Path("detect", "synthetic", "dicom", "pdus"); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
		for _, p := range files {
			b, _ := os.ReadFile(p)
			f.Add(b)
		}
	}
	f.Add(pdata(PDV{ContextID: 1, Command: true, Last: true, Data: command(1, true)}))
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := Limits{MaxPDULength: 1 << 16, MaxItems: 16, MaxCommandLength: 1 << 12}
		if p, n, err := ParsePDU(b, lim); err == nil && (n > len(b) || p == nil) {
			t.Fatalf("ParsePDU used %d of %d bytes", n, len(b))
		}
		var got events
		c := NewConn(detect.Event{}, &got, lim)
		half := len(b) / 2
		_ = c.Feed(true, b[:half], time.Time{})
		_ = c.Feed(false, b, time.Time{})
		_ = c.Feed(true, b[half:], time.Time{})
		c.Close(time.Time{})
	})
}
