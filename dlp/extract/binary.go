package extract

import (
	"bytes"
	"io"
)

// minRun is the shortest printable run scanned in binary content.
const minRun = 4

// printableRuns writes the runs of printable ASCII in binary data to out,
// one per line, like strings(1). A single NUL after a character does not
// end a run, so UTF-16LE text in legacy documents (.doc, .xls, .msg) is
// found too.
type printableRuns struct {
	out io.Writer
	run []byte
	nul bool // the last byte was a NUL after a character
	buf []byte

	mark   []byte // optional: a run holding it sets marked
	marked bool
}

func (p *printableRuns) Write(b []byte) (int, error) {
	p.buf = p.buf[:0]
	for _, c := range b {
		switch {
		case c >= 0x20 && c < 0x7F || c == '\t':
			p.run = append(p.run, c)
			p.nul = false
			if len(p.run) >= 4096 {
				p.end()
			}
		case c == 0 && !p.nul && len(p.run) > 0:
			p.nul = true
		default:
			p.end()
		}
	}
	if len(p.buf) > 0 {
		if _, err := p.out.Write(p.buf); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// end ends the current run, keeping it when it is long enough.
func (p *printableRuns) end() {
	if p.mark != nil && bytes.Contains(p.run, p.mark) {
		p.marked = true
	}
	if len(p.run) >= minRun {
		p.buf = append(p.buf, p.run...)
		p.buf = append(p.buf, '\n')
	}
	p.run, p.nul = p.run[:0], false
}

// Close writes the last run.
func (p *printableRuns) Close() error {
	p.buf = p.buf[:0]
	p.end()
	_, err := p.out.Write(p.buf)
	return err
}

// scanBinary scans the printable runs of content of unknown format;
// offsets are into the runs joined by line breaks.
func (st *run) scanBinary(p partCtx, r io.Reader) error {
	sink := st.newTextSink(p.path, "")
	pr := &printableRuns{out: sink}
	_, err := io.Copy(pr, r)
	pr.Close()
	sink.Close()
	return err
}

// ole2Magic starts OLE2 compound files: legacy Office documents, and
// Office Open XML documents saved with a password.
const ole2Magic = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

// scanOLE2 scans a compound file like other binaries, and reports it as
// encrypted when it holds an "EncryptedPackage" stream (MS-OFFCRYPTO): a
// password-protected .docx or .xlsx is only ciphertext, which must not
// pass as clean.
func (st *run) scanOLE2(p partCtx, r io.Reader) error {
	sink := st.newTextSink(p.path, "")
	pr := &printableRuns{out: sink, mark: []byte("EncryptedPackage")}
	_, err := io.Copy(pr, r)
	pr.Close()
	sink.Close()
	if err == nil && pr.marked {
		return malformed("encrypted Office document")
	}
	return err
}
