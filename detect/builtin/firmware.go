package builtin

import (
	"path"
	"strings"

	"github.com/airtight/airtight/detect"
)

// RuleUnsignedFirmware is the unsigned-firmware detection.
const RuleUnsignedFirmware = "airtight.device.unsigned_firmware"

// Firmware without a valid signature on a medical device is System
// Firmware modification: T0857 in ATT&CK for ICS, which covers embedded
// devices like these, and T1542.001 in the enterprise matrix.
var unsignedFirmwareRule = rule{
	id: RuleUnsignedFirmware, title: "Firmware without a valid signature installed on a device",
	severity: sevHigh, attack: []string{"T0857", "T1542.001"},
	summary: "A device installed firmware or a software update whose signature is missing or invalid. The " +
		"manufacturer's signature is what proves an update is genuine; without it, the device may now run " +
		"modified software that changes how it behaves with patients.",
	action: "Take the device out of clinical use if it can be safely replaced, and call the manufacturer's " +
		"service line to confirm which firmware version it should run and to reinstall a signed one. Find out " +
		"who installed the update.",
}

// firmwareExts are file extensions of firmware and update images.
var firmwareExts = toSet(".bin", ".img", ".fw", ".hex", ".swu", ".dfu", ".upd", ".pkg", ".cab", ".rom")

// firmwareDetector reports firmware installs that are not signed.
type firmwareDetector struct {
	cfg  Config
	once *throttle
}

func newFirmware(cfg Config) *firmwareDetector {
	return &firmwareDetector{cfg: cfg, once: newThrottle(cfg.Reemit, cfg.MaxKeys)}
}

// isFirmwareEvent reports events about installing firmware or updates.
func isFirmwareEvent(e *detect.Event) bool {
	act := strings.ToLower(e.Activity)
	for _, w := range []string{"firmware", "update", "upgrade", "install", "flash"} {
		if strings.Contains(act, w) {
			return true
		}
	}
	if strings.Contains(strings.ToLower(e.Product), "firmware") || strings.Contains(strings.ToLower(e.Message), "firmware") {
		return true
	}
	return firmwareExts[strings.ToLower(path.Ext(slashes(e.File.Path)))]
}

func (d *firmwareDetector) Observe(e *detect.Event, emit func(*detect.Detection)) {
	if e.File == nil || e.File.Signed != "no" || !isFirmwareEvent(e) {
		return
	}
	sub, id := firmwareSubject(e)
	if sub == "" || !d.once.allow(RuleUnsignedFirmware+sub, e.Time) {
		return
	}
	r := unsignedFirmwareRule
	if ref, ok := lookup(d.cfg.Directory, e.Src); ok && ref.Criticality == detect.CriticalityLifeSustaining {
		r.severity = raise(r.severity)
	}
	ev := map[string]any{"activity": clip(e.Activity, 64)}
	if e.File.Path != "" {
		ev["file_name"] = clip(path.Base(slashes(e.File.Path)), 128)
	}
	if e.File.Hash != "" {
		ev["hash"] = clip(e.File.Hash, 128)
	}
	if e.Host != "" && e.Host != sub {
		ev["reported_by"] = clip(e.Host, 128)
	}
	for _, f := range []string{"model", "from", "to", "signer", "signature"} {
		if v := e.Fields[f]; v != "" {
			ev[f] = clip(v, 64)
		}
	}
	emit(r.detection(e, sub, id, sub, ev))
}

// firmwareSubject is the device updated: resolved source, the device named
// in the log (its asset tag), else the host that logged it.
func firmwareSubject(e *detect.Event) (string, int64) {
	if e.Src.DeviceID > 0 {
		return subject(e.Src)
	}
	for _, f := range []string{"device_id", "device.id", "DeviceID"} {
		if v := e.Fields[f]; v != "" {
			return clip(v, 64), 0
		}
	}
	return hostSubject(e)
}
