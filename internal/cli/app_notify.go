package cli

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/notify"
)

// notifySenders builds the alert notification senders the configuration
// asks for; none when nothing is configured.
func notifySenders(c *Config) ([]notify.Sender, error) {
	if c == nil {
		return nil, nil
	}
	var out []notify.Sender
	if c.NotifyWebhook != "" {
		w, err := webhookSender(c)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	if c.NotifySyslog != "" {
		s, err := syslogSender(c.NotifySyslog)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if c.NotifyMailRelay != "" || c.NotifyMailTo != "" {
		if c.NotifyMailRelay == "" || c.NotifyMailFrom == "" || c.NotifyMailTo == "" {
			return nil, fmt.Errorf("config: notify-mail-relay, notify-mail-from and notify-mail-to go together")
		}
		out = append(out, &notify.Mail{Addr: c.NotifyMailRelay, From: c.NotifyMailFrom, To: splitComma(c.NotifyMailTo), URL: c.PublicURL})
	}
	return out, nil
}

func webhookSender(c *Config) (*notify.Webhook, error) {
	u, err := url.Parse(c.NotifyWebhook)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("config: notify-webhook must be an http(s) URL")
	}
	w := &notify.Webhook{URL: c.NotifyWebhook}
	if c.NotifyWebhookSecret != "" {
		b, err := os.ReadFile(c.NotifyWebhookSecret)
		if err != nil {
			return nil, fmt.Errorf("config: notify-webhook-secret: %w", err)
		}
		if w.Secret = bytes.TrimSpace(b); len(w.Secret) < 16 {
			return nil, fmt.Errorf("config: notify-webhook-secret: the secret must be at least 16 bytes")
		}
	}
	return w, nil
}

func syslogSender(addr string) (*notify.Syslog, error) {
	scheme, hostport, ok := strings.Cut(addr, "://")
	if !ok || hostport == "" {
		return nil, fmt.Errorf("config: notify-syslog must look like udp://host:514, tcp://host:514 or tls://host:6514")
	}
	s := &notify.Syslog{Network: scheme, Addr: hostport, Version: Version}
	switch scheme {
	case "udp", "tcp":
	case "tls":
		host, _, _ := strings.Cut(hostport, ":")
		s.TLS = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	default:
		return nil, fmt.Errorf("config: notify-syslog scheme %q: use udp, tcp or tls", scheme)
	}
	return s, nil
}

func splitComma(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// startNotify starts the dispatcher when senders are configured and
// returns the alert service raisers should use.
func startNotify(c *Config, alerts alert.Service, log *slog.Logger) (alert.Service, *notify.Dispatcher, error) {
	senders, err := notifySenders(c)
	if err != nil || len(senders) == 0 {
		return alerts, nil, err
	}
	min := alert.Severity("low")
	if c.NotifyMinSeverity != "" {
		min = alert.Severity(c.NotifyMinSeverity)
	}
	if min.Rank() < 0 {
		return nil, nil, fmt.Errorf("config: notify-min-severity %q is not a severity", c.NotifyMinSeverity)
	}
	d := notify.Start(notify.Options{MinSeverity: min, Log: log}, senders...)
	return &notify.Raiser{Service: alerts, D: d}, d, nil
}
