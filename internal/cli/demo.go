package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/demo"
	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/pki"
)

func (e *env) demoCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "demo",
		Short: "Serve airtight with a sample hospital on embedded SQLite",
		Long: `Serve airtight on embedded SQLite in the data directory, seeded at first start with a
sample hospital (several hundred devices of real makes and models across departments
and network zones), a device-maker organization with a grant to see its own products
there, and users for each role; with a device CA and certificates at every stage of
expiry, real public advisories matched to its devices and an SBOM (findings, KEV alerts,
risk list, patch plan), a month of patient-data (DLP) events with quarantined content in
the vault, and a morning's attack replayed through the built-in detections into
incidents. The DLP policy is written to the data directory (dlp-policy.yaml) unless one
is configured. It prints the URL and one-time logins. Restarting keeps the data; the
demo admin's password is reset and printed again at each start.
Plain HTTP on loopback by default; --tls auto serves HTTPS.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.config(cmd)
			if err != nil {
				return err
			}
			if c.Addr == "" {
				c.Addr = "127.0.0.1:8080"
			}
			if !cmd.Flags().Changed("tls") && e.getenv(envName("tls")) == "" {
				c.TLS = "off"
			}
			n, _ := cmd.Flags().GetInt("devices")
			return e.runDemo(cmd.Context(), c, n)
		},
	}
	c.Flags().Int("devices", 360, "devices in the sample hospital (first start only)")
	return c
}

func (e *env) runDemo(ctx context.Context, c *Config, devices int) error {
	log := e.logger(c)
	tlsCfg, _, err := serverTLS(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return err
	}
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	res, err := demo.Seed(ctx, db, demo.Options{Devices: devices, Params: argon2id.Default, ResetAdminPassword: true})
	if err != nil {
		db.Close()
		return fmt.Errorf("seed demo: %w", err)
	}
	pass, err := e.caPassphrase(c.Data, true) // the demo's CA keys live in the data directory
	if err != nil {
		db.Close()
		return err
	}
	clear(pass)
	keys, closeKeys, err := e.serverKeys(c)
	if err != nil {
		db.Close()
		return err
	}
	defer closeKeys()
	pub := publicURL(c, tlsCfg != nil)
	pres, err := demo.SeedPKI(ctx, db, func(now func() time.Time) *pki.Authority {
		return pki.NewAuthority(db, keys, pki.WithClock(now), pki.WithPublicURL(pub))
	}, time.Now(), 60)
	if err != nil {
		db.Close()
		return fmt.Errorf("seed demo certificates: %w", err)
	}
	if !pres.AlreadySeeded {
		log.Info("demo device CA created", "certificates", pres.Certificates, "revoked", pres.Revoked)
	}
	policyNew, err := useDemoPolicy(c)
	if err != nil {
		db.Close()
		return err
	}
	caps, err := seedCapabilities(ctx, c, db, log)
	if err != nil {
		db.Close()
		return fmt.Errorf("seed demo capabilities: %w", err)
	}
	caps.PolicyNew = policyNew
	app, err := newApp(db, log, appOptions{Addr: c.Addr, TLS: tlsCfg, Passwords: argon2id.Default,
		Keys: keys, PublicURL: pub, ESTAddr: c.ESTAddr, Conf: c})
	if err != nil {
		db.Close()
		return err
	}
	if err := app.Start(ctx); err != nil {
		db.Close()
		return err
	}
	e.printDemo(app.URL(), c, res, caps)
	return app.serveUntilDone(ctx)
}

func (e *env) printDemo(url string, c *Config, res *demo.Result, caps *capabilities) {
	w := e.stdout
	fmt.Fprintf(w, "\nairtight demo is running at %s\n", url)
	if res.AlreadySeeded {
		fmt.Fprintf(w, "Data kept from an earlier start in %s.\n", c.Data)
	} else {
		fmt.Fprintf(w, "Seeded %s with %d devices in %s.\n", res.HospitalName, res.Devices, c.Data)
	}
	printCapabilities(w, c, caps)
	fmt.Fprintln(w, "\nLogins (passwords are shown once; 'airtight user passwd EMAIL' sets a new one):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROLE\tORGANIZATION\tEMAIL\tPASSWORD")
	for _, l := range res.Logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", l.Role, l.Org, l.Email, l.Password)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nStarted %s. Press Ctrl+C to stop.\n", time.Now().Format(time.DateTime))
}

// printCapabilities says in a few lines what the demo shows beyond the
// inventory, when it was seeded at this start.
func printCapabilities(w io.Writer, c *Config, caps *capabilities) {
	if caps == nil {
		return
	}
	if v := caps.Vuln; v != nil && !v.AlreadySeeded && v.Import != nil {
		fmt.Fprintf(w, "Vulnerabilities: %d public advisories imported (%d CVEs known exploited), %d open findings on %d product versions.\n",
			v.Import.Added+v.Import.Changed, v.Import.KEV, v.Eval.Findings, v.Eval.Versions)
	}
	if d := caps.DLP; d != nil && !d.AlreadySeeded {
		fmt.Fprintf(w, "Patient data: %d DLP events over %d days (%d blocked, %d quarantined, %d logged), %d items in the vault.\n",
			d.Events, demo.DLPDays, d.Actions[dlp.ActionBlock], d.Actions[dlp.ActionQuarantine], d.Actions[dlp.ActionLog], d.Quarantined)
	}
	if caps.PolicyNew {
		fmt.Fprintf(w, "DLP policy: %s (the default policy with the hospital's domains).\n", c.DLPPolicy)
	}
	if d := caps.Detect; d != nil && !d.AlreadySeeded {
		fmt.Fprintf(w, "Detection: a morning's attack replayed through the built-in detections: %d alerts in %d incidents.\n",
			d.Alerts, d.Incidents)
	}
}
