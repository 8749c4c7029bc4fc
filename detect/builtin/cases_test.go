package builtin

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
)

func TestSMB(t *testing.T) {
	scan := func(src netip.Addr, n int, step float64, port uint16) []detect.Event {
		return series(n, step, func(i int, at time.Time) detect.Event { return flow(at, src, host(i), port) })
	}
	exploit := smbEv(sec(-1), wsIP, host(0), detect.SMB{Version: 1, Command: "TRANS2", Subcommand: "SESSION_SETUP", Anomaly: "trans2-session-setup"})
	runCases(t, []caseT{
		{name: "worm scan in flows", events: scan(wsIP, 30, 1, 445), want: []string{RuleSMBSpread},
			check: all(wantSeverity(RuleSMBSpread, "high"), wantDevice(RuleSMBSpread, wsIP.String()), only(RuleSMBSpread, func(t *testing.T, d *detect.Detection) {
				if d.Evidence["distinct_hosts"] != 20 || !slices.Equal(d.Attack, []string{"T1046"}) {
					t.Errorf("evidence %v attack %v", d.Evidence, d.Attack)
				}
			}))},
		{name: "worm scan after an exploit", events: concat([]detect.Event{exploit}, scan(wsIP, 25, 0.5, 445)),
			want: []string{RuleSMBExploit, RuleSMBv1, RuleSMBSpread},
			check: all(wantSeverity(RuleSMBSpread, "critical"), only(RuleSMBSpread, func(t *testing.T, d *detect.Detection) {
				if !slices.Contains(d.Attack, "T1210") {
					t.Errorf("attack %v lacks T1210", d.Attack)
				}
			}))},
		{name: "failed connections on 139 from zeek", events: series(25, 2, func(i int, at time.Time) detect.Event {
			e := flow(at, wsIP, host(i), 139)
			e.Source, e.Product, e.Status = "zeek", "zeek:conn", "failure"
			return e
		}), want: []string{RuleSMBSpread}},
		{name: "admin share tool copy then spread", events: concat([]detect.Event{
			smbEv(sec(-2), wsIP, host(1), detect.SMB{Version: 2, Command: "WRITE", Share: `\\10.70.0.1\ADMIN$`, File: "PSEXESVC.exe"}),
		}, scan(wsIP, 20, 1, 445)), want: []string{RuleSMBToolTransfer, RuleSMBSpread},
			check: only(RuleSMBSpread, func(t *testing.T, d *detect.Detection) {
				if !slices.Contains(d.Attack, "T1570") {
					t.Errorf("attack %v lacks T1570", d.Attack)
				}
			})},
		{name: "clients of a file server", events: series(300, 0.1, func(i int, at time.Time) detect.Event {
			return smbEv(at, host(i), fileSrvIP, detect.SMB{Version: 3, Command: "READ", Share: "scans", File: "x.pdf"})
		})},
		{name: "one client, many files on one server", events: series(300, 0.1, func(i int, at time.Time) detect.Event {
			return smbEv(at, wsIP, fileSrvIP, detect.SMB{Version: 3, Command: "CREATE", Share: "home", File: "a.docx"})
		})},
		{name: "file server replies are not fan-out", events: series(40, 1, func(i int, at time.Time) detect.Event {
			e := flow(at, fileSrvIP, host(i), 51234)
			e.Src.Port = 445
			return e
		})},
		{name: "known scanner", cfg: func(c *Config) { c.IgnoreFanout = []netip.Prefix{netip.MustParsePrefix("10.60.0.0/28")} },
			events: scan(wsIP, 50, 0.1, 445)},
		{name: "slow over hours", events: scan(wsIP, 30, 600, 445)},
		{name: "EternalBlue FEA list", events: []detect.Event{smbEv(sec(0), rogueIP, ctIP, detect.SMB{Version: 1, Command: "TRANS2", Anomaly: "oversized-fea-list"})},
			want: []string{RuleSMBExploit, RuleSMBv1}, check: all(wantSeverity(RuleSMBExploit, "critical"), wantDevice(RuleSMBExploit, rogueIP.String()),
				wantDevice(RuleSMBv1, ctIP.String()), wantSeverity(RuleSMBv1, "medium"))},
		{name: "SMBGhost", events: []detect.Event{smbEv(sec(0), rogueIP, ctIP, detect.SMB{Version: 3, Command: "COMPRESSION_TRANSFORM", Anomaly: "compression-transform"})},
			want: []string{RuleSMBExploit}},
		{name: "SMBv1 session with a workstation", events: []detect.Event{smbEv(sec(0), wsIP, fileSrvIP, detect.SMB{Version: 1, Command: "SESSION_SETUP_ANDX"})},
			want: []string{RuleSMBv1}, check: all(wantSeverity(RuleSMBv1, "low"), wantDevice(RuleSMBv1, fileSrvIP.String()))},
		{name: "SMBv1-only negotiate", events: []detect.Event{smbEv(sec(0), ctIP, fileSrvIP, detect.SMB{Version: 1, Command: "NEGOTIATE", Dialects: []string{"PC NETWORK PROGRAM 1.0", "NT LM 0.12"}})},
			want: []string{RuleSMBv1}},
		{name: "multi-protocol negotiate offering SMB 2", events: []detect.Event{smbEv(sec(0), wsIP, fileSrvIP, detect.SMB{Version: 1, Command: "NEGOTIATE", Dialects: []string{"NT LM 0.12", "SMB 2.002", "SMB 2.???"}})}},
		{name: "SMB 3 session", events: []detect.Event{smbEv(sec(0), wsIP, fileSrvIP, detect.SMB{Version: 3, Command: "SESSION_SETUP", Dialects: []string{"3.1.1"}})}},
		{name: "document to a drive share", events: []detect.Event{smbEv(sec(0), wsIP, fileSrvIP, detect.SMB{Version: 3, Command: "WRITE", Share: "C$", File: `x\report.docx`})}},
		{name: "program to an ordinary share", events: []detect.Event{smbEv(sec(0), wsIP, fileSrvIP, detect.SMB{Version: 3, Command: "WRITE", Share: "software", File: "setup.exe"})}},
	})
}

func TestRansomware(t *testing.T) {
	renames := func(n int, step float64, from, to string) []detect.Event {
		return series(n, step, func(i int, at time.Time) detect.Event {
			p := `C:\Users\rad\Documents\DOE_JANE_report` + itoa(i) + from
			return fileEv(at, "ws-rad-07", "rename", p, p[:len(p)-len(from)]+to)
		})
	}
	writes := func(n int, activity string, distinct bool) []detect.Event {
		return series(n, 0.1, func(i int, at time.Time) detect.Event {
			p := `D:\data\file.dat`
			if distinct {
				p = `D:\data\file` + itoa(i) + ".dat"
			}
			return fileEv(at, "ws-rad-07", activity, p, "")
		})
	}
	runCases(t, []caseT{
		{name: "rename burst to a new extension", events: renames(40, 0.2, ".docx", ".docx.lockbit"), want: []string{RuleMassFileChange},
			check: all(wantDevice(RuleMassFileChange, "ws-rad-07"), only(RuleMassFileChange, func(t *testing.T, d *detect.Detection) {
				if !slices.Equal(d.Evidence["new_extensions"].([]string), []string{".lockbit"}) || d.Evidence["files_renamed_new_extension"] != 20 {
					t.Errorf("evidence %v", d.Evidence)
				}
			}))},
		{name: "ECS renames with the new name only", events: series(30, 0.05, func(i int, at time.Time) detect.Event {
			return fileEv(at, "ws-rad-07", "rename", `C:\Users\rad\Documents\report`+itoa(i)+".xlsx.lockbit", "")
		}), want: []string{RuleMassFileChange}},
		{name: "extension replaced", events: renames(25, 0.5, ".pdf", ".crypt"), want: []string{RuleMassFileChange}},
		{name: "encryption in place", events: writes(250, "write", true), want: []string{RuleMassFileChange}},
		{name: "encryption over SMB", events: series(30, 0.5, func(i int, at time.Time) detect.Event {
			return smbEv(at, wsIP, fileSrvIP, detect.SMB{Version: 3, Command: "SET_INFO", Share: "radiology", File: `reports\r` + itoa(i) + ".docx.akira"})
		}), want: []string{RuleMassFileChange}, check: wantDevice(RuleMassFileChange, wsIP.String())},
		{name: "backup job renames a few files", events: renames(5, 1, ".docx", ".docx.bak")},
		{name: "backup job renames many to .bak", events: renames(60, 0.1, ".docx", ".bak")},
		{name: "backup job creates thousands of files", events: writes(3000, "create", true)},
		{name: "office saves through temp files", events: series(40, 0.5, func(i int, at time.Time) detect.Event {
			return fileEv(at, "ws-rad-07", "rename", `C:\Users\rad\~WRL`+itoa(i)+".tmp", `C:\Users\rad\report`+itoa(i)+".docx")
		})},
		{name: "log file written repeatedly", events: writes(500, "write", false)},
		{name: "slow renames over an hour", events: renames(40, 120, ".docx", ".docx.lockbit")},
		{name: "ignored backup agent", cfg: func(c *Config) { c.IgnoreFileProcesses = []string{"SVCH0ST.EXE"} }, events: writes(300, "delete", true)},
	})
}

func TestInhibitRecovery(t *testing.T) {
	cmd := func(line, program string) []detect.Event { return []detect.Event{procEv(sec(0), line, program)} }
	winlog := detect.Event{Time: sec(0), Class: detect.ClassLog, Source: "syslog", Host: "ws-rad-07",
		Product: "Microsoft-Windows-Security-Auditing", Fields: map[string]string{
			"EventID": "4688", "NewProcessName": `C:\Windows\System32\wbadmin.exe`, "CommandLine": "wbadmin delete catalog -quiet"}}
	tests := []caseT{
		{name: "vssadmin delete shadows", events: cmd("vssadmin.exe delete shadows /all /quiet", `C:\Windows\System32\vssadmin.exe`), want: []string{RuleInhibitRecovery},
			check: only(RuleInhibitRecovery, func(t *testing.T, d *detect.Detection) {
				if d.Evidence["command"] != "vssadmin delete shadows" || d.Device != "ws-rad-07" || d.Severity != "critical" {
					t.Errorf("detection %+v", d)
				}
			})},
		{name: "through cmd, mixed case, dashes", events: cmd(`cmd.exe /c "VSSADMIN.EXE Delete Shadows -All -Quiet"`, `C:\Windows\System32\cmd.exe`), want: []string{RuleInhibitRecovery}},
		{name: "resize shadow storage", events: cmd("vssadmin resize shadowstorage /for=c: /on=c: /maxsize=401MB", ""), want: []string{RuleInhibitRecovery}},
		{name: "wmic", events: cmd("wmic shadowcopy delete /nointeractive", "wmic.exe"), want: []string{RuleInhibitRecovery}},
		{name: "wbadmin from a Windows 4688 log", events: []detect.Event{winlog}, want: []string{RuleInhibitRecovery}},
		{name: "bcdedit", events: cmd("bcdedit.exe /set {default} recoveryenabled No", ""), want: []string{RuleInhibitRecovery}},
		{name: "bcdedit boot status", events: cmd("bcdedit /set {default} bootstatuspolicy ignoreallfailures", ""), want: []string{RuleInhibitRecovery}},
		{name: "powershell", events: cmd(`powershell -c "Get-WmiObject Win32_Shadowcopy | ForEach-Object {$_.Delete();}"`, ""), want: []string{RuleInhibitRecovery}},
		{name: "caret escapes", events: cmd(`cmd /c v^ssadmin delete sha^dows /all`, ""), want: []string{RuleInhibitRecovery}},
		{name: "list shadows", events: cmd("vssadmin list shadows", "vssadmin.exe")},
		{name: "start a backup", events: cmd("wbadmin start backup -backupTarget:E: -include:C: -quiet", "wbadmin.exe")},
		{name: "bcdedit enum", events: cmd("bcdedit /enum all", "bcdedit.exe")},
		{name: "words in a file name", events: cmd(`notepad.exe "C:\notes\vssadmin delete shadows.txt"`, `C:\Windows\notepad.exe`)},
	}
	runCases(t, tests)
}

func TestInternet(t *testing.T) {
	dicomOut := dicomEv(sec(0), pacsIP, extPACS, 52000, 11112, detect.DICOM{CallingAE: "PACS_MAIN", CalledAE: "EXT_ARCHIVE", PDU: "P-DATA-TF", Command: "C-STORE-RQ", PatientData: true})
	runCases(t, []caseT{
		{name: "infusion pump to the internet", events: []detect.Event{flow(sec(0), pumpIP, inetIP, 443)},
			want: []string{RuleMedicalInternet}, check: all(wantSeverity(RuleMedicalInternet, "critical"), wantDevice(RuleMedicalInternet, pumpIP.String()))},
		{name: "blocked by the firewall", events: []detect.Event{func() detect.Event {
			e := flow(sec(0), pumpIP, inetIP, 443)
			e.Activity, e.Status = "deny", "failure"
			return e
		}()}, want: []string{RuleMedicalInternet}, check: wantSeverity(RuleMedicalInternet, "medium")},
		{name: "unknown address in a clinical network", cfg: func(c *Config) { c.ClinicalNets = []netip.Prefix{netip.MustParsePrefix("10.32.0.0/16")} },
			events: []detect.Event{flow(sec(0), netip.MustParseAddr("10.32.5.5"), inetIP, 8883)}, want: []string{RuleMedicalInternet}, check: wantSeverity(RuleMedicalInternet, "high")},
		{name: "repeats are throttled", events: series(100, 1, func(i int, at time.Time) detect.Event { return flow(at, pumpIP, inetIP, 443) }),
			want: []string{RuleMedicalInternet}, check: func(t *testing.T, ds []*detect.Detection) {
				if len(ds) != 1 {
					t.Errorf("%d detections, want 1 within the re-emit interval", len(ds))
				}
			}},
		{name: "workstation to the internet", events: []detect.Event{flow(sec(0), wsIP, inetIP, 443)}},
		{name: "pump to its server", events: []detect.Event{flow(sec(0), pumpIP, netip.MustParseAddr("10.32.0.2"), 443)}},
		{name: "approved vendor service", cfg: func(c *Config) { c.AllowInternet = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")} },
			events: []detect.Event{flow(sec(0), pumpIP, inetIP, 443)}},
		{name: "inbound from the internet", events: []detect.Event{flow(sec(0), inetIP, pumpIP, 443)}},
		{name: "DICOM with patient data to the internet", events: []detect.Event{dicomOut}, want: []string{RuleDICOMPHIOut, RuleMedicalInternet},
			check: all(wantSeverity(RuleDICOMPHIOut, "critical"), wantDevice(RuleDICOMPHIOut, pacsIP.String()), only(RuleDICOMPHIOut, func(t *testing.T, d *detect.Detection) {
				if d.Evidence["called_ae"] != "EXT_ARCHIVE" || !slices.Equal(d.Attack, []string{"T1048.003"}) {
					t.Errorf("detection %+v", d)
				}
			}))},
		{name: "DICOM flow to the internet", events: []detect.Event{func() detect.Event {
			e := flow(sec(0), pacsIP, extPACS, 11112)
			e.App, e.BytesOut = "dicom", 48213554
			return e
		}()}, want: []string{RuleDICOMOut, RuleMedicalInternet}},
		{name: "HL7 with patient data to the internet", events: []detect.Event{hl7Ev(sec(0), hisIP, inetIP, detect.HL7{SendingApp: "HIS_ADT", MessageType: "ADT^A01", PatientData: true})},
			want: []string{RuleHL7PHIOut}},
		{name: "DICOM with patient data inside", events: []detect.Event{dicomEv(sec(0), ctIP, pacsIP, 50000, 104, detect.DICOM{CallingAE: "CT_MC0101", CalledAE: "PACS_MAIN", PDU: "P-DATA-TF", PatientData: true})}},
	})
}

func TestDICOM(t *testing.T) {
	rj := func(at time.Time, calling string, reason, source int) detect.Event {
		e := dicomEv(at, pacsIP, rogueIP, 104, 50001, detect.DICOM{CallingAE: calling, CalledAE: "PACS_MAIN", PDU: "A-ASSOCIATE-RJ", RejectResult: 1, RejectSource: source, RejectReason: reason})
		e.Activity = "reject"
		return e
	}
	rq := func(src netip.Addr, calling string) detect.Event {
		return dicomEv(sec(0), src, pacsIP, 50001, 104, detect.DICOM{CallingAE: calling, CalledAE: "PACS_MAIN", PDU: "A-ASSOCIATE-RQ"})
	}
	off := false
	runCases(t, []caseT{
		{name: "calling AE not recognised", events: []detect.Event{rj(sec(0), "ROGUE_AE", 3, 1)}, want: []string{RuleDICOMRogueAE},
			check: all(wantDevice(RuleDICOMRogueAE, rogueIP.String()), wantSeverity(RuleDICOMRogueAE, "medium"))},
		{name: "rejection reported from the requester's side", events: []detect.Event{func() detect.Event {
			e := rj(sec(0), "ROGUE_AE", 3, 1)
			e.Src, e.Dst = e.Dst, e.Src
			return e
		}()}, want: []string{RuleDICOMRogueAE}, check: wantDevice(RuleDICOMRogueAE, rogueIP.String())},
		{name: "enumerating AE titles", events: []detect.Event{rj(sec(0), "A", 3, 1), rj(sec(1), "B", 3, 1), rj(sec(2), "C", 7, 1)},
			want: []string{RuleDICOMRogueAE}, check: wantSeverity(RuleDICOMRogueAE, "high")},
		{name: "provider congestion", events: []detect.Event{rj(sec(0), "CT_MC0101", 1, 3)}},
		{name: "no reason given", events: []detect.Event{rj(sec(0), "CT_MC0101", 1, 1)}},
		{name: "unknown AE title", events: []detect.Event{rq(rogueIP, "ROGUE_AE")}, want: []string{RuleDICOMUnknownAE}},
		{name: "known AE from its own address", events: []detect.Event{rq(ctIP, "CT_MC0101"), rq(ctIP, "CT_MC0101  ")}},
		{name: "known AE from another address", events: []detect.Event{rq(rogueIP, "CT_MC0101")}, want: []string{RuleDICOMAESpoof},
			check: wantSeverity(RuleDICOMAESpoof, "high")},
		{name: "address check off", cfg: func(c *Config) { c.CheckAEAddress = &off }, events: []detect.Event{rq(rogueIP, "CT_MC0101")}},
		{name: "no directory", cfg: func(c *Config) { c.Directory = nil }, events: []detect.Event{rq(rogueIP, "ROGUE_AE")}},
		{name: "normal C-ECHO and C-STORE", events: []detect.Event{
			rq(ctIP, "CT_MC0101"),
			dicomEv(sec(1), pacsIP, ctIP, 104, 50001, detect.DICOM{CallingAE: "CT_MC0101", CalledAE: "PACS_MAIN", PDU: "A-ASSOCIATE-AC"}),
			dicomEv(sec(2), ctIP, pacsIP, 50001, 104, detect.DICOM{PDU: "P-DATA-TF", Command: "C-STORE-RQ", PatientData: true}),
		}},
	})
}

func TestHL7(t *testing.T) {
	runCases(t, []caseT{
		{name: "known ADT sender and its ACK", events: []detect.Event{
			hl7Ev(sec(0), hisIP, lisIP, detect.HL7{SendingApp: "HIS_ADT", SendingFacility: "GENHOSP", MessageType: "ADT^A01", PatientData: true}),
			hl7Ev(sec(1), lisIP, hisIP, detect.HL7{SendingApp: "LIS", MessageType: "ACK^A01", AckCode: "AA"}),
			hl7Ev(sec(2), anaIP, lisIP, detect.HL7{SendingApp: "ANALYZER01", SendingFacility: "LAB", MessageType: "ORU^R01"}),
		}},
		{name: "unknown sender", events: []detect.Event{hl7Ev(sec(0), rogueIP, lisIP, detect.HL7{SendingApp: "UNKNOWN_APP", SendingFacility: "UNKNOWN_FAC", MessageType: "ADT^A08"})},
			want: []string{RuleHL7UnknownSender}, check: all(wantDevice(RuleHL7UnknownSender, rogueIP.String()), only(RuleHL7UnknownSender, func(t *testing.T, d *detect.Detection) {
				if d.Evidence["sending_app"] != "UNKNOWN_APP^UNKNOWN_FAC" {
					t.Errorf("evidence %v", d.Evidence)
				}
			}))},
		{name: "known application, other facility", events: []detect.Event{hl7Ev(sec(0), anaIP, lisIP, detect.HL7{SendingApp: "ANALYZER01", SendingFacility: "ELSEWHERE", MessageType: "ORU^R01"})},
			want: []string{RuleHL7UnknownSender}},
		{name: "reject ACK", events: []detect.Event{hl7Ev(sec(0), lisIP, rogueIP, detect.HL7{SendingApp: "LIS", MessageType: "ACK^A08", AckCode: "AR", ControlID: "MSG66666"})},
			want: []string{RuleHL7Rejected}, check: wantDevice(RuleHL7Rejected, rogueIP.String())},
		{name: "commit reject", events: []detect.Event{hl7Ev(sec(0), lisIP, rogueIP, detect.HL7{MessageType: "ACK", AckCode: "CR"})}, want: []string{RuleHL7Rejected}},
		{name: "application error is not a reject", events: []detect.Event{hl7Ev(sec(0), lisIP, hisIP, detect.HL7{SendingApp: "LIS", MessageType: "ACK", AckCode: "AE"})}},
	})
}

func TestAuth(t *testing.T) {
	fails := func(n int, step float64, user func(i int) string, src func(i int) netip.Addr) []detect.Event {
		return series(n, step, func(i int, at time.Time) detect.Event { return authEv(at, "failure", user(i), src(i)) })
	}
	same := func(s string) func(int) string { return func(int) string { return s } }
	from := func(a netip.Addr) func(int) netip.Addr { return func(int) netip.Addr { return a } }
	win := detect.Event{Time: sec(0), Class: detect.ClassLog, Source: "syslog", Host: "ws-rad-07",
		Fields: map[string]string{"EventID": "4625", "TargetUserName": "administrator", "IpAddress": "10.20.9.77", "LogonType": "3"}}
	winFails := series(12, 1, func(i int, at time.Time) detect.Event { e := win; e.Time = at; return e })
	runCases(t, []caseT{
		{name: "SSH password guessing", events: fails(12, 1, same("admin"), from(rogueIP)), want: []string{RuleBruteForce},
			check: all(wantDevice(RuleBruteForce, "ehr-app01"), wantSeverity(RuleBruteForce, "high"))},
		{name: "many accounts from one source", events: fails(10, 2, func(i int) string { return "user" + itoa(i) }, from(rogueIP)),
			want: []string{RulePasswordSpray}, check: all(wantDevice(RulePasswordSpray, rogueIP.String()), only(RulePasswordSpray, func(t *testing.T, d *detect.Detection) {
				if !slices.Equal(d.Attack, []string{"T1110.003"}) || d.Evidence["distinct_accounts"] != 8 {
					t.Errorf("detection %+v", d)
				}
			}))},
		{name: "one account from many sources", events: fails(10, 1, same("dr.smith"), host), want: []string{RuleBruteForce}},
		{name: "spraying hides the per-source count", events: fails(25, 1, func(i int) string { return "user" + itoa(i) }, from(rogueIP)),
			want: []string{RulePasswordSpray}},
		{name: "guessed, then in", events: concat(fails(10, 1, same("admin"), from(rogueIP)), []detect.Event{authEv(sec(30), "success", "admin", rogueIP)}),
			want: []string{RuleBruteForce, RuleBruteForceSuccess}, check: wantSeverity(RuleBruteForceSuccess, "critical")},
		{name: "Windows 4625 by event id", events: winFails, want: []string{RuleBruteForce}},
		{name: "a few typos then success", events: concat(fails(3, 2, same("nurse1"), from(wsIP)), []detect.Event{authEv(sec(10), "success", "nurse1", wsIP)})},
		{name: "failures spread over a day", events: fails(15, 3600, same("admin"), from(rogueIP))},
		{name: "success long after brute force", events: concat(fails(10, 1, same("admin"), from(rogueIP)), []detect.Event{authEv(sec(7200), "success", "admin", rogueIP)}),
			want: []string{RuleBruteForce}},
	})
}

func TestFirmware(t *testing.T) {
	fw := func(signed string) detect.Event {
		return detect.Event{Time: sec(0), Class: detect.ClassLog, Activity: "firmware-install", Source: "syslog", Host: "pump-gw01.genhosp.example",
			Product: "devmgr", File: &detect.File{Signed: signed}, Fields: map[string]string{"device_id": "PUMP-0043", "model": "SYNTH-IP100", "from": "3.1.4", "to": "3.1.4-custom", "signature": "missing"}}
	}
	resolved := fw("no")
	resolved.Src = detect.Endpoint{IP: pumpIP, DeviceID: 3}
	launch := procEv(sec(0), "tool.exe", `C:\tmp\tool.exe`)
	launch.File = &detect.File{Path: `C:\tmp\tool.exe`, Signed: "no"}
	runCases(t, []caseT{
		{name: "unsigned firmware", events: []detect.Event{fw("no")}, want: []string{RuleUnsignedFirmware},
			check: all(wantDevice(RuleUnsignedFirmware, "PUMP-0043"), wantSeverity(RuleUnsignedFirmware, "high"))},
		{name: "unsigned firmware on a life-sustaining device", events: []detect.Event{resolved}, want: []string{RuleUnsignedFirmware},
			check: all(wantDevice(RuleUnsignedFirmware, "3"), wantSeverity(RuleUnsignedFirmware, "critical"))},
		{name: "firmware image by extension", events: []detect.Event{{Time: sec(0), Class: detect.ClassFileActivity, Activity: "create", Host: "mon-07",
			File: &detect.File{Path: "/update/mx800-M.00.04.fw", Signed: "no"}}}, want: []string{RuleUnsignedFirmware}},
		{name: "signed firmware", events: []detect.Event{fw("yes")}},
		{name: "signature unknown", events: []detect.Event{fw("")}},
		{name: "unsigned program launch", events: []detect.Event{launch}},
	})
}

func TestConfigRejectsNegative(t *testing.T) {
	if _, err := All(Config{SMBFanout: -1}); err == nil {
		t.Error("negative threshold accepted")
	}
	if _, err := All(Config{FileWindow: -time.Second}); err == nil {
		t.Error("negative window accepted")
	}
}

func itoa(i int) string {
	return string(rune('a'+i/26%26)) + string(rune('a'+i%26)) + string(rune('0'+i/676%10))
}
