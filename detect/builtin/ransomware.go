package builtin

import (
	"hash/fnv"
	"path"
	"slices"
	"strings"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/correlate"
)

// Rule ids of the ransomware detections.
const (
	RuleMassFileChange  = "airtight.ransomware.mass_file_change"
	RuleInhibitRecovery = "airtight.ransomware.inhibit_recovery"
)

var massFileRule = rule{
	id: RuleMassFileChange, title: "Many files changed at once: possible ransomware encrypting data",
	severity: sevCritical, attack: []string{"T1486"},
	summary: "One computer or account changed, renamed or deleted a very large number of files within a " +
		"minute, many of them renamed to a new, unknown extension. That is what ransomware does while it " +
		"encrypts files. Every minute it runs, more patient and business data becomes unreadable.",
	action: "Disconnect the computer named here from the network now (pull the cable or turn off Wi-Fi; do not " +
		"shut it down, which can destroy evidence), and disable the account. Disconnect file shares it could " +
		"reach. Call your incident response contact, and start downtime procedures if clinical systems are affected.",
}

var inhibitRecoveryRule = rule{
	id: RuleInhibitRecovery, title: "Backups or shadow copies being deleted",
	severity: sevCritical, attack: []string{"T1490"},
	summary: "A command that deletes Windows shadow copies, the backup catalog, or boot recovery ran on this " +
		"computer. Ransomware does this just before encrypting, so that files cannot be restored. Legitimate " +
		"administrators almost never do.",
	action: "Disconnect the computer from the network now and disable the account that ran the command. Check " +
		"that your offline backups are intact and keep them disconnected. Call your incident response contact.",
}

// documentExts are extensions of files people and devices keep: an
// extension appended after one of them is an encrypted file's mark.
var documentExts = toSet(".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".pdf", ".txt", ".rtf", ".csv",
	".odt", ".ods", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".dcm", ".dicom", ".hl7", ".xml",
	".json", ".zip", ".7z", ".rar", ".sql", ".mdb", ".accdb", ".bak", ".vhd", ".vhdx", ".vmdk", ".pst", ".msg",
	".eml", ".html", ".htm", ".mp4", ".avi", ".wav", ".mp3", ".dat", ".db", ".sqlite", ".log", ".ini", ".cfg")

// benignRenameExts are extensions applications rename to and from while
// saving (temporary and backup copies).
var benignRenameExts = toSet(".tmp", ".temp", ".bak", ".old", ".orig", ".swp", ".part", ".crdownload", ".partial", "")

func toSet(vs ...string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// ransomwareDetector counts, per actor (host and user, or SMB client),
// distinct files changed and distinct files renamed to a new extension,
// and recognises recovery-inhibiting commands.
type ransomwareDetector struct {
	cfg     Config
	renamed *correlate.Distinct[string, uint64]
	changed *correlate.Distinct[string, uint64]
	exts    *correlate.Table[string, []string] // sample of new extensions per actor
	ignore  map[string]bool
	once    *throttle
}

func newRansomware(cfg Config) (*ransomwareDetector, error) {
	renamed, err := correlate.NewDistinct[string, uint64](correlate.DistinctConfig{
		Window: cfg.FileWindow, Threshold: cfg.RenameThreshold, MaxKeys: cfg.MaxKeys, MaxValues: cfg.RenameThreshold,
	})
	if err != nil {
		return nil, err
	}
	changed, err := correlate.NewDistinct[string, uint64](correlate.DistinctConfig{
		Window: cfg.FileWindow, Threshold: cfg.ChangeThreshold, MaxKeys: cfg.MaxKeys, MaxValues: cfg.ChangeThreshold,
	})
	if err != nil {
		return nil, err
	}
	ignore := map[string]bool{}
	for _, p := range cfg.IgnoreFileProcesses {
		ignore[strings.ToLower(p)] = true
	}
	return &ransomwareDetector{
		cfg: cfg, renamed: renamed, changed: changed, ignore: ignore,
		exts: correlate.NewTable[string, []string](cfg.MaxKeys, cfg.FileWindow),
		once: newThrottle(cfg.Reemit, cfg.MaxKeys),
	}, nil
}

func (d *ransomwareDetector) Observe(e *detect.Event, emit func(*detect.Detection)) {
	if e.File != nil || e.SMB != nil && e.SMB.File != "" {
		d.files(e, emit)
	}
	if e.Process != nil || e.Class == detect.ClassProcessActivity || e.Fields["CommandLine"] != "" {
		d.inhibit(e, emit)
	}
}

// fileChange is one changed file: its path (the new name for renames) and,
// for renames to a new extension, that extension.
type fileChange struct {
	path, newExt string
	ok           bool
}

// change reads a file change from a file activity or SMB event.
func change(e *detect.Event) fileChange {
	act := strings.ToLower(e.Activity)
	if e.File != nil {
		if !fileChanging(e) {
			return fileChange{}
		}
		p := e.File.Path
		if e.File.NewPath != "" {
			p = e.File.NewPath
		}
		return fileChange{path: p, newExt: encryptedExt(e.File.Path, e.File.NewPath, act), ok: p != ""}
	}
	cmd := strings.ToUpper(e.SMB.Command)
	if !strings.Contains(cmd, "WRITE") && !strings.Contains(cmd, "RENAME") && !strings.Contains(cmd, "SET_INFO") {
		return fileChange{}
	}
	return fileChange{path: e.SMB.File, newExt: encryptedExt(e.SMB.File, "", "rename"), ok: true}
}

// fileChanging reports file events that alter an existing file: writes,
// renames, deletes (not creations or reads, which backups do in bulk).
func fileChanging(e *detect.Event) bool {
	if e.File.NewPath != "" {
		return true
	}
	switch strings.ToLower(e.Activity) {
	case "rename", "renamed", "move", "write", "modify", "modified", "change", "changed", "update",
		"delete", "deleted", "encrypt", "overwrite", "truncate":
		return true
	}
	return false
}

// encryptedExt returns the extension a rename appended or swapped in, when
// it looks like an encrypted file's: "report.docx" → "report.docx.lockbit",
// or a document extension replaced by an unknown one. With only the new
// name (some logs), a name with a document extension followed by an
// unknown one counts.
func encryptedExt(oldPath, newPath, activity string) string {
	oldPath, newPath = slashes(oldPath), slashes(newPath)
	if newPath != "" {
		newExt := strings.ToLower(path.Ext(newPath))
		if benignRenameExts[newExt] || documentExts[newExt] {
			return ""
		}
		oldExt := strings.ToLower(path.Ext(oldPath))
		if strings.HasPrefix(newPath, oldPath+".") || documentExts[oldExt] && newExt != oldExt {
			return newExt
		}
		return ""
	}
	if !strings.Contains(activity, "rename") && !strings.Contains(activity, "move") {
		return ""
	}
	outer := strings.ToLower(path.Ext(oldPath))
	inner := strings.ToLower(path.Ext(strings.TrimSuffix(oldPath, path.Ext(oldPath))))
	if documentExts[inner] && !documentExts[outer] && !benignRenameExts[outer] {
		return outer
	}
	return ""
}

func slashes(p string) string { return strings.ReplaceAll(p, `\`, "/") }

// actor is who changed files: the host and user (or process) of a file
// event, the client of an SMB event.
func actor(e *detect.Event) string {
	if e.SMB != nil && e.File == nil {
		return "smb:" + e.Src.IP.Unmap().String()
	}
	user := e.User
	if user == "" && e.Process != nil {
		user = e.Process.User
	}
	host := e.Host
	if host == "" {
		host = e.Src.IP.Unmap().String()
	}
	return strings.ToLower(host + "|" + user)
}

func (d *ransomwareDetector) files(e *detect.Event, emit func(*detect.Detection)) {
	c := change(e)
	if !c.ok || e.Process != nil && d.ignore[strings.ToLower(e.Process.Name)] {
		return
	}
	who := actor(e)
	h := pathKey(c.path)
	n, crossed := d.changed.Add(who, h, e.Time)
	renamed := 0
	if c.newExt != "" {
		var crossedRename bool
		renamed, crossedRename = d.renamed.Add(who, h, e.Time)
		d.noteExt(who, c.newExt, e)
		crossed = crossed || crossedRename
	}
	if !crossed {
		return
	}
	sub, id := hostSubject(e)
	ev := map[string]any{
		"files_changed": n, "files_renamed_new_extension": max(renamed, d.renamed.Count(who)),
		"window": d.cfg.FileWindow.String(),
	}
	if exts, ok := d.exts.Peek(who); ok && len(*exts) > 0 {
		ev["new_extensions"] = slices.Clone(*exts)
	}
	if e.User != "" {
		ev["user"] = e.User
	}
	if e.Process != nil && e.Process.Name != "" {
		ev["process"] = clip(e.Process.Name, 64)
	}
	if e.SMB != nil && e.Src.IP.IsValid() {
		ev["smb_client_ip"] = e.Src.IP.Unmap().String()
		ev["file_server_ip"] = e.Dst.IP.Unmap().String()
	}
	emit(massFileRule.detection(e, sub, id, who, ev))
}

// noteExt keeps up to 5 distinct new extensions per actor for evidence.
func (d *ransomwareDetector) noteExt(who, ext string, e *detect.Event) {
	exts, _ := d.exts.Get(who, e.Time)
	if len(*exts) < 5 && !slices.Contains(*exts, ext) {
		*exts = append(*exts, clip(ext, 16))
	}
}

// pathKey hashes a path: the detector counts files without keeping their
// names, which can hold patient names.
func pathKey(p string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(slashes(p))))
	return h.Sum64()
}
