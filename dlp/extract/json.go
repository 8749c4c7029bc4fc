package extract

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxJSONDepth bounds the nesting of objects and arrays in JSON parts.
const maxJSONDepth = 128

// jsonFrame is an open object or array.
type jsonFrame struct {
	array   bool
	index   int    // arrays: index of the next item
	key     string // objects: the current member's key
	haveKey bool
}

// scanJSON scans the string and number values of a JSON part, streamed
// token by token, labelled with their member name; Field is the path.
func (st *run) scanJSON(p partCtx, r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var stack []jsonFrame
	b := st.newBatch()
	defer b.flush()
	for !st.stopped() {
		tok, err := dec.Token()
		if err == io.EOF {
			if len(stack) > 0 {
				return malformed("malformed JSON: truncated")
			}
			return nil
		}
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
				return malformed("malformed JSON")
			}
			return err
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				if len(stack) >= maxJSONDepth {
					return malformed(fmt.Sprintf("JSON nested deeper than %d", maxJSONDepth))
				}
				stack = append(stack, jsonFrame{array: v == '['})
				continue
			}
			stack = stack[:len(stack)-1]
			advance(stack)
		case string:
			if n := len(stack); n > 0 && !stack[n-1].array && !stack[n-1].haveKey {
				stack[n-1].key, stack[n-1].haveKey = v, true
				continue
			}
			b.add(fieldSpan{part: p.path, field: jsonPath(stack)}, jsonLabel(stack), []byte(v))
			advance(stack)
		case json.Number:
			b.add(fieldSpan{part: p.path, field: jsonPath(stack)}, jsonLabel(stack), []byte(v))
			advance(stack)
		default:
			advance(stack)
		}
	}
	return nil
}

// advance moves past a value in the innermost open object or array.
func advance(stack []jsonFrame) {
	if n := len(stack); n > 0 {
		if stack[n-1].array {
			stack[n-1].index++
		} else {
			stack[n-1].haveKey = false
		}
	}
}

// jsonPath is the path of the value at the top of stack:
// "patients[0].name.family"; "$" for a top-level value.
func jsonPath(stack []jsonFrame) string {
	var b strings.Builder
	for _, f := range stack {
		if f.array {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(label(f.key))
	}
	if b.Len() == 0 {
		return "$"
	}
	return b.String()
}

// jsonLabel is the nearest member name around the value.
func jsonLabel(stack []jsonFrame) string {
	for i := len(stack) - 1; i >= 0; i-- {
		if !stack[i].array {
			return label(stack[i].key)
		}
	}
	return "value"
}
