package feed

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReadLines(t *testing.T) {
	in := "short\n" + strings.Repeat("x", 40) + "\n\n  \nlast without newline"
	var got []string
	var lines []int64
	st, err := ReadLines(context.Background(), "f", strings.NewReader(in), Limits{MaxLine: 20}, func(l []byte, n int64) error {
		got = append(got, string(l))
		lines = append(lines, n)
		if string(l) == "short" {
			return errors.New("rejected by parser")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"short", "last without newline"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{1, 5}, lines); diff != "" {
		t.Errorf("line numbers (-want +got):\n%s", diff)
	}
	if st.Records != 3 || st.Bad != 2 || !errors.Is(st.Errors[1], ErrLineTooLong) || st.Errors[1].Error() != "f:2: line too long (over 20 bytes)" {
		t.Errorf("stats %+v", st)
	}
}

func TestReadLinesKeepsAtMostMaxErrors(t *testing.T) {
	in := strings.Repeat("bad\n", 50)
	st, _ := ReadLines(context.Background(), "f", strings.NewReader(in), Limits{MaxErrors: 5}, func([]byte, int64) error { return ErrSyntax })
	if st.Bad != 50 || len(st.Errors) != 5 {
		t.Errorf("bad %d, errors kept %d", st.Bad, len(st.Errors))
	}
}

func TestReadLinesLongLineAtEOF(t *testing.T) {
	st, _ := ReadLines(context.Background(), "f", strings.NewReader(strings.Repeat("y", 100)), Limits{MaxLine: 10}, func([]byte, int64) error {
		t.Error("over-long line handed to the parser")
		return nil
	})
	if st.Bad != 1 || st.Records != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestFlatten(t *testing.T) {
	got, err := Flatten([]byte(`{"a":{"b":1,"c":[1,"x",true],"d":null,"e":[{"f":2}]},"g":"s","h":1.50}`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a.b": "1", "a.c": "1,x,true", "a.e.0.f": "2", "g": "s", "h": "1.50"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		in   string
		want error
	}{
		{`[1]`, ErrSyntax},
		{`{"a":1} x`, ErrSyntax},
		{`{"a":"\"{{{{"}`, nil}, // brackets in strings do not count as depth
		{`{"a":[[[[1]]]]}`, ErrTooDeep},
		{`{"a":1,"b":2,"c":3,"d":4}`, ErrTooManyFields},
		{`null`, ErrSyntax},
	} {
		_, err := Flatten([]byte(tt.in), Limits{MaxDepth: 4, MaxFields: 3})
		if !errors.Is(err, tt.want) {
			t.Errorf("Flatten(%s) = %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2023-11-14T22:36:01.123456+0000": time.Date(2023, 11, 14, 22, 36, 1, 123456000, time.UTC),
		"2023-11-14T22:36:01Z":            time.Date(2023, 11, 14, 22, 36, 1, 0, time.UTC),
		"1421708099.500000":               time.Date(2015, 1, 19, 22, 54, 59, 500000000, time.UTC),
		"XXXXXXXXXX.XXXXXX":               {},
		"1e300":                           {},
	} {
		if got := Time(in); !got.Equal(want) {
			t.Errorf("Time(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestValueParsers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		addr string // "" for the zero Addr
		port uint16
		n    int64
	}{
		{"", "", 0, 0},
		{"   ", "", 0, 0},
		{"-", "", 0, 0},
		{"10.20.3.17", "10.20.3.17", 0, 0},
		{" ::ffff:10.0.0.1 ", "10.0.0.1", 0, 0},
		{"443", "", 443, 443},
		{" 52211\t", "", 52211, 52211},
		{"65536", "", 0, 65536},
		{"-7", "", 0, -7},
		{"0x10", "", 0, 0},
	} {
		a := Addr(tc.in)
		if got := map[bool]string{true: a.String(), false: ""}[a.IsValid()]; got != tc.addr {
			t.Errorf("Addr(%q) = %q, want %q", tc.in, got, tc.addr)
		}
		if got := Port(tc.in); got != tc.port {
			t.Errorf("Port(%q) = %d, want %d", tc.in, got, tc.port)
		}
		if got := Int(tc.in); got != tc.n {
			t.Errorf("Int(%q) = %d, want %d", tc.in, got, tc.n)
		}
	}
}
