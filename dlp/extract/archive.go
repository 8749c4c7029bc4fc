package extract

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// scanZIP scans the members of a ZIP archive, or the text of an Office
// Open XML document (which is a ZIP archive), each by its own type.
func (st *run) scanZIP(p partCtx, r io.Reader) error {
	sp, err := st.spool(r)
	if err != nil {
		return err
	}
	defer sp.Close()
	zr, err := zip.NewReader(sp, sp.size)
	if err != nil {
		return malformed("malformed ZIP archive")
	}
	files := zr.File
	if len(files) > st.s.lim.MaxMembers {
		st.unscannable(p.path, fmt.Sprintf("archive with more than %d members", st.s.lim.MaxMembers))
		files = files[:st.s.lim.MaxMembers]
	}
	kind := officeKind(files)
	var out int64
	for _, f := range files {
		if st.stopped() || st.bomb {
			return nil
		}
		if f.FileInfo().IsDir() {
			continue
		}
		route := routeZipMember(kind, f.Name)
		if route == routeSkip {
			continue
		}
		m := p.member(cleanPath(f.Name), path.Base(f.Name), true)
		n, ok := st.zipMember(m, f, route)
		if out += n; !ok {
			continue
		}
		if out > st.s.lim.RatioGrace && out > st.s.lim.MaxRatio*max(sp.size, 1) {
			st.unscannable(p.path, ratioTooHigh(st.s.lim.MaxRatio))
			st.bomb = true
			return nil
		}
	}
	return nil
}

// cleanPath makes a member path safe as steps of a part path.
func cleanPath(name string) string {
	steps := strings.Split(strings.TrimLeft(path.Clean("/"+name), "/"), "/")
	for i, s := range steps {
		steps[i] = cleanName(s)
	}
	return strings.Join(steps, "/")
}

// zipMember scans one member, after checking its declared sizes, and
// returns the bytes decompressed.
func (st *run) zipMember(m partCtx, f *zip.File, route memberRoute) (int64, bool) {
	lim := &st.s.lim
	switch {
	case f.Flags&0x1 != 0:
		st.unscannable(m.path, "encrypted archive member")
		return 0, false
	case f.UncompressedSize64 > uint64(lim.MaxPartSize):
		st.unscannable(m.path, partTooLarge(lim.MaxPartSize))
		return 0, false
	case f.UncompressedSize64 > uint64(lim.RatioGrace) && f.UncompressedSize64/max(f.CompressedSize64, 1) > uint64(lim.MaxRatio):
		st.unscannable(m.path, ratioTooHigh(lim.MaxRatio))
		st.bomb = true
		return 0, false
	}
	rc, err := f.Open()
	if err != nil {
		if errors.Is(err, zip.ErrAlgorithm) {
			st.unscannable(m.path, "unsupported compression method")
		} else {
			st.unscannable(m.path, "malformed archive member")
		}
		return 0, false
	}
	defer rc.Close()
	var in func() int64
	if f.Method != zip.Store {
		in = func() int64 { return int64(f.CompressedSize64) }
	}
	g := st.guard(rc, m.path, in)
	g.total = true
	st.memberRoute(m, g, route)
	return g.n, true
}

// scanGzip scans the content of a gzip stream.
func (st *run) scanGzip(p partCtx, r io.Reader) error {
	cr := &countReader{r: r}
	zr, err := gzip.NewReader(cr)
	if err != nil {
		return malformed("malformed gzip stream")
	}
	defer zr.Close()
	name := zr.Name
	if name == "" {
		base := path.Base(p.name)
		name = strings.TrimSuffix(strings.TrimSuffix(base, ".gz"), ".tgz")
		if strings.HasSuffix(base, ".tgz") {
			name += ".tar"
		}
	}
	m := p.member(cleanName(name), name, true)
	g := st.guard(&gzipErrors{zr}, m.path, func() int64 { return cr.n })
	st.part(m, g)
	return nil
}

// gzipErrors gives the errors of a broken gzip stream a safe reason.
type gzipErrors struct{ r io.Reader }

func (g *gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF && !isLimit(err) {
		return n, malformed("malformed gzip stream")
	}
	return n, err
}

// scanTar scans the regular files of a tar archive, streamed.
func (st *run) scanTar(p partCtx, r io.Reader) error {
	tr := tar.NewReader(r)
	for n := 0; !st.stopped() && !st.bomb; n++ {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if isLimit(err) {
				return err
			}
			return malformed("malformed tar archive")
		}
		if n >= st.s.lim.MaxMembers {
			return malformed(fmt.Sprintf("archive with more than %d members", st.s.lim.MaxMembers))
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		st.part(p.member(cleanPath(h.Name), path.Base(h.Name), true), tr)
	}
	return nil
}
