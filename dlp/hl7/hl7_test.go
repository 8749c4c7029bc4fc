package hl7

import (
	"errors"
	"strings"
	"testing"

	"github.com/airtight/airtight/dlp"
)

const sample = "MSH|^~\\&|LAB|FAC|||20220804||ORU^R01|1|P|2.5.1\r" +
	"PID|1||914193^^^HOSP^MR~555^^^X^PI||O\\T\\Brien^Mary^Ann||19800214|F|||12 Elm St^^Boston^MA^02118||^PRN^PH^^^617^5551212\r" +
	"NK1|1|Smith^John|FTH\r" +
	"NK1|2|Smith^Jane|MTH|9 Oak Rd^^Salem^MA^01970\r" +
	"OBX|1|TX|NOTE^Note||Called Dr. Alice Walker at 617-555-0199 on 03/04/2021.||||||F\r" +
	"NTE|1||Reach John at john.smith@example.com\r"

func TestHL7Scan(t *testing.T) {
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, msg, path, text string
		typ                   dlp.Type
	}{
		{"mrn", sample, "PID-3.1", "914193", dlp.MRN},
		{"second identifier", sample, "PID-3[2].1", "555", dlp.MRN},
		{"escaped name keeps raw offsets", sample, "PID-5.1", "O\\T\\Brien", dlp.Name},
		{"birth date", sample, "PID-7.1", "19800214", dlp.Date},
		{"zip", sample, "PID-11.5", "02118", dlp.ZIP},
		{"area code", sample, "PID-13.6", "617", dlp.Phone},
		{"second NK1 address", sample, "NK1[2]-4.3", "Salem", dlp.Location},
		{"free text phone", sample, "OBX-5", "617-555-0199", dlp.Phone},
		{"NTE e-mail", sample, "NTE-3", "john.smith@example.com", dlp.Email},
		{"mllp and LF", "\x0b" + strings.ReplaceAll(sample, "\r", "\n") + "\x1c\r", "PID-7.1", "19800214", dlp.Date},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Scan([]byte(tt.msg), eng)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if f.Path == tt.path && tt.msg[f.Start:f.End] == tt.text {
					if f.Type != tt.typ {
						t.Errorf("type %s, want %s", f.Type, tt.typ)
					}
					return
				}
			}
			t.Errorf("no finding at %s with the expected offsets; got %d findings", tt.path, len(fs))
		})
	}
}

func TestHL7StructuredOnly(t *testing.T) {
	fs, err := Scan([]byte(sample), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Detector != DetectorField {
			t.Errorf("%s: detector %s with a nil engine", f.Path, f.Detector)
		}
	}
}

func TestHL7Decode(t *testing.T) {
	m, err := Parse([]byte("MSH|^~\\&\rOBX|1|FT|||a\\F\\b\\.br\\c\\X41\\^d~e\\H\\f\\N\\"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r := m.Segments[1].Field[5]
	d := m.decode(r)
	if got, want := string(d.text), "a|b\ncA d\nef"; got != want {
		t.Fatalf("decoded %q, want %q", got, want)
	}
	s, e, _ := d.span(7, 8) // "d": after \X41\ and the component separator
	if string(m.Raw[s:e]) != "d" {
		t.Errorf("span maps to %q", m.Raw[s:e])
	}
	s, e, _ = d.span(5, 6) // "A" from \X41\
	if string(m.Raw[s:e]) != "\\X41\\" {
		t.Errorf("hex span maps to %q", m.Raw[s:e])
	}
}

func TestHL7ParseErrors(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		lim  Limits
		want error
	}{
		{"empty", "", Limits{}, ErrNotHL7},
		{"plain text", "hello world", Limits{}, ErrNotHL7},
		{"no encoding characters", "MSH|", Limits{}, ErrNotHL7},
		{"too large", sample, Limits{MaxSize: 10}, ErrLimit},
		{"too many segments", sample, Limits{MaxSegments: 2}, ErrLimit},
		{"too many fields", sample, Limits{MaxFields: 5}, ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.msg), tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "Brien") {
				t.Error("error text carries content")
			}
		})
	}
}

func TestHL7Detect(t *testing.T) {
	for in, want := range map[string]bool{sample: true, "\x0b" + sample: true, "MSHX": false, "hello": false, "": false} {
		if Detect([]byte(in)) != want {
			t.Errorf("Detect(%.10q) = %v", in, !want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("MSH|^~\\&\rOBX|1|TX|||\\X4\\\\E\\\\"))
	f.Add([]byte("\x0bMSH|^\r\x1c\r"))
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		fs, err := Scan(msg, eng)
		if err != nil {
			return
		}
		for _, x := range fs {
			if x.Start < 0 || x.End > len(msg) || x.Start >= x.End {
				t.Fatalf("bad offsets %d..%d of %d", x.Start, x.End, len(msg))
			}
		}
	})
}
