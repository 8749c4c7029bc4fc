package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/builtin"
	"github.com/airtight/airtight/detect/ingest"
	"github.com/airtight/airtight/detect/pcap"
	"github.com/airtight/airtight/detect/pipeline"
	"github.com/airtight/airtight/detect/sigma"
)

// maxReplayEvents bounds one replay: events are sorted by time before the
// detectors see them, so they are held in memory.
const maxReplayEvents = 5_000_000

func (e *env) detectCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "detect", Short: "Detect attacks in network captures and logs"}
	cmd.AddCommand(e.detectReplayCommand())
	return cmd
}

const detectReplayHelp = `Replay captures and logs through airtight's detections, offline, and print
the alerts.

Each FILE's format is detected from its content: pcap and pcapng captures
(TCP reassembled; DICOM, HL7 over MLLP and SMB analysed), Zeek logs (TSV or
JSON), Suricata EVE JSON, syslog (RFC 5424 and 3164), NetFlow v5/v9 and
IPFIX export packets, and JSON lines (ECS, Windows events, airtight's own
OCSF events). Events from every file are merged in time order and run
through the built-in healthcare detections (SMB worm spread and exploits,
ransomware behaviour, medical devices talking to the internet, rogue DICOM
AE titles, unknown HL7 senders, patient data sent out over DICOM, brute
force, unsigned firmware) and the Sigma rules of --rules.

--inventory names a device CSV (the format of 'airtight device export';
at least the columns asset_tag, ip, ae_title or hl7_app help): alerts then
name inventory devices, and the detections that need the inventory
(unknown AE title, unknown HL7 sender) run.

Output (-o): "table" (default) or "json": one JSON object per line per
alert with rule, title, author (Sigma rules), severity, device (inventory
id or IP address), attack (MITRE ATT&CK technique ids), first_seen,
last_seen, count, summary, action and evidence. Alerts based on Sigma rules
keep the rule's author, as the Detection Rule License requires.

Exit status: 0 when there is no alert, 1 when there are alerts, 2 on
errors (an unreadable or unrecognised file, a bad rule directory).`

func (e *env) detectReplayCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "replay [flags] FILE...",
		Short: "Replay captures and logs through the detections (exit 1 on alerts)",
		Long:  detectReplayHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			return withStatus(cobra.MinimumNArgs(1)(cmd, args))
		},
		RunE: func(cmd *cobra.Command, args []string) error { return withStatus(e.detectReplay(cmd, args)) },
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withStatus(err) })
	addOutputFlag(cmd)
	cmd.Flags().StringArray("rules", nil, "directory of Sigma rules (repeatable)")
	cmd.Flags().String("inventory", "", "device inventory CSV")
	return cmd
}

func (e *env) detectReplay(cmd *cobra.Command, files []string) error {
	format, _ := cmd.Flags().GetString("output")
	if format != "table" && format != "json" {
		return fmt.Errorf("-o must be table or json")
	}
	cfg, err := e.replayConfig(cmd)
	if err != nil {
		return err
	}
	events, err := e.readReplayFiles(files)
	if err != nil {
		return err
	}
	alerts, _, err := pipeline.Replay(e.ctx, cfg, events)
	if err != nil {
		return err
	}
	if err := writeDetections(e.stdout, format, alerts); err != nil {
		return err
	}
	if len(alerts) > 0 {
		return &exitStatusError{status: exitFindings, err: fmt.Errorf("%d alert(s)", len(alerts))}
	}
	return nil
}

// replayConfig builds the directory and detectors of a replay.
func (e *env) replayConfig(cmd *cobra.Command) (pipeline.Config, error) {
	var cfg pipeline.Config
	inv, _ := cmd.Flags().GetString("inventory")
	if inv != "" {
		dir, err := loadDirectory(inv)
		if err != nil {
			return cfg, err
		}
		cfg.Directory = dir
	}
	bcfg := builtin.Config{}
	if cfg.Directory != nil {
		bcfg.Directory = cfg.Directory
	}
	dets, err := builtin.All(bcfg)
	if err != nil {
		return cfg, fmt.Errorf("built-in detections: %w", err)
	}
	dirs, _ := cmd.Flags().GetStringArray("rules")
	if len(dirs) > 0 {
		eng, err := e.loadSigma(dirs)
		if err != nil {
			return cfg, err
		}
		dets = append(dets, eng)
	}
	cfg.Detectors = dets
	return cfg, nil
}

func loadDirectory(path string) (*detect.MemDirectory, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dir, err := pipeline.LoadInventory(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return dir, nil
}

// loadSigma loads the rule directories. Rules that cannot be used are
// listed on standard error; the others run.
func (e *env) loadSigma(dirs []string) (*sigma.Engine, error) {
	var rules []*sigma.Rule
	var rejected []sigma.Rejection
	for _, d := range dirs {
		rs, rej, err := sigma.LoadDir(d, sigma.Config{})
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", d, err)
		}
		rules, rejected = append(rules, rs...), append(rejected, rej...)
	}
	eng, rej := sigma.NewEngine(rules, sigma.Options{})
	rejected = append(rejected, rej...)
	for _, r := range rejected {
		fmt.Fprintf(e.stderr, "airtight: rule not loaded: %v\n", r)
	}
	if len(rules) == 0 {
		return nil, errors.New("no usable Sigma rules in " + strings.Join(dirs, ", "))
	}
	return eng, nil
}

// readReplayFiles reads every file into events.
func (e *env) readReplayFiles(files []string) ([]detect.Event, error) {
	in := newIngest()
	var events []detect.Event
	var overflow bool
	sink := detect.SinkFunc(func(ev *detect.Event) {
		if len(events) >= maxReplayEvents {
			overflow = true
			return
		}
		events = append(events, *ev)
	})
	for _, name := range files {
		if err := e.readReplayFile(in, name, sink); err != nil {
			return nil, err
		}
	}
	if overflow {
		return nil, fmt.Errorf("more than %d events: replay fewer files at a time", maxReplayEvents)
	}
	return events, nil
}

func (e *env) readReplayFile(in *ingest.Ingest, name string, sink detect.Sink) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := in.ReadFile(e.ctx, name, f, sink)
	if err != nil {
		return err
	}
	for _, bad := range st.Errors {
		fmt.Fprintf(e.stderr, "airtight: skipped: %v\n", bad)
	}
	if st.Bad > int64(len(st.Errors)) {
		fmt.Fprintf(e.stderr, "airtight: %s: %d record(s) skipped in all\n", name, st.Bad)
	}
	return nil
}

// newIngest is the one file reader of every input: the log and flow
// parsers plus packet captures.
func newIngest() *ingest.Ingest {
	in := ingest.New(ingest.Options{})
	readPcap := func(ctx context.Context, r io.Reader, s detect.Sink) error {
		_, err := pcap.Read(ctx, r, s, pcap.DefaultOptions())
		return err
	}
	in.Register(ingest.Pcap, readPcap)
	in.Register(ingest.PcapNG, readPcap)
	return in
}

// detectionLine is the JSON line of one alert.
type detectionLine struct {
	Rule      string         `json:"rule"`
	Title     string         `json:"title"`
	Author    string         `json:"author,omitempty"`
	Severity  string         `json:"severity"`
	Device    string         `json:"device"`
	Attack    []string       `json:"attack"`
	FirstSeen time.Time      `json:"first_seen"`
	LastSeen  time.Time      `json:"last_seen"`
	Count     int            `json:"count"`
	Summary   string         `json:"summary,omitempty"`
	Action    string         `json:"action,omitempty"`
	Evidence  map[string]any `json:"evidence,omitempty"`
}

func writeDetections(w io.Writer, format string, ds []detect.Detection) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		for _, d := range ds {
			attack := d.Attack
			if attack == nil {
				attack = []string{}
			}
			if err := enc.Encode(detectionLine{Rule: d.Rule, Title: d.Title, Author: d.Author, Severity: string(d.Severity),
				Device: d.Device, Attack: attack, FirstSeen: d.FirstSeen, LastSeen: d.LastSeen, Count: d.Count,
				Summary: d.Summary, Action: d.Action, Evidence: d.Evidence}); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tRULE\tTITLE\tDEVICE\tATT&CK\tCOUNT\tFIRST SEEN")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Severity, d.Rule, d.Title, dash(d.Device), dash(strings.Join(d.Attack, ",")),
			strconv.Itoa(d.Count), d.FirstSeen.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}
