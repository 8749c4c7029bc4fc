package mllp

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/shareddata"
)

const adt = "MSH|^~\\&|HIS_ADT^1.2.3^ISO|GENHOSP|LIS|GENHOSP|20231114221320||ADT^A01^ADT_A01|MSG00001|P|2.5.1\r" +
	"EVN|A01|20231114221320\rPID|1||SYN0001^^^GENHOSP^MR||DOE^JANE||19800101|F\r"

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{"adt", adt, Message{SendingApp: "HIS_ADT", SendingFacility: "GENHOSP", ReceivingApp: "LIS", ReceivingFacility: "GENHOSP",
			Type: "ADT^A01", ControlID: "MSG00001", Version: "2.5.1", HasPID: true, Segments: 3}},
		{"ack with other delimiters", "MSH#$~\\&#LIS#GENHOSP#HIS#GENHOSP#2023##ACK$A01#ACK1#P#2.3$US\nMSA#AR#MSG1\nERR#x",
			Message{SendingApp: "LIS", SendingFacility: "GENHOSP", ReceivingApp: "HIS", ReceivingFacility: "GENHOSP",
				Type: "ACK^A01", ControlID: "ACK1", Version: "2.3", AckCode: "AR", Segments: 3}},
		{"short header", "MSH|^~\\&|APP\r", Message{SendingApp: "APP", Segments: 1}},
		{"type without trigger", "MSH|^~\\&|||||||ACK|1|P|2.4\rMSA|AA|1\r", Message{Type: "ACK", ControlID: "1", Version: "2.4", AckCode: "AA", Segments: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMessage([]byte(tt.in), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if *m != tt.want {
				t.Fatalf("got  %+v\nwant %+v", *m, tt.want)
			}
		})
	}
}

func TestParseMessageErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not MSH":         "PID|1\r",
		"short":           "MSH|^",
		"letter as delim": "MSHA^~\\&A\r",
		"same delims":     "MSH||~\\&|\r",
	} {
		if _, err := ParseMessage([]byte(in), Limits{}); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := ParseMessage([]byte(adt), Limits{MaxSegments: 2}); !errors.Is(err, ErrMalformed) {
		t.Errorf("segment limit: err = %v", err)
	}
}

type events []detect.Event

func (e *events) Event(ev *detect.Event) { *e = append(*e, *ev) }

func frame(m string) string { return "\x0b" + m + "\x1c\x0d" }

func TestConnFraming(t *testing.T) {
	ack := "MSH|^~\\&|LIS|GENHOSP|HIS_ADT|GENHOSP|20231114||ACK^A01|ACK1|P|2.5.1\rMSA|AA|MSG00001\r"
	stream := frame(adt) + "\r\n" + frame(ack) + frame(adt)
	for _, step := range []int{1, 2, 37, len(stream)} {
		var got events
		c := NewConn(detect.Event{Source: "test"}, &got, Limits{})
		for b := []byte(stream); len(b) > 0; {
			n := min(step, len(b))
			if err := c.Feed(true, b[:n], time.Time{}); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			b = b[n:]
		}
		if len(got) != 3 || got[0].HL7.MessageType != "ADT^A01" || !got[0].HL7.PatientData ||
			got[1].Activity != "ack" || got[1].Status != "success" || got[1].HL7.AckCode != "AA" {
			t.Fatalf("step %d: %+v", step, got)
		}
		if b, _ := json.Marshal(got); bytes.Contains(b, []byte("DOE")) || bytes.Contains(b, []byte("SYN0001")) {
			t.Fatalf("PHI in events: %s", b)
		}
	}
}

func TestConnRecovers(t *testing.T) {
	var got events
	c := NewConn(detect.Event{}, &got, Limits{MaxMessage: 64})
	err := c.Feed(true, []byte("junk"+frame(adt)+frame("MSH|^~\\&|A|B\r")), time.Time{})
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want junk and oversize reported", err)
	}
	if len(got) != 1 || got[0].HL7.SendingApp != "A" {
		t.Fatalf("events after errors: %+v", got)
	}
	c.Gap(true)
	if err := c.Feed(true, []byte("tail of a lost message"+frame("MSH|^~\\&|C\r")), time.Time{}); err != nil {
		t.Fatalf("after gap: %v", err)
	}
	if len(got) != 2 || got[1].HL7.SendingApp != "C" {
		t.Fatalf("events after gap: %+v", got)
	}
}

func FuzzMLLP(f *testing.F) {
	if dir, ok := shareddata.Path("detect", "synthetic", "hl7", "messages"); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "*.hl7"))
		for _, p := range files {
			b, _ := os.ReadFile(p)
			f.Add([]byte(frame(string(b))))
		}
	}
	f.Add([]byte(frame(adt) + frame(adt)[:20]))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseMessage(b, Limits{MaxMessage: 4096, MaxSegments: 50})
		var got events
		c := NewConn(detect.Event{}, &got, Limits{MaxMessage: 4096, MaxSegments: 50})
		_ = c.Feed(true, b[:len(b)/2], time.Time{})
		_ = c.Feed(true, b[len(b)/2:], time.Time{})
		_ = c.Feed(false, b, time.Time{})
		c.Close(time.Time{})
	})
}
