package dicom

import (
	"bytes"
	"compress/flate"
	"context"
	"path/filepath"
	"testing"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/deid"
	"github.com/airtight/airtight/internal/shareddata"
	"github.com/airtight/airtight/internal/testtool"
)

// globShared returns the shared DICOM test files
// (../shared/data/dlp/dicom); nil when absent.
func globShared() []string {
	dir, ok := shareddata.Path("dlp", "dicom")
	if !ok {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.dcm"))
	return files
}

// sharedDICOM returns the shared files, skipping (or failing in CI) when
// they are missing.
func sharedDICOM(t testing.TB) []string {
	t.Helper()
	files := globShared()
	if len(files) == 0 {
		testtool.Missing(t, "shared DICOM test data (dlp/dicom/*.dcm) not found beside the repository")
	}
	return files
}

func engine(t testing.TB) *dlp.Engine {
	t.Helper()
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func surrogates(t testing.TB) *deid.Surrogates {
	t.Helper()
	s, err := deid.NewSurrogates([]byte("test key: not a secret, 32 bytes"), deid.ModeSurrogate)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// node is an element of a synthetic data set: a value, or a sequence of
// items, or encapsulated fragments.
type node struct {
	tag   Tag
	vr    VR
	value string
	items [][]node
	frags [][]byte
}

func el(tag Tag, vr VR, value string) node { return node{tag: tag, vr: vr, value: value} }
func sq(tag Tag, items ...[]node) node     { return node{tag: tag, vr: "SQ", items: items} }

// build writes a Part 10 file in transfer syntax ts with the data set ds.
func build(t testing.TB, ts string, ds []node) []byte {
	t.Helper()
	syn, err := syntaxOf(ts)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	meta := []Element{
		{Tag: 0x00020001, VR: "OB", Value: []byte{0, 1}},
		{Tag: TagMediaSOPClass, VR: "UI", Value: []byte("1.2.840.10008.5.1.4.1.1.7")},
		{Tag: TagMediaSOPInstance, VR: "UI", Value: []byte(sopOf(ds))},
		{Tag: TagTransferSyntax, VR: "UI", Value: []byte(ts)},
	}
	if err := writeMeta(&out, meta); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	e := newEncoder(&body, syn)
	writeNodes(e, ds)
	if err := e.flush(); err != nil {
		t.Fatal(err)
	}
	if syn.deflated {
		fw, _ := flate.NewWriter(&out, flate.BestSpeed)
		fw.Write(body.Bytes())
		fw.Close()
	} else {
		out.Write(body.Bytes())
	}
	return out.Bytes()
}

func sopOf(ds []node) string {
	for _, n := range ds {
		if n.tag == TagSOPInstanceUID {
			return n.value
		}
	}
	return "1.2.3.4"
}

func writeNodes(e *encoder, ds []node) {
	for _, n := range ds {
		switch {
		case n.vr == "SQ":
			e.seqStart(n.tag, "SQ")
			for _, it := range n.items {
				e.itemStart()
				writeNodes(e, it)
				e.itemEnd()
			}
			e.seqEnd()
		case n.frags != nil:
			e.fragStart(n.tag, n.vr)
			for _, f := range n.frags {
				e.fragment(uint32(len(f)))
				e.write(f)
			}
			e.seqEnd()
		default:
			e.element(n.tag, n.vr, []byte(n.value))
		}
	}
}

// values returns the trimmed text of every element with tag, at any depth.
func values(t testing.TB, file []byte, tag Tag) []string {
	t.Helper()
	f, err := Open(bytes.NewReader(file), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if tag.Group() == 0x0002 {
		return []string{f.MetaValue(tag)}
	}
	for {
		tok, err := f.Next()
		if err != nil {
			break
		}
		if tok.Kind == KindElement && tok.Tag == tag {
			out = append(out, trimValue(tok.Value))
		}
	}
	return out
}

func scanBytes(t testing.TB, file []byte, eng *dlp.Engine) ([]dlp.Located, []dlp.Unscannable) {
	t.Helper()
	locs, bad, err := Scan(context.Background(), bytes.NewReader(file), eng, Limits{})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return locs, bad
}
