package sigma

import "strings"

// sysmonCategories maps Sysmon event ids to Sigma categories.
var sysmonCategories = map[string][]string{
	"1":   {"process_creation"},
	"2":   {"file_change"},
	"3":   {"network_connection"},
	"4":   {"sysmon_status"},
	"5":   {"process_termination"},
	"6":   {"driver_load"},
	"7":   {"image_load"},
	"8":   {"create_remote_thread"},
	"9":   {"raw_access_thread"},
	"10":  {"process_access"},
	"11":  {"file_event"},
	"12":  {"registry_add", "registry_delete", "registry_event"},
	"13":  {"registry_set", "registry_event"},
	"14":  {"registry_rename", "registry_event"},
	"15":  {"create_stream_hash"},
	"16":  {"sysmon_status"},
	"17":  {"pipe_created"},
	"18":  {"pipe_created"},
	"19":  {"wmi_event"},
	"20":  {"wmi_event"},
	"21":  {"wmi_event"},
	"22":  {"dns_query"},
	"23":  {"file_delete"},
	"24":  {"clipboard_change"},
	"25":  {"process_tampering"},
	"26":  {"file_delete_detected", "file_delete"},
	"27":  {"file_block_executable"},
	"28":  {"file_block_shredding"},
	"29":  {"file_executable_detected"},
	"255": {"sysmon_error"},
}

// windowsChannelServices maps Windows event log channels to Sigma services.
var windowsChannelServices = map[string]string{
	"security":                             "security",
	"system":                               "system",
	"application":                          "application",
	"microsoft-windows-sysmon/operational": "sysmon",
	"microsoft-windows-windows defender/operational": "windefend",
	"microsoft-windows-taskscheduler/operational":    "taskscheduler",
	"microsoft-windows-wmi-activity/operational":     "wmi",
	"microsoft-windows-powershell/operational":       "powershell",
	"windows powershell":                             "powershell-classic",
	"microsoft-windows-dns-client/operational":       "dns-client",
	"dns server": "dns-server",
	"microsoft-windows-bits-client/operational":                          "bits-client",
	"microsoft-windows-codeintegrity/operational":                        "codeintegrity-operational",
	"microsoft-windows-windows firewall with advanced security/firewall": "firewall-as",
	"microsoft-windows-terminalservices-localsessionmanager/operational": "terminalservices-localsessionmanager",
	"microsoft-windows-smbclient/security":                               "smbclient-security",
	"microsoft-windows-ntlm/operational":                                 "ntlm",
	"microsoft-windows-applocker/exe and dll":                            "applocker",
	"microsoft-windows-printservice/admin":                               "printservice-admin",
	"microsoft-windows-printservice/operational":                         "printservice-operational",
}

// powershellCategories maps PowerShell event ids to Sigma categories.
var powershellCategories = map[string]string{"4103": "ps_module", "4104": "ps_script", "400": "ps_classic_start", "403": "ps_classic_start", "800": "ps_classic_provider_start"}

// WindowsLogSource derives the Sigma log source of a Windows event from its
// channel and event id.
func WindowsLogSource(channel, eventID string) LogSource {
	src := LogSource{Product: "windows"}
	svc := windowsChannelServices[strings.ToLower(channel)]
	if svc != "" {
		src.Services = []string{svc}
	}
	switch svc {
	case "sysmon":
		src.Categories = sysmonCategories[eventID]
	case "powershell", "powershell-classic":
		if c := powershellCategories[eventID]; c != "" {
			src.Categories = []string{c}
		}
	}
	return src
}

// syslogServices maps a syslog program name to the Sigma services of
// product linux.
var syslogServices = map[string][]string{
	"sshd":      {"sshd", "auth"},
	"sudo":      {"sudo", "auth"},
	"su":        {"auth"},
	"login":     {"auth"},
	"useradd":   {"auth"},
	"groupadd":  {"auth"},
	"passwd":    {"auth"},
	"cron":      {"cron"},
	"crond":     {"cron"},
	"vsftpd":    {"vsftpd"},
	"clamd":     {"clamav"},
	"freshclam": {"clamav"},
	"auditd":    {"auditd"},
	"guacd":     {"guacamole"},
}

// linuxLogSource derives the log source of a Linux syslog line from its
// program name.
func linuxLogSource(program string) LogSource {
	src := LogSource{Product: "linux", Services: []string{"syslog"}}
	if s, ok := syslogServices[strings.ToLower(program)]; ok {
		src.Services = append(src.Services, s...)
	}
	return src
}
