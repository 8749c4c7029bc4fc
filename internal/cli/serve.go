package cli

import (
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight/auth/argon2id"
)

func (e *env) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the airtight server (API, dashboard)",
		Long: `Run the airtight server: the REST API under /api/v1, the dashboard, /healthz,
/readyz and /metrics. TLS is on by default: the --tls-cert/--tls-key files, or a
self-signed certificate generated at first start in <data>/tls (its SHA-256
fingerprint is logged so that you can check it in the browser). Use --tls off
only behind a TLS-terminating proxy.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.config(cmd)
			if err != nil {
				return err
			}
			if c.Addr == "" {
				c.Addr = ":8443"
			}
			log := e.logger(c)
			tlsCfg, fp, err := serverTLS(c)
			if err != nil {
				return err
			}
			keys, closeKeys, err := e.serverKeys(c)
			if err != nil {
				return err
			}
			defer closeKeys()
			db, err := openStore(e.ctx, c)
			if err != nil {
				return err
			}
			app, err := newApp(db, log, appOptions{Addr: c.Addr, TLS: tlsCfg, Passwords: argon2id.Default,
				Keys: keys, PublicURL: publicURL(c, tlsCfg != nil), ESTAddr: c.ESTAddr, Conf: c})
			if err != nil {
				db.Close()
				return err
			}
			if err := app.Start(e.ctx); err != nil {
				db.Close()
				return err
			}
			if fp != "" {
				log.Info("tls certificate", "sha256", fp)
			}
			fmt.Fprintf(e.stdout, "airtight is serving at %s\n", app.URL())
			return app.serveUntilDone(e.ctx)
		},
	}
}

// publicURL is the configured public URL, else the server's own address
// (with this machine's name for a wildcard host).
func publicURL(c *Config, tls bool) string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		if h, err := os.Hostname(); err == nil {
			host = h
		} else {
			host = "localhost"
		}
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
