package netflow

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/shareddata"
)

// FuzzDecode: no packet panics or hangs the decoder, with templates learnt
// from earlier inputs in the same process (shared decoder), and events stay
// within the field limit.
func FuzzDecode(f *testing.F) {
	if dir, ok := shareddata.Path("detect", "netflow", "logstash-codec-netflow"); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "*.dat"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte{0, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 1, 0, 0, 0})
	d := NewDecoder(Options{MaxExporters: 4, MaxTemplates: 16, MaxFields: 24})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		d.Decode("fuzz", pkt, detect.SinkFunc(func(e *detect.Event) {
			if len(e.Fields) > 24+4 {
				t.Fatalf("%d fields", len(e.Fields))
			}
		}))
	})
}

// TestZeroSizeTemplateRefused: a template whose records occupy no bytes
// would make goflow2 loop forever; it is refused and its data skipped.
func TestZeroSizeTemplateRefused(t *testing.T) {
	pkt := []byte{
		0, 9, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, // v9 header, 2 sets, source id 7
		0, 0, 0, 12, 1, 0, 0, 1, 0, 8, 0, 0, // template set: id 256, one field IPv4 src of length 0
		1, 0, 0, 8, 1, 2, 3, 4, // data set 256
	}
	d := NewDecoder(Options{})
	n, err := d.Decode("x", pkt, detect.SinkFunc(func(*detect.Event) {}))
	if n != 0 || err != nil {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if st := d.Stats(); st.RefusedTemplates != 1 || st.MissingTemplate != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestBounds: exporters and templates are bounded.
func TestBounds(t *testing.T) {
	d := NewDecoder(Options{MaxExporters: 2, MaxTemplates: 3})
	tmpl := func(id byte) []byte {
		return []byte{0, 9, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7,
			0, 0, 0, 12, 1, id, 0, 1, 0, 8, 0, 4}
	}
	for _, exp := range []string{"a", "b", "c"} {
		for id := range byte(5) {
			d.Decode(exp, tmpl(id), detect.SinkFunc(func(*detect.Event) {}))
		}
	}
	if st := d.Stats(); st.Exporters != 2 {
		t.Errorf("%d exporters kept, want 2", st.Exporters)
	}
	for addr, x := range d.exporters {
		if len(x.templates.templates) != 3 || len(x.templates.order) != 3 {
			t.Errorf("%s holds %d templates, want 3", addr, len(x.templates.templates))
		}
	}
	if _, ok := d.exporters["a"]; ok {
		t.Error("least recently heard exporter a was kept")
	}
}
