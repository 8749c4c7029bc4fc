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

	// Patient-data loss prevention.
	DLPPolicy      string `yaml:"dlp_policy"`         // policy file; default: the built-in policy
	SMTPAddr       string `yaml:"smtp_addr"`          // SMTP gateway listener; off when empty
	SMTPNextHop    string `yaml:"smtp_next_hop"`      // where the gateway relays
	SMTPHostname   string `yaml:"smtp_hostname"`      // announced name
	SMTPNotifyFrom string `yaml:"smtp_notify_from"`   // sender of secure-delivery notices
	SMTPNextHopTLS string `yaml:"smtp_next_hop_tls"`  // "on": STARTTLS to the next hop, verified
	ICAPTLS        string `yaml:"icap_tls"`           // "on": ICAP over TLS
	ICAPAddr       string `yaml:"icap_addr"`          // ICAP listener; off when empty
	DLPWatch       string `yaml:"dlp_watch"`          // folders to scan, comma-separated; off when empty
	DLPWatchOut    string `yaml:"dlp_watch_external"` // "on": the watched folders leave the organization
	// InputOrg is the organization gateways and monitoring inputs record
	// into (slug); default: the only hospital organization.
	InputOrg string `yaml:"input_org"`

	// Monitoring inputs; each is off when empty.
	SyslogAddr   string `yaml:"syslog_addr"`   // comma-separated udp://, tcp://, tls://host:port
	NetflowAddr  string `yaml:"netflow_addr"`  // UDP host:port for NetFlow v5/v9 and IPFIX
	CaptureIface string `yaml:"capture_iface"` // network interface to capture from (Linux)
	IngestHTTP   string `yaml:"ingest_http"`   // "on": accept JSON lines at POST /ingest/events
	SigmaRules   string `yaml:"sigma_rules"`   // comma-separated directories of Sigma rules

	// Vulnerability feeds fetched on a schedule.
	VulnFeeds    string `yaml:"vuln_feeds"`    // comma-separated URLs or paths
	VulnInterval string `yaml:"vuln_interval"` // Go duration, at least 1m; empty: off
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
	{"dlp-policy", func(c *Config) *string { return &c.DLPPolicy }, "", "DLP policy file (YAML); default: the built-in policy (PHI to outside domains is blocked)"},
	{"smtp-addr", func(c *Config) *string { return &c.SMTPAddr }, "", "listen address of the SMTP DLP gateway (smarthost or Postfix content filter); off when empty"},
	{"smtp-next-hop", func(c *Config) *string { return &c.SMTPNextHop }, "", "host:port the SMTP gateway relays allowed mail to (Postfix re-injection or the outbound server)"},
	{"smtp-hostname", func(c *Config) *string { return &c.SMTPHostname }, "", "host name the SMTP gateway announces"},
	{"smtp-notify-from", func(c *Config) *string { return &c.SMTPNotifyFrom }, "", "sender address of secure-delivery notices"},
	{"icap-tls", func(c *Config) *string { return &c.ICAPTLS }, "", "on: the ICAP server speaks TLS (ICAPS) with the server's certificate"},
	{"smtp-next-hop-tls", func(c *Config) *string { return &c.SMTPNextHopTLS }, "", "on: the SMTP gateway relays only over verified STARTTLS (a next hop without it is a temporary failure)"},
	{"icap-addr", func(c *Config) *string { return &c.ICAPAddr }, "", "listen address of the ICAP DLP server for web proxies; off when empty"},
	{"dlp-watch", func(c *Config) *string { return &c.DLPWatch }, "", "file-share folders to scan for patient data as files appear or change, comma-separated; off when empty"},
	{"dlp-watch-external", func(c *Config) *string { return &c.DLPWatchOut }, "", "on: the watched folders leave the organization (synchronised to a cloud drive, shared with partners)"},
	{"input-org", func(c *Config) *string { return &c.InputOrg }, "", "organization (slug) that gateways and monitoring inputs record into; default: the only hospital"},
	{"syslog-addr", func(c *Config) *string { return &c.SyslogAddr }, "", "syslog inputs for monitoring: comma-separated udp://, tcp:// or tls://host:port; off when empty"},
	{"netflow-addr", func(c *Config) *string { return &c.NetflowAddr }, "", "UDP address receiving NetFlow v5/v9 and IPFIX for monitoring; off when empty"},
	{"capture-iface", func(c *Config) *string { return &c.CaptureIface }, "", "network interface to capture packets from (Linux, needs CAP_NET_RAW); off when empty"},
	{"ingest-http", func(c *Config) *string { return &c.IngestHTTP }, "", "on: accept monitoring events as JSON lines at POST /ingest/events (admin or device tokens)"},
	{"sigma-rules", func(c *Config) *string { return &c.SigmaRules }, "", "directories of Sigma rules for monitoring, comma-separated"},
	{"vuln-feeds", func(c *Config) *string { return &c.VulnFeeds }, "", "advisory feeds fetched on a schedule (OSV all.zip, CSAF, NVD, KEV, EPSS...): comma-separated URLs or paths"},
	{"vuln-interval", func(c *Config) *string { return &c.VulnInterval }, "", "how often vuln-feeds are fetched (conditional requests), e.g. 6h; off when empty"},
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
