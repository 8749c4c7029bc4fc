package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// Config is the server's configuration. Each setting comes from, in order of
// precedence: a command-line flag, an AIRTIGHT_* environment variable, the
// YAML file (--config, else <data>/airtight.yaml if it exists), the default.
type Config struct {
	Data      string `yaml:"data"`       // --data, AIRTIGHT_DATA
	Database  string `yaml:"database"`   // --database, AIRTIGHT_DATABASE
	Addr      string `yaml:"addr"`       // --addr, AIRTIGHT_ADDR
	TLS       string `yaml:"tls"`        // --tls auto|off, AIRTIGHT_TLS
	TLSCert   string `yaml:"tls_cert"`   // --tls-cert, AIRTIGHT_TLS_CERT
	TLSKey    string `yaml:"tls_key"`    // --tls-key, AIRTIGHT_TLS_KEY
	LogLevel  string `yaml:"log_level"`  // --log-level, AIRTIGHT_LOG_LEVEL
	LogFormat string `yaml:"log_format"` // --log-format text|json, AIRTIGHT_LOG_FORMAT
	PublicURL string `yaml:"public_url"` // --public-url, AIRTIGHT_PUBLIC_URL
	ESTAddr   string `yaml:"est_addr"`   // --est-addr, AIRTIGHT_EST_ADDR

	// Alert notifications.
	NotifyWebhook       string `yaml:"notify_webhook"`        // URL alerts are POSTed to
	NotifyWebhookSecret string `yaml:"notify_webhook_secret"` // file holding the HMAC secret
	NotifySyslog        string `yaml:"notify_syslog"`         // udp://, tcp:// or tls://host:port (CEF)
	NotifyMailRelay     string `yaml:"notify_mail_relay"`     // host:port of an SMTP relay
	NotifyMailFrom      string `yaml:"notify_mail_from"`
	NotifyMailTo        string `yaml:"notify_mail_to"`      // comma-separated
	NotifyMinSeverity   string `yaml:"notify_min_severity"` // default low
}

// setting binds one configuration key to its flag, variable and YAML field.
type setting struct {
	flag  string
	field func(*Config) *string
	def   string
	usage string
}

var settings = []setting{
	{"data", func(c *Config) *string { return &c.Data }, "./airtight-data", "data directory (SQLite database, TLS files, config)"},
	{"database", func(c *Config) *string { return &c.Database }, "", "database URL: postgres://... (default: SQLite in the data directory)"},
	{"addr", func(c *Config) *string { return &c.Addr }, "", "listen address (serve: :8443; demo: 127.0.0.1:8080)"},
	{"tls", func(c *Config) *string { return &c.TLS }, "auto", "TLS: auto (certificate files if given, else self-signed) or off"},
	{"tls-cert", func(c *Config) *string { return &c.TLSCert }, "", "TLS certificate file (PEM)"},
	{"tls-key", func(c *Config) *string { return &c.TLSKey }, "", "TLS private key file (PEM)"},
	{"log-level", func(c *Config) *string { return &c.LogLevel }, "info", "log level: debug, info, warn, error"},
	{"log-format", func(c *Config) *string { return &c.LogFormat }, "text", "log format: text or json"},
	{"public-url", func(c *Config) *string { return &c.PublicURL }, "", "base URL devices reach the server at, written into certificates for CRL and OCSP (default: the server's own URL)"},
	{"est-addr", func(c *Config) *string { return &c.ESTAddr }, "", "listen address of the EST endpoint that accepts device client certificates (factory identities, re-enrollment); off when empty"},
	{"notify-webhook", func(c *Config) *string { return &c.NotifyWebhook }, "", "URL that alerts are POSTed to as JSON when they open or escalate"},
	{"notify-webhook-secret", func(c *Config) *string { return &c.NotifyWebhookSecret }, "", "file holding the webhook's HMAC-SHA256 secret (header X-Airtight-Signature)"},
	{"notify-syslog", func(c *Config) *string { return &c.NotifySyslog }, "", "SIEM address for alerts as syslog CEF: udp://, tcp:// or tls://host:port"},
	{"notify-mail-relay", func(c *Config) *string { return &c.NotifyMailRelay }, "", "SMTP relay host:port for alert e-mails"},
	{"notify-mail-from", func(c *Config) *string { return &c.NotifyMailFrom }, "", "sender address of alert e-mails"},
	{"notify-mail-to", func(c *Config) *string { return &c.NotifyMailTo }, "", "recipients of alert e-mails, comma-separated"},
	{"notify-min-severity", func(c *Config) *string { return &c.NotifyMinSeverity }, "", "lowest alert severity that is notified: info, low (when empty), medium, high, critical"},
}

// envName returns the environment variable of a flag: data → AIRTIGHT_DATA.
func envName(flag string) string {
	return "AIRTIGHT_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// addConfigFlags registers the global configuration flags.
func addConfigFlags(fs *pflag.FlagSet) {
	fs.String("config", "", "YAML configuration file (default: <data>/airtight.yaml if present)")
	for _, s := range settings {
		fs.String(s.flag, "", fmt.Sprintf("%s (env %s, default %q)", s.usage, envName(s.flag), s.def))
	}
}

// loadConfig resolves the configuration for cmd with the given environment lookup.
func loadConfig(cmd *cobra.Command, getenv func(string) string) (*Config, error) {
	flags := cmd.Flags()
	pick := func(name string) (string, bool) {
		if f := flags.Lookup(name); f != nil && f.Changed {
			return f.Value.String(), true
		}
		if v := getenv(envName(name)); v != "" {
			return v, true
		}
		return "", false
	}
	var file Config
	path, explicit := pick("config")
	if !explicit {
		data, ok := pick("data")
		if !ok {
			data = "./airtight-data"
		}
		path = filepath.Join(data, "airtight.yaml")
	}
	if err := readConfigFile(path, &file); err != nil {
		if explicit || !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	var c Config
	for _, s := range settings {
		v, ok := pick(s.flag)
		if !ok {
			v = *s.field(&file)
		}
		if v == "" {
			v = s.def
		}
		*s.field(&c) = v
	}
	return &c, c.validate()
}

func readConfigFile(path string, c *Config) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

func (c *Config) validate() error {
	switch c.TLS {
	case "auto", "off":
	default:
		return fmt.Errorf("config: tls must be auto or off, not %q", c.TLS)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("config: tls-cert and tls-key go together")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("config: log-format must be text or json, not %q", c.LogFormat)
	}
	return nil
}

// DatabaseURL is the database to open: the configured URL, or SQLite in the
// data directory.
func (c *Config) DatabaseURL() string {
	if c.Database != "" {
		return c.Database
	}
	return filepath.Join(c.Data, "airtight.db")
}
