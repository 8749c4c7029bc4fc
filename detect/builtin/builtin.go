// Package builtin holds airtight's built-in healthcare detections: worm
// spread and exploitation over SMB, ransomware behaviour, medical devices
// reaching the internet, patient data leaving in clear text, rogue DICOM
// and HL7 peers, brute force and password spraying, and unsigned firmware.
//
// Each detection follows how the attack works (a source fanning out to
// many hosts on 445, many files renamed to a new extension, backups
// deleted before encryption) rather than one sample of it. Every
// detector is a detect.Detector; rule ids are "airtight.<area>.<name>".
// Thresholds are in Config, with defaults meant for a mid-size hospital.
package builtin

import (
	"errors"
	"net/netip"
	"strconv"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/correlate"
)

// Severities.
const (
	sevLow      detect.Severity = "low"
	sevMedium   detect.Severity = "medium"
	sevHigh     detect.Severity = "high"
	sevCritical detect.Severity = "critical"
)

// Config holds the thresholds of the built-in detections. Zero fields take
// the defaults named in their comments.
type Config struct {
	// Directory resolves addresses, AE titles and HL7 applications to
	// inventory devices. Without one, the detections that need the
	// inventory (unknown AE title, unknown HL7 sender, AE spoofing) stay
	// silent and "medical device" means an address in ClinicalNets.
	Directory detect.Directory
	// ClinicalNets are networks where medical devices live; an address in
	// one counts as a medical device even when the inventory lacks it.
	ClinicalNets []netip.Prefix
	// AllowInternet are public destinations medical devices may reach
	// (a vendor's remote service, a cloud PACS under contract).
	AllowInternet []netip.Prefix
	// IgnoreFanout are sources allowed to reach many hosts over SMB
	// (vulnerability scanners, backup and management servers).
	IgnoreFanout []netip.Prefix

	SMBFanout int           // distinct hosts one source reaches on 445/139 (default 20)
	SMBWindow time.Duration // … within this window (default 2 minutes)

	RenameThreshold int           // distinct files renamed to a new extension by one actor (default 20)
	ChangeThreshold int           // distinct files modified, renamed or deleted by one actor (default 200)
	FileWindow      time.Duration // … within this window (default 1 minute)
	// IgnoreFileProcesses are process names (case-insensitive) whose file
	// activity is not counted, e.g. a backup agent.
	IgnoreFileProcesses []string

	UserFailures   int           // failed logons for one account (default 10)
	SourceFailures int           // failed logons from one source (default 20)
	FailureWindow  time.Duration // … within this window (default 5 minutes)
	SprayUsers     int           // distinct accounts failing from one source (default 8)
	SprayWindow    time.Duration // … within this window (default 15 minutes)
	SuccessWithin  time.Duration // a success this soon after brute force is critical (default 30 minutes)

	// AEProbeTitles distinct AE titles rejected for one requester within
	// AEProbeWindow make a rogue AE alert high (defaults 3, 10 minutes).
	AEProbeTitles int
	AEProbeWindow time.Duration
	// CheckAEAddress alerts when a known AE title is used from an address
	// other than its device's (default on; turn off where modalities get
	// addresses by DHCP and the inventory does not follow).
	CheckAEAddress *bool
	DICOMPorts     []uint16 // DICOM service ports (default 104, 11112, 4242, 2761, 2762)

	// Reemit is how often a per-event rule reports the same subject again
	// (default 10 minutes); the pipeline merges repeats into one alert.
	Reemit  time.Duration
	MaxKeys int // bound on keys each detector tracks (default correlate.DefaultMaxKeys)
}

// withDefaults returns c with defaults filled, or an error for negative
// values.
func (c Config) withDefaults() (Config, error) {
	ints := []struct {
		v *int
		d int
	}{
		{&c.SMBFanout, 20}, {&c.RenameThreshold, 20}, {&c.ChangeThreshold, 200}, {&c.UserFailures, 10},
		{&c.SourceFailures, 20}, {&c.SprayUsers, 8}, {&c.AEProbeTitles, 3}, {&c.MaxKeys, correlate.DefaultMaxKeys},
	}
	for _, x := range ints {
		if *x.v < 0 {
			return c, errors.New("builtin: thresholds must not be negative")
		}
		if *x.v == 0 {
			*x.v = x.d
		}
	}
	durs := []struct {
		v *time.Duration
		d time.Duration
	}{
		{&c.SMBWindow, 2 * time.Minute}, {&c.FileWindow, time.Minute}, {&c.FailureWindow, 5 * time.Minute},
		{&c.SprayWindow, 15 * time.Minute}, {&c.SuccessWithin, 30 * time.Minute}, {&c.AEProbeWindow, 10 * time.Minute},
		{&c.Reemit, 10 * time.Minute},
	}
	for _, x := range durs {
		if *x.v < 0 {
			return c, errors.New("builtin: durations must not be negative")
		}
		if *x.v == 0 {
			*x.v = x.d
		}
	}
	if c.CheckAEAddress == nil {
		on := true
		c.CheckAEAddress = &on
	}
	if c.DICOMPorts == nil {
		c.DICOMPorts = []uint16{104, 11112, 4242, 2761, 2762}
	}
	return c, nil
}

// All returns every built-in detector configured by cfg.
func All(cfg Config) ([]detect.Detector, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	smb, err := newSMB(cfg)
	if err != nil {
		return nil, err
	}
	files, err := newRansomware(cfg)
	if err != nil {
		return nil, err
	}
	auth, err := newAuth(cfg)
	if err != nil {
		return nil, err
	}
	dicom, err := newDICOM(cfg)
	if err != nil {
		return nil, err
	}
	return []detect.Detector{
		smb, files, auth, dicom, newInternet(cfg), newHL7(cfg), newFirmware(cfg),
	}, nil
}

// rule is the fixed part of a detection.
type rule struct {
	id, title       string
	severity        detect.Severity
	attack          []string
	summary, action string
}

// detection builds a detection of r about subject.
func (r *rule) detection(e *detect.Event, subject string, deviceID int64, key string, ev map[string]any) *detect.Detection {
	return &detect.Detection{
		Rule: r.id, Title: r.title, Severity: r.severity, Attack: r.attack,
		Device: subject, DeviceID: deviceID, FirstSeen: e.Time, LastSeen: e.Time, Count: 1,
		Summary: r.summary, Action: r.action, Evidence: ev,
		Key: r.id + "|" + key,
	}
}

// subject names an endpoint: its device id when resolved, else its
// address, else its host name.
func subject(ep detect.Endpoint) (string, int64) {
	switch {
	case ep.DeviceID > 0:
		return strconv.FormatInt(ep.DeviceID, 10), ep.DeviceID
	case ep.IP.IsValid():
		return ep.IP.Unmap().String(), 0
	}
	return ep.Hostname, 0
}

// hostSubject names the host that logged e (process and file events), or
// its source endpoint.
func hostSubject(e *detect.Event) (string, int64) {
	if e.Src.DeviceID > 0 || (e.Host == "" && e.Src.IP.IsValid()) {
		return subject(e.Src)
	}
	if e.Host != "" {
		return e.Host, 0
	}
	return subject(e.Src)
}

// lookup resolves an endpoint through the directory.
func lookup(dir detect.Directory, ep detect.Endpoint) (detect.DeviceRef, bool) {
	if dir == nil || !ep.IP.IsValid() {
		return detect.DeviceRef{}, false
	}
	return dir.LookupIP(ep.IP.Unmap())
}

// raise returns s one step more severe, for life-sustaining devices.
func raise(s detect.Severity) detect.Severity {
	switch s {
	case sevLow:
		return sevMedium
	case sevMedium:
		return sevHigh
	}
	return sevCritical
}

// inPrefixes reports whether a is in one of ps.
func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// throttle lets a per-event rule report a key at most once per interval of
// event time.
type throttle struct {
	every time.Duration
	t     *correlate.Table[string, time.Time]
}

func newThrottle(every time.Duration, maxKeys int) *throttle {
	return &throttle{every: every, t: correlate.NewTable[string, time.Time](maxKeys, every)}
}

func (th *throttle) allow(key string, at time.Time) bool {
	last, created := th.t.Get(key, at)
	if !created && at.Sub(*last) < th.every {
		return false
	}
	*last = at
	return true
}
