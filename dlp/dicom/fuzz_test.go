package dicom

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"
)

// seeds are small real and synthetic files; large shared files are cut
// to their head so the fuzzer mutates headers, not pixels.
func seeds(f *testing.F) {
	for _, p := range globShared() {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b[:min(len(b), 8<<10)])
		}
	}
	for _, ts := range []string{ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian} {
		f.Add(build(f, ts, sample("1.2.3", "20210314", "NO")))
	}
}

var fuzzLimits = Limits{MaxSize: 1 << 20, MaxElements: 5000, MaxDepth: 8, MaxValue: 64 << 10, MaxBuffer: 1 << 20}

func FuzzDICOMScan(f *testing.F) {
	seeds(f)
	eng := engine(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		locs, _, err := Scan(context.Background(), bytes.NewReader(data), eng, fuzzLimits)
		if err != nil {
			return
		}
		fl := flatOrNil(data)
		for _, l := range locs {
			if l.Start < 0 || l.End < l.Start || fl != nil && l.End > len(fl) {
				t.Fatalf("finding out of range: %d..%d of %d", l.Start, l.End, len(fl))
			}
		}
	})
}

// flatOrNil is flat without a testing.TB: nil when data is deflated.
func flatOrNil(data []byte) []byte {
	f, err := Open(bytes.NewReader(data), Limits{})
	if err != nil || f.base.deflated {
		return nil
	}
	return data
}

func FuzzDeidentify(f *testing.F) {
	seeds(f)
	s := surrogates(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		_, err := Deidentify(bytes.NewReader(data), &out, DeidOptions{Surrogates: s, Limits: fuzzLimits,
			RetainLongitudinalDates: true, AllowBurnedIn: true})
		if err != nil {
			return
		}
		g, err := Open(bytes.NewReader(out.Bytes()), Limits{})
		if err != nil {
			t.Fatalf("output does not open: %v", err)
		}
		for {
			_, err := g.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("output does not re-read: %v", err)
			}
		}
	})
}

// BenchmarkScan and BenchmarkDeidentify measure throughput over the shared
// files; BenchmarkDecode is the baseline: the reader alone.
func BenchmarkDecode(b *testing.B) {
	files := benchFiles(b)
	b.SetBytes(totalSize(files))
	for b.Loop() {
		for _, file := range files {
			f, err := Open(bytes.NewReader(file), Limits{})
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := f.Next(); err != nil {
					break
				}
			}
		}
	}
}

func BenchmarkScan(b *testing.B) {
	files := benchFiles(b)
	eng := engine(b)
	b.SetBytes(totalSize(files))
	for b.Loop() {
		for _, file := range files {
			if _, _, err := Scan(context.Background(), bytes.NewReader(file), eng, Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkDeidentify(b *testing.B) {
	files := benchFiles(b)
	s := surrogates(b)
	b.SetBytes(totalSize(files))
	for b.Loop() {
		for _, file := range files {
			if _, err := Deidentify(bytes.NewReader(file), io.Discard, DeidOptions{Surrogates: s, RetainLongitudinalDates: true}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func benchFiles(b *testing.B) [][]byte {
	var out [][]byte
	for _, p := range sharedDICOM(b) {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

func totalSize(files [][]byte) int64 {
	var n int64
	for _, f := range files {
		n += int64(len(f))
	}
	return n
}
