package correlate

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 14, 22, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func TestCounter(t *testing.T) {
	tests := []struct {
		name    string
		cfg     CounterConfig
		times   []float64 // seconds after t0, all for key "a"
		crossed []int     // indexes of events that cross
	}{
		{"below threshold", CounterConfig{Window: time.Minute, Threshold: 5}, []float64{0, 1, 2, 3}, nil},
		{"crosses at fifth", CounterConfig{Window: time.Minute, Threshold: 5}, []float64{0, 1, 2, 3, 4, 5}, []int{4}},
		{"restarts after crossing", CounterConfig{Window: time.Minute, Threshold: 2}, []float64{0, 1, 2, 3, 4}, []int{1, 3}},
		{"spread over more than a window", CounterConfig{Window: time.Minute, Threshold: 3, Buckets: 6}, []float64{0, 40, 80, 120}, nil},
		{"old events fall out", CounterConfig{Window: time.Minute, Threshold: 3, Buckets: 6}, []float64{0, 10, 75, 80}, nil},
		{"late event inside window counts", CounterConfig{Window: time.Minute, Threshold: 3, Buckets: 6}, []float64{30, 40, 20}, []int{2}},
		{"late event beyond window ignored", CounterConfig{Window: time.Minute, Threshold: 3, Buckets: 6}, []float64{100, 110, 10}, nil},
		{"one bucket", CounterConfig{Window: time.Minute, Threshold: 2, Buckets: 1}, []float64{0, 59, 61, 62}, []int{1, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewCounter[string](tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for i, s := range tc.times {
				if _, crossed := c.Add("a", at(s)); crossed {
					got = append(got, i)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.crossed) {
				t.Errorf("crossed at %v, want %v", got, tc.crossed)
			}
		})
	}
}

func TestCounterKeysAreSeparate(t *testing.T) {
	c, _ := NewCounter[string](CounterConfig{Window: time.Minute, Threshold: 3})
	for i := range 2 {
		c.Add("a", at(float64(i)))
		c.Add("b", at(float64(i)))
	}
	if c.Count("a") != 2 || c.Count("b") != 2 || c.Count("c") != 0 {
		t.Fatalf("counts a=%d b=%d c=%d", c.Count("a"), c.Count("b"), c.Count("c"))
	}
	if _, crossed := c.Add("a", at(3)); !crossed {
		t.Fatal("a did not cross at 3")
	}
	if c.Count("b") != 2 {
		t.Fatalf("b changed to %d", c.Count("b"))
	}
}

func TestConfigErrors(t *testing.T) {
	if _, err := NewCounter[int](CounterConfig{Window: time.Minute}); err == nil {
		t.Error("counter threshold 0 accepted")
	}
	if _, err := NewCounter[int](CounterConfig{Threshold: 1}); err == nil {
		t.Error("counter window 0 accepted")
	}
	if _, err := NewCounter[int](CounterConfig{Window: time.Minute, Threshold: 1, Buckets: 17}); err == nil {
		t.Error("17 buckets accepted")
	}
	if _, err := NewDistinct[int, int](DistinctConfig{Window: time.Minute, Threshold: 10, MaxValues: 5}); err == nil {
		t.Error("max values below threshold accepted")
	}
	if _, err := NewSequence[int](SequenceConfig{Steps: 1, Within: time.Minute}); err == nil {
		t.Error("one-step sequence accepted")
	}
}

func TestCounterNegativeAndZeroTimes(t *testing.T) {
	c, _ := NewCounter[int](CounterConfig{Window: time.Minute, Threshold: 3})
	for _, tm := range []time.Time{{}, time.Unix(-100, 0), time.Unix(-50, 0), time.Unix(1<<40, 0)} {
		c.Add(1, tm) // must not panic
	}
}

func TestDistinct(t *testing.T) {
	type add struct {
		sec float64
		v   string
	}
	tests := []struct {
		name    string
		cfg     DistinctConfig
		adds    []add
		crossed []int
	}{
		{"repeats do not count", DistinctConfig{Window: time.Minute, Threshold: 3},
			[]add{{0, "x"}, {1, "x"}, {2, "y"}, {3, "y"}, {4, "x"}}, nil},
		{"third distinct crosses", DistinctConfig{Window: time.Minute, Threshold: 3},
			[]add{{0, "x"}, {1, "y"}, {2, "x"}, {3, "z"}}, []int{3}},
		{"once per window", DistinctConfig{Window: time.Minute, Threshold: 2},
			[]add{{0, "a"}, {1, "b"}, {2, "c"}, {3, "d"}, {62, "e"}}, []int{1, 4}},
		{"values expire", DistinctConfig{Window: time.Minute, Threshold: 3},
			[]add{{0, "a"}, {30, "b"}, {95, "c"}, {100, "d"}}, nil},
		{"refreshing keeps a value", DistinctConfig{Window: time.Minute, Threshold: 3},
			[]add{{0, "a"}, {50, "a"}, {70, "b"}, {80, "c"}}, []int{3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewDistinct[string, string](tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for i, a := range tc.adds {
				if _, crossed := d.Add("k", a.v, at(a.sec)); crossed {
					got = append(got, i)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.crossed) {
				t.Errorf("crossed at %v, want %v", got, tc.crossed)
			}
		})
	}
}

func TestDistinctValueCapEvictsLeastRecent(t *testing.T) {
	d, _ := NewDistinct[string, int](DistinctConfig{Window: time.Hour, Threshold: 3, MaxValues: 3})
	for i := range 5 {
		d.Add("k", i, at(float64(i)))
	}
	if got := d.Values(nil, "k", 10); fmt.Sprint(got) != "[4 3 2]" {
		t.Errorf("values %v, want [4 3 2]", got)
	}
	if st := d.Stats(); st.ValueEvictions != 2 || st.Keys != 1 {
		t.Errorf("stats %+v, want 2 value evictions, 1 key", st)
	}
	d.Add("k", 2, at(6)) // refresh 2: 3 is now the oldest
	d.Add("k", 9, at(7))
	if got := d.Values(nil, "k", 2); fmt.Sprint(got) != "[9 2]" {
		t.Errorf("values %v, want [9 2]", got)
	}
}

func TestKeyCapEvictsLeastRecentlySeen(t *testing.T) {
	c, _ := NewCounter[int](CounterConfig{Window: time.Hour, Threshold: 100, MaxKeys: 3})
	for k := range 3 {
		c.Add(k, at(float64(k)))
	}
	c.Add(0, at(4)) // 0 is now the most recent; 1 the least
	c.Add(3, at(5)) // evicts 1
	if c.Count(1) != 0 || c.Count(0) != 2 || c.Count(2) != 1 || c.Count(3) != 1 {
		t.Errorf("counts 0=%d 1=%d 2=%d 3=%d", c.Count(0), c.Count(1), c.Count(2), c.Count(3))
	}
	if st := c.Stats(); st.KeyEvictions != 1 || st.Keys != 3 {
		t.Errorf("stats %+v, want 1 eviction, 3 keys", st)
	}
	for k := 10; k < 1000; k++ {
		c.Add(k, at(6))
	}
	if st := c.Stats(); st.Keys != 3 || st.KeyEvictions != 991 {
		t.Errorf("stats %+v, want 3 keys, 991 evictions", st)
	}
}

func TestIdleKeysExpire(t *testing.T) {
	c, _ := NewCounter[int](CounterConfig{Window: time.Minute, Threshold: 100})
	for k := range 10 {
		c.Add(k, at(0))
	}
	for i := range 10 {
		c.Add(100, at(float64(120+i))) // each call drops up to two idle keys
	}
	if st := c.Stats(); st.Keys != 1 || st.Expired != 10 || st.KeyEvictions != 0 {
		t.Errorf("stats %+v, want 1 key, 10 expired", st)
	}
}

func TestSequence(t *testing.T) {
	type step struct {
		sec  float64
		key  string
		step int
	}
	tests := []struct {
		name  string
		steps []step
		done  []int
	}{
		{"a then b", []step{{0, "k", 0}, {10, "k", 1}}, []int{1}},
		{"b alone", []step{{0, "k", 1}}, nil},
		{"b before a", []step{{0, "k", 1}, {1, "k", 0}}, nil},
		{"too late", []step{{0, "k", 0}, {61, "k", 1}}, nil},
		{"repeated a restarts the clock", []step{{0, "k", 0}, {50, "k", 0}, {100, "k", 1}}, []int{2}},
		{"other key", []step{{0, "k", 0}, {1, "j", 1}}, nil},
		{"three steps in order", []step{{0, "k", 0}, {1, "k", 1}, {2, "k", 1}, {3, "k", 2}}, []int{3}},
		{"three steps skipping one", []step{{0, "k", 0}, {1, "k", 2}}, nil},
		{"completes once", []step{{0, "k", 0}, {1, "k", 1}, {2, "k", 2}, {3, "k", 2}}, []int{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 2
			for _, s := range tc.steps {
				n = max(n, s.step+1)
			}
			q, err := NewSequence[string](SequenceConfig{Steps: n, Within: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for i, s := range tc.steps {
				if q.Step(s.key, s.step, at(s.sec)) {
					got = append(got, i)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.done) {
				t.Errorf("done at %v, want %v", got, tc.done)
			}
		})
	}
}

// heapPerKey fills n keys with fill and reports the heap bytes each costs.
func heapPerKey(n int, fill func(i int)) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		fill(i)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(fill) // and so what it fills
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

const devices = 100_000

func deviceAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}

// TestMemoryPerDevice holds open windows for 100,000 devices and checks the
// heap each costs stays within budget (bytes, not time).
func TestMemoryPerDevice(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100,000 keys")
	}
	tests := []struct {
		name   string
		budget float64
		run    func() (fill func(i int), keep func() int)
	}{
		{"counter", 300, func() (func(int), func() int) {
			c, _ := NewCounter[netip.Addr](CounterConfig{Window: time.Minute, Threshold: 1000, MaxKeys: devices})
			return func(i int) { c.Add(deviceAddr(i), at(float64(i%50))) }, func() int { return c.Stats().Keys }
		}},
		{"distinct, 4 values a key", 450, func() (func(int), func() int) {
			d, _ := NewDistinct[netip.Addr, netip.Addr](DistinctConfig{Window: time.Minute, Threshold: 20, MaxKeys: devices})
			return func(i int) {
				for v := range 4 {
					d.Add(deviceAddr(i), deviceAddr(v), at(float64(i%50)))
				}
			}, func() int { return d.Stats().Keys }
		}},
		{"sequence", 200, func() (func(int), func() int) {
			q, _ := NewSequence[netip.Addr](SequenceConfig{Steps: 2, Within: time.Minute, MaxKeys: devices})
			return func(i int) { q.Step(deviceAddr(i), 0, at(float64(i%50))) }, func() int { return q.Stats().Keys }
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fill, keys := tc.run()
			per := heapPerKey(devices, fill)
			if keys() != devices {
				t.Fatalf("%d keys held, want %d", keys(), devices)
			}
			t.Logf("%s: %.0f bytes per device", tc.name, per)
			if per > tc.budget {
				t.Errorf("%.0f bytes per device, budget %.0f", per, tc.budget)
			}
		})
	}
}

// BenchmarkMemory100kDevices reports the heap bytes per tracked device with
// an open window in each primitive, and the time per Add.
func BenchmarkMemory100kDevices(b *testing.B) {
	b.Run("counter", func(b *testing.B) {
		for range b.N {
			c, _ := NewCounter[netip.Addr](CounterConfig{Window: time.Minute, Threshold: 1000, MaxKeys: devices})
			per := heapPerKey(devices, func(i int) { c.Add(deviceAddr(i), at(float64(i%50))) })
			b.ReportMetric(per, "B/device")
		}
	})
	b.Run("distinct4", func(b *testing.B) {
		for range b.N {
			d, _ := NewDistinct[netip.Addr, netip.Addr](DistinctConfig{Window: time.Minute, Threshold: 20, MaxKeys: devices})
			per := heapPerKey(devices, func(i int) {
				for v := range 4 {
					d.Add(deviceAddr(i), deviceAddr(v), at(float64(i%50)))
				}
			})
			b.ReportMetric(per, "B/device")
		}
	})
	b.Run("sequence", func(b *testing.B) {
		for range b.N {
			q, _ := NewSequence[netip.Addr](SequenceConfig{Steps: 2, Within: time.Minute, MaxKeys: devices})
			per := heapPerKey(devices, func(i int) { q.Step(deviceAddr(i), 0, at(float64(i%50))) })
			b.ReportMetric(per, "B/device")
		}
	})
}

// BenchmarkAdd measures one Add on a full table of 100,000 devices.
func BenchmarkAdd(b *testing.B) {
	c, _ := NewCounter[netip.Addr](CounterConfig{Window: time.Minute, Threshold: 1 << 30, MaxKeys: devices})
	d, _ := NewDistinct[netip.Addr, netip.Addr](DistinctConfig{Window: time.Minute, Threshold: 20, MaxKeys: devices})
	for i := range devices {
		c.Add(deviceAddr(i), at(0))
		d.Add(deviceAddr(i), deviceAddr(0), at(0))
	}
	b.Run("counter", func(b *testing.B) {
		i := 0
		for b.Loop() {
			c.Add(deviceAddr(i%devices), at(float64(i%30)))
			i++
		}
	})
	b.Run("distinct", func(b *testing.B) {
		i := 0
		for b.Loop() {
			d.Add(deviceAddr(i%devices), deviceAddr(i%7), at(float64(i%30)))
			i++
		}
	})
	if testing.AllocsPerRun(100, func() { c.Add(deviceAddr(5), at(1)) }) != 0 {
		b.Error("counter Add on an existing key allocates")
	}
}
