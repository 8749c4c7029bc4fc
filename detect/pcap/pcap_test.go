package pcap

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/shareddata"
)

func readBytes(t testing.TB, b []byte, opts Options) ([]detect.Event, Stats) {
	t.Helper()
	var evs []detect.Event
	st, err := Read(context.Background(), bytes.NewReader(b), detect.SinkFunc(func(e *detect.Event) { evs = append(evs, *e) }), opts)
	if err != nil {
		t.Fatal(err)
	}
	return evs, st
}

func ofClass(evs []detect.Event, c detect.Class) []detect.Event {
	var out []detect.Event
	for _, e := range evs {
		if e.Class == c {
			out = append(out, e)
		}
	}
	return out
}

// dicomSummary is what the DICOM assertions compare.
type dicomSummary struct {
	Src, Dst                        string
	Calling, Called, PDU, Command   string
	Patient, Identity               bool
	RejResult, RejSource, RejReason int
}

func summarize(evs []detect.Event) []dicomSummary {
	var out []dicomSummary
	for _, e := range ofClass(evs, detect.ClassDICOMActivity) {
		d := e.DICOM
		out = append(out, dicomSummary{
			Src: e.Src.IP.String(), Dst: e.Dst.IP.String() + ":" + itoa(e.Dst.Port),
			Calling: d.CallingAE, Called: d.CalledAE, PDU: d.PDU, Command: d.Command,
			Patient: d.PatientData, Identity: d.UserIdentity,
			RejResult: d.RejectResult, RejSource: d.RejectSource, RejReason: d.RejectReason,
		})
	}
	return out
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }

func TestDICOMHospital(t *testing.T) {
	evs, st := collect(t, shareddata.Dir(t, "detect", "synthetic", "dicom", "dicom_hospital_synthetic.pcap"), Options{})
	ct := func(pdu, cmd string, patient bool) dicomSummary {
		return dicomSummary{Src: "10.20.1.21", Dst: "10.20.5.10:104", Calling: "CT_SCANNER01", Called: "PACS_MAIN", PDU: pdu, Command: cmd, Patient: patient}
	}
	ext := func(pdu, cmd string, patient bool) dicomSummary {
		return dicomSummary{Src: "10.20.5.10", Dst: "203.0.113.50:11112", Calling: "PACS_MAIN", Called: "EXT_ARCHIVE", PDU: pdu, Command: cmd, Patient: patient}
	}
	mr := func(pdu string) dicomSummary {
		return dicomSummary{Src: "10.20.1.22", Dst: "10.20.5.10:104", Calling: "MR_SCANNER02", Called: "PACS_MAIN", PDU: pdu}
	}
	rogue := dicomSummary{Src: "10.20.9.77", Dst: "10.20.5.10:104", Calling: "ROGUE_AE", Called: "PACS_MAIN"}
	rj := rogue
	rj.PDU, rj.RejResult, rj.RejSource, rj.RejReason = "A-ASSOCIATE-RJ", 1, 1, 3
	rogue.PDU = "A-ASSOCIATE-RQ"
	want := []dicomSummary{
		ct("A-ASSOCIATE-RQ", "", false), ct("A-ASSOCIATE-AC", "", false),
		ct("P-DATA-TF", "C-ECHO-RQ", false), ct("P-DATA-TF", "C-ECHO-RSP", false),
		ct("P-DATA-TF", "C-STORE-RQ", true), ct("P-DATA-TF", "C-STORE-RSP", false),
		ct("A-RELEASE-RQ", "", false), ct("A-RELEASE-RP", "", false),
		rogue, rj,
		ext("A-ASSOCIATE-RQ", "", false), ext("A-ASSOCIATE-AC", "", false),
		ext("P-DATA-TF", "C-STORE-RQ", true), ext("P-DATA-TF", "C-STORE-RSP", false),
		ext("A-RELEASE-RQ", "", false), ext("A-RELEASE-RP", "", false),
		mr("A-ASSOCIATE-RQ"), mr("A-ASSOCIATE-AC"), mr("A-ABORT"),
	}
	if got := summarize(evs); !slices.Equal(got, want) {
		t.Fatalf("DICOM events:\n got %+v\nwant %+v", got, want)
	}
	flows := ofClass(evs, detect.ClassNetworkActivity)
	if st.Flows != 4 || len(flows) != 4 || st.DecodeErrors != 0 || st.AppErrors != 0 || st.ReassemblyDrops != 0 {
		t.Fatalf("stats %+v, %d flow events", st, len(flows))
	}
	for _, f := range flows {
		if f.App != "dicom" || f.Protocol != "tcp" || f.Packets == 0 || f.BytesOut == 0 || f.Time.IsZero() {
			t.Errorf("flow %+v", f)
		}
	}
	if last := flows[3]; last.Src.Port != 49200 || last.Fields["end_reason"] != "rst" {
		t.Errorf("MR_SCANNER02 flow should end in RST: %+v", last)
	}
	for _, e := range ofClass(evs, detect.ClassDICOMActivity) {
		if e.DICOM.Command == "C-STORE-RQ" && e.Dst.Port == 11112 && e.Fields["dicom.move_originator_ae"] != "CT_SCANNER01" {
			t.Errorf("move originator missing: %+v", e.Fields)
		}
	}
}

func TestDICOMPynetdicom(t *testing.T) {
	evs, st := collect(t, shareddata.Dir(t, "detect", "synthetic", "dicom", "dicom_pynetdicom_pdus.pcap"), Options{})
	var cmds, identity []string
	for _, e := range ofClass(evs, detect.ClassDICOMActivity) {
		cmds = append(cmds, e.DICOM.CallingAE+">"+e.DICOM.CalledAE+" "+e.DICOM.PDU+" "+e.DICOM.Command)
		if e.DICOM.UserIdentity {
			identity = append(identity, e.DICOM.PDU)
		}
	}
	want := []string{
		"ECHOSCU>ANY-SCP A-ASSOCIATE-RQ ", "ECHOSCU>ANY-SCP A-ASSOCIATE-AC ",
		"ECHOSCU>ANY-SCP P-DATA-TF C-ECHO-RQ", "ECHOSCU>ANY-SCP P-DATA-TF C-ECHO-RSP",
		"ECHOSCU>ANY-SCP A-RELEASE-RQ ", "ECHOSCU>ANY-SCP A-RELEASE-RP ",
		"STORESCU>ANY-SCP A-ASSOCIATE-RQ ", "STORESCU>ANY-SCP A-ASSOCIATE-RJ ",
	}
	if !slices.Equal(cmds, want) || !slices.Equal(identity, []string{"A-ASSOCIATE-RQ", "A-ASSOCIATE-RJ"}) {
		t.Fatalf("got %q, user identity on %q", cmds, identity)
	}
	if st.Flows != 2 || st.AppErrors != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestHL7(t *testing.T) {
	evs, st := collect(t, shareddata.Dir(t, "detect", "synthetic", "hl7", "hl7_mllp_synthetic.pcap"), Options{})
	var got []string
	for _, e := range ofClass(evs, detect.ClassHL7Activity) {
		h := e.HL7
		got = append(got, strings.Join([]string{e.Src.IP.String(), e.Activity, e.Status, h.SendingApp, h.MessageType, h.ControlID, h.Version, h.AckCode, boolStr(h.PatientData)}, " "))
	}
	want := []string{
		"10.20.2.5 message  HIS_ADT ADT^A01 MSG00001 2.5.1  PID",
		"10.20.2.5 ack success LIS ACK^A01 ACK00001 2.5.1 AA -",
		"10.20.3.40 message  ANALYZER01 ORU^R01 MSG00002 2.5.1  PID",
		"10.20.3.40 ack success LIS ACK^R01 ACK00002 2.5.1 AA -",
		"10.20.9.77 message  UNKNOWN_APP ADT^A08 MSG66666 2.3  PID",
		"10.20.9.77 ack failure LIS ACK^A08 ACK66666 2.3 AR -",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("HL7 events:\n got %q\nwant %q", got, want)
	}
	if st.Flows != 3 || st.AppErrors != 0 || st.DecodeErrors != 0 {
		t.Fatalf("stats %+v", st)
	}
	for _, f := range ofClass(evs, detect.ClassNetworkActivity) {
		if f.App != "hl7" || f.Dst.Port != 2575 {
			t.Errorf("flow %+v", f)
		}
	}
}

func boolStr(b bool) string {
	if b {
		return "PID"
	}
	return "-"
}

func TestZeekTraces(t *testing.T) {
	tests := []struct {
		file  string
		flows int64
		check func(t *testing.T, evs []detect.Event)
	}{
		{"smb_smb1_transaction_request.pcap", 1, func(t *testing.T, evs []detect.Event) {
			smb := ofClass(evs, detect.ClassSMBActivity)
			want := []string{"1 request NEGOTIATE NT LM 0.12"}
			if len(smb) < 7 || smbLine(smb[0]) != want[0] {
				t.Fatalf("first SMB event %q", smbLine(smb[0]))
			}
			if l := smbLine(smb[1]); l != "1 response NEGOTIATE NT LM 0.12" {
				t.Errorf("negotiate response %q", l)
			}
			tr := smb[6].SMB
			if tr.Command != "TRANSACTION" || tr.File != `\\PIPE\lsarpc` || tr.Share != `\\WIN2K\IPC$` {
				t.Errorf("transaction %+v", tr)
			}
		}},
		{"smb_smb1.pcap", 1, func(t *testing.T, evs []detect.Event) {
			var files []string
			for _, e := range ofClass(evs, detect.ClassSMBActivity) {
				if e.SMB.Command == "CREATE" && e.SMB.Version == 2 && e.SMB.File != "" {
					files = append(files, e.SMB.File)
				}
			}
			files = slices.Compact(files)
			if !slices.Equal(files, []string{"Test", `Test\2009-12 Payroll.xlsx`}) {
				t.Errorf("files opened %q (the trace is SMB2 picked up mid-session)", files)
			}
		}},
		{"smb_SMBGhost.pcap", 1, func(t *testing.T, evs []detect.Event) {
			smb := ofClass(evs, detect.ClassSMBActivity)
			if len(smb) != 2 || smb[1].SMB.Dialects[0] != "3.1.1" || smb[1].Fields["smb.compression_algorithms"] != "LZNT1" || smb[1].SMB.Version != 3 {
				t.Fatalf("SMBGhost trace: want a 3.1.1 negotiation with LZNT1 compression, got %+v", smb)
			}
		}},
		{"ssh_single-conn.pcap", 1, appIs("ssh")},
		{"syslog-single-udp.pcap", 1, appIs("syslog")},
		{"tcp-syslog.pcap", 1, appIs("syslog")},
		{"dce-rpc_dce_rpc_ntlm.pcapng", 2, nil},
		{"rdp_rdp-proprietary-encryption.pcap", 2, appIs("rdp")},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			evs, st := collect(t, shareddata.Dir(t, "detect", "pcap", "zeek-traces", tt.file), Options{})
			if st.DecodeErrors != 0 || st.AppErrors != 0 || st.Flows != tt.flows || st.Packets == 0 {
				t.Fatalf("stats %+v, want %d flows and no errors", st, tt.flows)
			}
			if n := len(ofClass(evs, detect.ClassNetworkActivity)); int64(n) != st.Flows {
				t.Fatalf("%d flow events for %d flows", n, st.Flows)
			}
			if tt.check != nil {
				tt.check(t, evs)
			}
		})
	}
}

func appIs(app string) func(t *testing.T, evs []detect.Event) {
	return func(t *testing.T, evs []detect.Event) {
		for _, e := range ofClass(evs, detect.ClassNetworkActivity) {
			if e.App != app {
				t.Errorf("flow %s:%d→%s:%d app %q, want %q", e.Src.IP, e.Src.Port, e.Dst.IP, e.Dst.Port, e.App, app)
			}
		}
	}
}

func smbLine(e detect.Event) string {
	return itoa(uint16(e.SMB.Version)) + " " + e.Activity + " " + e.SMB.Command + " " + strings.Join(e.SMB.Dialects, "|")
}

// TestNoPHI runs every synthetic capture with debug logging and checks
// that no patient value or credential reaches events or logs.
func TestNoPHI(t *testing.T) {
	secrets := []string{"DOE^JANE", "DOE", "ROE^RICHARD", "SYN0001", "SYN0002", "p4ssw0rd", "pynetdicom"}
	var logs bytes.Buffer
	opts := Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	var all []byte
	for _, f := range []string{"synthetic/dicom/dicom_hospital_synthetic.pcap", "synthetic/dicom/dicom_pynetdicom_pdus.pcap", "synthetic/hl7/hl7_mllp_synthetic.pcap"} {
		evs, _ := collect(t, shareddata.Dir(t, "detect", f), opts)
		b, err := json.Marshal(evs)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if !bytes.Contains(all, []byte(`"patient_data":true`)) {
		t.Fatal("no patient data flagged: the test would prove nothing")
	}
	for _, s := range secrets {
		if bytes.Contains(all, []byte(s)) || bytes.Contains(logs.Bytes(), []byte(s)) {
			t.Errorf("%q appears in events or logs", s)
		}
	}
}
