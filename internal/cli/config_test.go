package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

// configFor parses args on a command carrying the global flags and resolves
// the configuration with the given environment.
func configFor(t *testing.T, args []string, vars map[string]string) (*Config, error) {
	t.Helper()
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	addConfigFlags(cmd.Flags())
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	return loadConfig(cmd, func(k string) string { return vars[k] })
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "airtight.yaml")
	if err := os.WriteFile(file, []byte("addr: file:1\nlog_level: warn\ndatabase: postgres://file/db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want Config
	}{
		{
			name: "defaults",
			args: []string{"--data", filepath.Join(dir, "empty")},
			want: Config{Data: filepath.Join(dir, "empty"), TLS: "auto", LogLevel: "info", LogFormat: "text"},
		},
		{
			name: "file over default",
			args: []string{"--config", file},
			want: Config{Data: "./airtight-data", Database: "postgres://file/db", Addr: "file:1", TLS: "auto", LogLevel: "warn", LogFormat: "text"},
		},
		{
			name: "env over file",
			args: []string{"--config", file},
			env:  map[string]string{"AIRTIGHT_ADDR": "env:2", "AIRTIGHT_LOG_FORMAT": "json"},
			want: Config{Data: "./airtight-data", Database: "postgres://file/db", Addr: "env:2", TLS: "auto", LogLevel: "warn", LogFormat: "json"},
		},
		{
			name: "flag over env",
			args: []string{"--config", file, "--addr", "flag:3"},
			env:  map[string]string{"AIRTIGHT_ADDR": "env:2"},
			want: Config{Data: "./airtight-data", Database: "postgres://file/db", Addr: "flag:3", TLS: "auto", LogLevel: "warn", LogFormat: "text"},
		},
		{
			name: "file found in data dir",
			args: []string{"--data", dir},
			want: Config{Data: dir, Database: "postgres://file/db", Addr: "file:1", TLS: "auto", LogLevel: "warn", LogFormat: "text"},
		},
		{
			name: "config file from env",
			env:  map[string]string{"AIRTIGHT_CONFIG": file},
			want: Config{Data: "./airtight-data", Database: "postgres://file/db", Addr: "file:1", TLS: "auto", LogLevel: "warn", LogFormat: "text"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := configFor(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("adr: typo\n"), 0o600)
	tests := []struct {
		name string
		args []string
	}{
		{"unknown yaml key", []string{"--config", bad}},
		{"missing explicit file", []string{"--config", filepath.Join(dir, "nope.yaml")}},
		{"bad tls mode", []string{"--data", dir, "--tls", "maybe"}},
		{"cert without key", []string{"--data", dir, "--tls-cert", "c.pem"}},
		{"bad log format", []string{"--data", dir, "--log-format", "xml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := configFor(t, tc.args, nil); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestDatabaseURL(t *testing.T) {
	c := Config{Data: "/var/lib/airtight"}
	if got := c.DatabaseURL(); got != "/var/lib/airtight/airtight.db" {
		t.Errorf("default = %q", got)
	}
	c.Database = "postgres://h/db"
	if got := c.DatabaseURL(); got != "postgres://h/db" {
		t.Errorf("explicit = %q", got)
	}
}
