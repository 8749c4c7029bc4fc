package sigma

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// JSON limits: a raw event is log data from outside.
const (
	maxJSONBytes = 1 << 20
	maxJSONDepth = 32
	maxJSONKeys  = 10000
)

// JSONEvent is an event read from a JSON object. Nested keys are flattened
// with "." ("Event.System.EventID"); XML attribute objects ("#attributes")
// are folded into their parent. Windows event records (an "Event" object
// with "System") also answer to Sigma's short names: EventData and
// UserData fields by their own name, System fields by name ("EventID",
// "Channel") and nested System fields joined with "_" ("Provider_Name").
// Data names with spaces ("Source Name") also answer without them.
type JSONEvent struct {
	keys  []string         // flattened keys, sorted
	vals  []string         // values, parallel to keys
	index map[string]int32 // flattened keys and short names → position
	src   LogSource
	when  time.Time
}

// JSONOptions set what a JSON object cannot say about itself.
type JSONOptions struct {
	// LogSource is used when the object is not a recognised Windows record.
	LogSource LogSource
	// TimeField names the flattened field holding the event time (RFC 3339);
	// Windows records use System.TimeCreated.SystemTime.
	TimeField string
}

// ParseJSONEvents reads one or more JSON objects, concatenated or one per
// line, as events.
func ParseJSONEvents(data []byte, opts JSONOptions) ([]*JSONEvent, error) {
	if len(data) > maxJSONBytes*64 {
		return nil, fmt.Errorf("json events: input larger than %d bytes", maxJSONBytes*64)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []*JSONEvent
	for i := 0; ; i++ {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("json event %d: %w", i+1, err)
		}
		ev, err := NewJSONEvent(obj, opts)
		if err != nil {
			return nil, fmt.Errorf("json event %d: %w", i+1, err)
		}
		out = append(out, ev)
	}
}

// NewJSONEvent flattens a decoded JSON object (numbers as json.Number or
// float64) into an event.
func NewJSONEvent(obj map[string]any, opts JSONOptions) (*JSONEvent, error) {
	flat := map[string]string{}
	if err := flatten(flat, "", obj, 0); err != nil {
		return nil, err
	}
	e := &JSONEvent{index: make(map[string]int32, len(flat)), src: opts.LogSource}
	for k := range flat {
		e.keys = append(e.keys, k)
	}
	slices.Sort(e.keys) // deterministic order for keyword evidence
	for i, k := range e.keys {
		e.vals = append(e.vals, flat[k])
		e.index[k] = int32(i)
	}
	tf := opts.TimeField
	if _, ok := flat["Event.System.EventID"]; ok {
		e.indexWindows()
		e.src = WindowsLogSource(flat["Event.System.Channel"], flat["Event.System.EventID"])
		if tf == "" {
			tf = "Event.System.TimeCreated.SystemTime"
		}
	}
	e.src = e.src.withKey()
	if v, ok := flat[tf]; ok && tf != "" {
		e.when, _ = time.Parse(time.RFC3339Nano, v)
	}
	return e, nil
}

func flatten(flat map[string]string, prefix string, v any, depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("object nested deeper than %d at %q", maxJSONDepth, prefix)
	}
	if len(flat) > maxJSONKeys {
		return fmt.Errorf("object has more than %d fields", maxJSONKeys)
	}
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			key := joinKey(prefix, k)
			if k == "#attributes" {
				key = prefix
			}
			if err := flatten(flat, key, c, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for i, c := range t {
			if err := flatten(flat, joinKey(prefix, fmt.Sprint(i)), c, depth+1); err != nil {
				return err
			}
		}
	case nil:
		// null: the field is absent for matching.
	default:
		flat[prefix] = scalarText(t)
	}
	return nil
}

func joinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func scalarText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "true"
		}
		return "false"
	case float64:
		return fmt.Sprint(t)
	}
	return fmt.Sprint(v)
}

// indexWindows adds Sigma's short names for a Windows record; a full
// flattened key always wins over a short name.
func (e *JSONEvent) indexWindows() {
	add := func(name string, i int) {
		if _, taken := e.index[name]; !taken {
			e.index[name] = int32(i)
		}
	}
	for i, k := range e.keys {
		switch {
		case strings.HasPrefix(k, "Event.EventData."):
			name := strings.TrimPrefix(k, "Event.EventData.")
			add(name, i)
			// Defender and others name data "Source Name"; Sigma says SourceName.
			if strings.Contains(name, " ") {
				add(strings.ReplaceAll(name, " ", ""), i)
			}
		case strings.HasPrefix(k, "Event.UserData."):
			rest := strings.TrimPrefix(k, "Event.UserData.")
			if j := strings.IndexByte(rest, '.'); j >= 0 {
				add(rest[j+1:], i)
			}
		}
	}
	for i, k := range e.keys {
		if strings.HasPrefix(k, "Event.System.") {
			add(strings.ReplaceAll(strings.TrimPrefix(k, "Event.System."), ".", "_"), i)
		}
	}
}

// Field returns a flattened field, or a Windows short name.
func (e *JSONEvent) Field(name string) (string, bool) {
	if i, ok := e.index[name]; ok {
		return e.vals[i], true
	}
	return "", false
}

// Values yields every field in document order.
func (e *JSONEvent) Values(yield func(name, value string) bool) {
	for i, k := range e.keys {
		if !yield(k, e.vals[i]) {
			return
		}
	}
}

// LogSource is the Windows log source of a Windows record, else the one
// given in JSONOptions.
func (e *JSONEvent) LogSource() LogSource { return e.src }

// Time is the event time, zero when unknown.
func (e *JSONEvent) Time() time.Time { return e.when }

// Device is the Windows computer name, when known.
func (e *JSONEvent) Device() (string, int64) {
	v, _ := e.Field("Computer")
	return v, 0
}
