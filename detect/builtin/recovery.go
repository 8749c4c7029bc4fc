package builtin

import (
	"path"
	"strings"

	"github.com/airtight/airtight/detect"
)

// recoveryCommand is one way to destroy recovery data: a program and
// words that must all appear among its arguments.
type recoveryCommand struct {
	name    string
	program []string // program base names, without .exe
	all     []string // words that must all appear
	anyOf   []string // at least one of these too, when set
}

// recoveryCommands are the ways ransomware removes the means of recovery
// (MITRE ATT&CK T1490): shadow copies, the backup catalog, boot recovery.
var recoveryCommands = []recoveryCommand{
	{name: "vssadmin delete shadows", program: []string{"vssadmin"}, all: []string{"delete", "shadows"}},
	{name: "vssadmin resize shadowstorage", program: []string{"vssadmin"}, all: []string{"resize", "shadowstorage"}},
	{name: "wmic shadowcopy delete", program: []string{"wmic"}, all: []string{"shadowcopy", "delete"}},
	{name: "wbadmin delete backups", program: []string{"wbadmin"}, all: []string{"delete"},
		anyOf: []string{"catalog", "systemstatebackup", "backup"}},
	{name: "bcdedit disable recovery", program: []string{"bcdedit"}, all: []string{"/set"},
		anyOf: []string{"recoveryenabled no", "bootstatuspolicy ignoreallfailures"}},
	{name: "diskshadow delete shadows", program: []string{"diskshadow"}, all: []string{"delete", "shadows"}},
	{name: "powershell shadow copy delete", program: []string{"powershell", "pwsh"}, all: []string{"win32_shadowcopy"},
		anyOf: []string{"delete", "remove-wmiobject", "remove-ciminstance"}},
}

// commandLine returns a process event's command line and program name.
func commandLine(e *detect.Event) (cmd, program string) {
	if e.Process != nil {
		cmd, program = e.Process.CommandLine, e.Process.Path
		if program == "" {
			program = e.Process.Name
		}
	}
	for _, f := range []string{"CommandLine", "process.command_line", "cmd_line"} {
		if cmd == "" {
			cmd = e.Fields[f]
		}
	}
	for _, f := range []string{"NewProcessName", "Image", "process.executable"} {
		if program == "" {
			program = e.Fields[f]
		}
	}
	return cmd, program
}

// normCommand lowercases a command line, drops quotes and carets (cmd's
// escape), turns "-x" options into "/x" and collapses spaces, so that
// `VSSADMIN.EXE Delete Shadows -All "/Quiet"` reads
// "vssadmin.exe delete shadows /all /quiet".
func normCommand(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer(`"`, " ", `'`, " ", "^", "", "\u2013", "-", "\u2014", "-", "\t", " ",
		"&&", " && ", "||", " || ", "&", " & ", "|", " | ", ";", " ; ").Replace(s)
	f := strings.Fields(s)
	for i, w := range f {
		if i > 0 && len(w) > 1 && w[0] == '-' && w[1] != '-' {
			f[i] = "/" + w[1:]
		}
	}
	return " " + strings.Join(f, " ") + " "
}

// programBase is a program's base name, lowercase, without .exe.
func programBase(p string) string {
	p = strings.ToLower(strings.ReplaceAll(p, `\`, "/"))
	return strings.TrimSuffix(path.Base(p), ".exe")
}

// matchRecovery returns the recovery-destroying command cmd runs, if any.
// The program is the event's, or any word of the command line in command
// position (the first word, or after cmd /c, &, |, call, start …), so that
// a program named in a file path argument does not count.
func matchRecovery(cmd, program string) (string, bool) {
	norm := normCommand(cmd)
	progs := map[string]bool{programBase(program): true}
	words := strings.Fields(norm)
	for i, w := range words {
		if i == 0 || commandLead[words[i-1]] {
			progs[programBase(w)] = true
		}
	}
	for _, rc := range recoveryCommands {
		if !anyProgram(progs, rc.program) || !allWords(norm, rc.all) {
			continue
		}
		if len(rc.anyOf) > 0 && !anyWords(norm, rc.anyOf) {
			continue
		}
		return rc.name, true
	}
	return "", false
}

// commandLead are the words after which a command line names another
// program to run.
var commandLead = toSet("/c", "/k", "/r", "&", "&&", "|", "||", ";", "call", "start", "/command", "/b", "/wait", "/min")

func anyProgram(progs map[string]bool, names []string) bool {
	for _, n := range names {
		if progs[n] {
			return true
		}
	}
	return false
}

func allWords(norm string, ws []string) bool {
	for _, w := range ws {
		if !containsWord(norm, w) {
			return false
		}
	}
	return true
}

func anyWords(norm string, ws []string) bool {
	for _, w := range ws {
		if containsWord(norm, w) {
			return true
		}
	}
	return false
}

// containsWord finds w in a normalised command line as whole words; a
// word may also end at '=' or ':' ("/for=c:") or be followed by ".delete(".
func containsWord(norm, w string) bool {
	for i := 0; ; {
		j := strings.Index(norm[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		if start > 0 && isWordEdge(norm[start-1]) && end < len(norm) && isWordEdge(norm[end]) {
			return true
		}
		i = start + 1
	}
}

func isWordEdge(c byte) bool {
	return c == ' ' || c == '/' || c == '=' || c == ':' || c == '.' || c == '(' || c == ')' || c == '|' || c == ';' || c == ','
}

func (d *ransomwareDetector) inhibit(e *detect.Event, emit func(*detect.Detection)) {
	cmd, program := commandLine(e)
	if cmd == "" {
		return
	}
	name, ok := matchRecovery(cmd, program)
	if !ok {
		return
	}
	sub, id := hostSubject(e)
	if !d.once.allow(RuleInhibitRecovery+sub+name, e.Time) {
		return
	}
	ev := map[string]any{"command": name, "program": programBase(program)}
	if e.Process != nil && e.Process.ParentPath != "" {
		ev["parent"] = programBase(e.Process.ParentPath)
	}
	if u := e.User; u != "" {
		ev["user"] = u
	} else if e.Process != nil && e.Process.User != "" {
		ev["user"] = e.Process.User
	}
	emit(inhibitRecoveryRule.detection(e, sub, id, sub+"|"+name, ev))
}
