// Package cli is the airtight command tree. main calls Run; everything else,
// including the wiring of the server (app.go), lives here so that commands
// can be tested end to end without building the binary.
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
)

// Version is set at build time with -ldflags "-X github.com/airtight/airtight/internal/cli.Version=v1.2.3".
var Version = "dev"

// env is the process environment as the commands see it.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// Run runs the airtight command line with args (without the program name).
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	return e.run(args)
}

func (e *env) run(args []string) error {
	root := e.rootCommand()
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(e.ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "airtight: %s\n", userMessage(err))
	}
	return err
}

// userMessage is what the CLI prints for err: the application message for
// application errors (with their details), the full text otherwise (the CLI
// runs on the server machine, for its operator).
func userMessage(err error) string {
	if airtight.ErrorCode(err) == airtight.EInternal {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(airtight.ErrorMessage(err))
	for _, d := range airtight.ErrorDetails(err) {
		b.WriteString("\n  ")
		if d.Line > 0 {
			fmt.Fprintf(&b, "line %d: ", d.Line)
		}
		if d.Field != "" {
			b.WriteString(d.Field + ": ")
		}
		b.WriteString(d.Message)
	}
	return b.String()
}

func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "airtight",
		Short:         "Security for connected medical devices and patient data",
		Long:          "airtight inventories a hospital's connected medical devices, tracks their vulnerabilities,\nprevents patient-data loss, detects attacks and manages device identity, in one binary.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	addConfigFlags(root.PersistentFlags())
	root.AddCommand(
		e.serveCommand(), e.demoCommand(), e.versionCommand(), e.orgCommand(),
		e.userCommand(), e.tokenCommand(), e.deviceCommand(), e.auditCommand(),
		e.updateCommand(), e.caCommand(),
		e.dlpCommand(),
		e.detectCommand(),
		e.vulnCommand(),
	)
	return root
}

func (e *env) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(e.stdout, "airtight %s\n", buildVersion())
			return nil
		},
	}
}

func buildVersion() string {
	v := Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		v += " " + bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
	}
	return v
}

// config loads the configuration for cmd.
func (e *env) config(cmd *cobra.Command) (*Config, error) {
	return loadConfig(cmd, e.getenv)
}

// logger builds the process logger from the configuration.
func (e *env) logger(c *Config) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

// output formats: table or json.
func addOutputFlag(cmd *cobra.Command) {
	cmd.Flags().StringP("output", "o", "table", "output format: table or json")
}

// printData writes v as indented JSON or, for tables, the given rows.
func (e *env) printData(cmd *cobra.Command, v any, header []string, rows [][]string) error {
	format, _ := cmd.Flags().GetString("output")
	switch format {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "table":
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(header, "\t"))
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		return tw.Flush()
	default:
		return airtight.Errorf(airtight.EInvalid, "--output must be table or json")
	}
}
