package feed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Flatten decodes one JSON object into a flat map with dotted names:
// {"a":{"b":1}} becomes a.b=1. Arrays of scalars are joined with ","
// (["T1210","T1021"] becomes "T1210,T1021"); objects inside arrays get their
// index (a.0.b). Nulls are left out. Numbers keep their JSON text.
//
// Input deeper than lim.MaxDepth or with more than lim.MaxFields leaves is
// rejected before or while it is built; the error never quotes the input.
func Flatten(data []byte, lim Limits) (map[string]string, error) {
	lim = lim.WithDefaults()
	if err := checkDepth(data, lim.MaxDepth); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrSyntax, jsonReason(err))
	}
	if obj == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrSyntax)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrSyntax)
	}
	f := flattener{out: make(map[string]string, len(obj)), max: lim.MaxFields}
	if err := f.object("", obj); err != nil {
		return nil, err
	}
	return f.out, nil
}

// jsonReason names the kind of JSON error without echoing input values.
func jsonReason(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return "invalid JSON at byte " + strconv.FormatInt(e.Offset, 10)
	case *json.UnmarshalTypeError:
		return "JSON " + e.Value + " where an object was expected"
	}
	return "invalid JSON"
}

type flattener struct {
	out map[string]string
	max int
}

func (f *flattener) object(prefix string, obj map[string]any) error {
	for k, v := range obj {
		if err := f.value(join(prefix, k), v); err != nil {
			return err
		}
	}
	return nil
}

func (f *flattener) value(key string, v any) error {
	switch x := v.(type) {
	case nil:
		return nil
	case map[string]any:
		return f.object(key, x)
	case []any:
		return f.array(key, x)
	}
	return f.set(key, scalar(v))
}

func (f *flattener) array(key string, arr []any) error {
	var parts []string
	for i, v := range arr {
		switch v.(type) {
		case map[string]any, []any:
			if err := f.value(join(key, strconv.Itoa(i)), v); err != nil {
				return err
			}
		case nil:
		default:
			parts = append(parts, scalar(v))
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return f.set(key, strings.Join(parts, ","))
}

func (f *flattener) set(key, val string) error {
	if _, ok := f.out[key]; !ok && len(f.out) >= f.max {
		return fmt.Errorf("%w (over %d)", ErrTooManyFields, f.max)
	}
	f.out[key] = val
	return nil
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// checkDepth rejects JSON nested deeper than max without decoding it.
func checkDepth(data []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			if depth > max {
				return fmt.Errorf("%w (over %d levels)", ErrTooDeep, max)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}
