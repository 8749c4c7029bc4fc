package vuln

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// MaxDocumentSize is the largest single JSON document a parser accepts.
const MaxDocumentSize = 64 << 20

// DecodeJSON decodes data (the content of file) into v, with a ParseError
// naming the line, column and field on failure.
func DecodeJSON(file string, data []byte, v any) error {
	if len(data) > MaxDocumentSize {
		return &ParseError{File: file, Err: fmt.Errorf("document of %d bytes exceeds the limit of %d", len(data), MaxDocumentSize)}
	}
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	pe := &ParseError{File: file, Err: err}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		pe.Line, pe.Col = lineCol(data, se.Offset-1) // Offset is past the bad byte
	case errors.As(err, &te):
		pe.Line, pe.Col = lineCol(data, te.Offset)
		pe.Place = te.Field
		pe.Err = fmt.Errorf("%s where %s is expected", te.Value, te.Type)
	}
	return pe
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	if off < 0 || off > int64(len(data)) {
		return 0, 0
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}
