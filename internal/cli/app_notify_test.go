package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNotifySenders(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("0123456789abcdef0123\n"), 0o600)
	short := filepath.Join(t.TempDir(), "short")
	os.WriteFile(short, []byte("abc"), 0o600)
	tests := []struct {
		name  string
		c     Config
		names string
		err   string
	}{
		{"none", Config{}, "", ""},
		{"webhook", Config{NotifyWebhook: "https://siem.example/hook", NotifyWebhookSecret: secret}, "webhook", ""},
		{"webhook not a URL", Config{NotifyWebhook: "siem.example"}, "", "http(s) URL"},
		{"short secret", Config{NotifyWebhook: "https://x.example/", NotifyWebhookSecret: short}, "", "at least 16 bytes"},
		{"syslog tls", Config{NotifySyslog: "tls://siem.example:6514"}, "syslog-cef", ""},
		{"syslog bad scheme", Config{NotifySyslog: "http://siem.example"}, "", "use udp, tcp or tls"},
		{"syslog no scheme", Config{NotifySyslog: "siem.example:514"}, "", "must look like"},
		{"mail", Config{NotifyMailRelay: "mail:25", NotifyMailFrom: "airtight@h.example", NotifyMailTo: "a@h.example, b@h.example"}, "mail", ""},
		{"mail incomplete", Config{NotifyMailTo: "a@h.example"}, "", "go together"},
		{"all", Config{NotifyWebhook: "http://127.0.0.1:9/x", NotifySyslog: "udp://127.0.0.1:514", NotifyMailRelay: "m:25",
			NotifyMailFrom: "f@x.example", NotifyMailTo: "t@x.example"}, "webhook,syslog-cef,mail", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss, err := notifySenders(&tt.c)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range ss {
				names = append(names, s.Name())
			}
			if got := strings.Join(names, ","); got != tt.names {
				t.Errorf("senders = %q, want %q", got, tt.names)
			}
		})
	}
	if _, _, err := startNotify(&Config{NotifySyslog: "udp://127.0.0.1:514", NotifyMinSeverity: "dire"}, nil, nil); err == nil {
		t.Error("an unknown minimum severity was accepted")
	}
}
