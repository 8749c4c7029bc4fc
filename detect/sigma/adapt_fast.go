package sigma

import (
	"strconv"
	"strings"
	"sync"

	"github.com/airtight/airtight/detect"
)

// isOCSFPath reports whether name is one of ocsfPaths: an event's own
// field of that name shadows the OCSF value in (*detect.Event).Field.
func isOCSFPath(name string) bool {
	switch name {
	case "activity_name", "status", "metadata.product.name", "device.hostname",
		"src_endpoint.ip", "dst_endpoint.ip", "src_endpoint.port", "dst_endpoint.port",
		"src_endpoint.hostname", "dst_endpoint.hostname", "connection_info.protocol_name",
		"app_name", "user.name", "message", "dicom.calling_ae", "dicom.called_ae",
		"dicom.command", "hl7.sending_app", "hl7.message_type", "process.cmd_line",
		"process.file.path", "process.parent_process.file.path", "file.path", "smb.command":
		return true
	}
	return false
}

// ocsfValues yields, in ocsfPaths order, what (*detect.Event).Field
// returns for each OCSF path of an event none of whose own fields is named
// like an OCSF path, reading the structure directly rather than through
// one map lookup and one name switch per path. TestOCSFValuesAgree holds
// it to ocsfValuesByField. False when yield stopped.
func ocsfValues(e *detect.Event, yield func(name, value string) bool) bool {
	str := func(p, v string) bool { return v == "" || yield(p, v) }
	if !str("activity_name", e.Activity) || !str("status", e.Status) ||
		!str("metadata.product.name", e.Product) || !str("device.hostname", e.Host) {
		return false
	}
	if e.Src.IP.IsValid() && !yield("src_endpoint.ip", e.Src.IP.String()) {
		return false
	}
	if e.Dst.IP.IsValid() && !yield("dst_endpoint.ip", e.Dst.IP.String()) {
		return false
	}
	if e.Src.Port != 0 && !yield("src_endpoint.port", strconv.Itoa(int(e.Src.Port))) {
		return false
	}
	if e.Dst.Port != 0 && !yield("dst_endpoint.port", strconv.Itoa(int(e.Dst.Port))) {
		return false
	}
	if !str("src_endpoint.hostname", e.Src.Hostname) || !str("dst_endpoint.hostname", e.Dst.Hostname) ||
		!str("connection_info.protocol_name", e.Protocol) || !str("app_name", e.App) ||
		!str("user.name", e.User) || !str("message", e.Message) {
		return false
	}
	return extValues(e, str)
}

// extValues yields the extension objects' values, in ocsfPaths order.
func extValues(e *detect.Event, str func(p, v string) bool) bool {
	if d := e.DICOM; d != nil && (!str("dicom.calling_ae", d.CallingAE) ||
		!str("dicom.called_ae", d.CalledAE) || !str("dicom.command", d.Command)) {
		return false
	}
	if h := e.HL7; h != nil && (!str("hl7.sending_app", h.SendingApp) || !str("hl7.message_type", h.MessageType)) {
		return false
	}
	if p := e.Process; p != nil && (!str("process.cmd_line", p.CommandLine) ||
		!str("process.file.path", p.Path) || !str("process.parent_process.file.path", p.ParentPath)) {
		return false
	}
	if f := e.File; f != nil && !str("file.path", f.Path) {
		return false
	}
	if s := e.SMB; s != nil && !str("smb.command", s.Command) {
		return false
	}
	return true
}

// srcKey is everything detectLogSource reads from an event. Parts that
// cannot change the result are left empty (the event id and channel of a
// non-Windows event, the activity of a non-file event), so that events
// share entries.
type srcKey struct {
	source, product string
	channel, id     string
	activity        string
	hasChannel      bool
	class           detect.Class
}

// clone copies the key's text, which may be cut from a longer message
// (a Snare line's event id): the cache keeps no more of an event than that.
func (k srcKey) clone() srcKey {
	k.source, k.product = strings.Clone(k.source), strings.Clone(k.product)
	k.channel, k.id, k.activity = strings.Clone(k.channel), strings.Clone(k.id), strings.Clone(k.activity)
	return k
}

// maxCachedSources bounds the log-source cache: its keys come from
// outside input (program names, event ids). Beyond it, sources are
// derived per event as before.
const maxCachedSources = 4096

var srcCache struct {
	mu sync.RWMutex
	m  map[srcKey]LogSource // each with its key cached
}

// cachedLogSource is detectLogSource(e).withKey(), memoised by what the
// derivation reads. The LogSource returned shares its slices with other
// events: the engine only reads them.
func cachedLogSource(e *detect.Event) LogSource {
	ch, hasCh := e.Fields["Channel"]
	k := srcKey{source: e.Source, product: e.Product, class: e.Class}
	if hasCh || isWindows(e) {
		k.channel, k.hasChannel, k.id = ch, hasCh, e.Fields["EventID"]
	}
	if e.Class == detect.ClassFileActivity {
		k.activity = e.Activity
	}
	srcCache.mu.RLock()
	src, ok := srcCache.m[k]
	srcCache.mu.RUnlock()
	if ok {
		return src
	}
	src = detectLogSource(e).withKey()
	srcCache.mu.Lock()
	defer srcCache.mu.Unlock()
	if srcCache.m == nil {
		srcCache.m = make(map[srcKey]LogSource)
	}
	if len(srcCache.m) < maxCachedSources {
		srcCache.m[k.clone()] = src
	}
	return src
}

// cachedSources is how many log sources the cache holds.
func cachedSources() int {
	srcCache.mu.RLock()
	defer srcCache.mu.RUnlock()
	return len(srcCache.m)
}
