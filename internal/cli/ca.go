package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/pki/keyfile"
	"github.com/airtight/airtight/sqlstore"
)

// CA key storage. Keys live in <data>/ca-keys, each encrypted under the CA
// passphrase: AIRTIGHT_CA_PASSPHRASE, else the file <data>/ca-passphrase
// that 'ca init' generates (0600) when neither exists. Keeping the
// passphrase in the environment or on other media is stronger than the
// generated file next to the keys.
const (
	caKeyDir         = "ca-keys"
	caPassphraseFile = "ca-passphrase"
)

func (e *env) caCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "ca", Short: "Run the organization's certificate authority (device identity)"}
	cmd.AddCommand(e.caInitCommand(), e.caChainCommand(), e.caIssueCommand(), e.caRevokeCommand(),
		e.caListCommand(), e.caCRLCommand(), e.caCRLFilesCommand(), e.caEnrollTokenCommand())
	return cmd
}

// caEnv is what a ca command works with.
type caEnv struct {
	ctx  context.Context
	db   *sqlstore.DB
	auth *pki.Authority
	keys *keyfile.Store
	org  *airtight.Organization
}

// withCA opens the store, acts inside --org, and builds the Authority on
// the key directory. create: generate the passphrase file if needed.
func (e *env) withCA(cmd *cobra.Command, create bool, fn func(c *caEnv) error) error {
	cfg, err := e.config(cmd)
	if err != nil {
		return err
	}
	pass, err := e.caPassphrase(cfg.Data, create)
	if err != nil {
		return err
	}
	keys, err := keyfile.New(filepath.Join(cfg.Data, caKeyDir), pass)
	clear(pass)
	if err != nil {
		return err
	}
	return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
		ctx, org, err := asOrg(ctx, cmd, db)
		if err != nil {
			return err
		}
		var opts []pki.Option
		if cfg.PublicURL != "" {
			opts = append(opts, pki.WithPublicURL(cfg.PublicURL))
		}
		// CA keys in key files, or in the HSM the AIRTIGHT_PKCS11_* variables
		// name; ca init --hsm generates new keys there.
		router := &keyRouter{files: keys}
		router.genHSM, _ = cmd.Flags().GetBool("hsm")
		closeHSM, err := e.openHSM(router)
		if err != nil {
			return err
		}
		defer closeHSM()
		if router.genHSM && router.hsm == nil {
			return errNoHSM
		}
		return fn(&caEnv{ctx: ctx, db: db, auth: pki.NewAuthority(db, router, opts...), keys: keys, org: org})
	})
}

// caPassphrase returns AIRTIGHT_CA_PASSPHRASE or the passphrase file's
// content, generating the file when create is set and there is none.
func (e *env) caPassphrase(data string, create bool) ([]byte, error) {
	if p := e.getenv("AIRTIGHT_CA_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	path := filepath.Join(data, caPassphraseFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read CA passphrase file: %w", err)
	}
	if !create {
		return nil, airtight.Errorf(airtight.EInvalid, "no CA passphrase: set AIRTIGHT_CA_PASSPHRASE or run 'airtight ca init' first")
	}
	return newPassphraseFile(path)
}

func newPassphraseFile(path string) ([]byte, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	p := []byte(base64.RawURLEncoding.EncodeToString(raw))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create CA passphrase file: %w", err)
	}
	if _, err := f.Write(append(p, '\n')); err != nil {
		f.Close()
		return nil, fmt.Errorf("write CA passphrase file: %w", err)
	}
	return p, f.Close()
}

func (e *env) caInitCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "init",
		Short: "Create the organization's root and issuing CAs",
		Long: `Create a root CA (self-signed, path length 1) and an issuing CA (path length 0) for the
organization. Keys are stored encrypted in <data>/ca-keys under the CA passphrase
(AIRTIGHT_CA_PASSPHRASE, else <data>/ca-passphrase, generated 0600 if absent).

With --offline-root FILE the root key is written to FILE, encrypted under
AIRTIGHT_OFFLINE_ROOT_PASSPHRASE, and removed from the server: keep FILE offline.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := e.initOptions(cmd)
			if err != nil {
				return err
			}
			return e.withCA(cmd, true, func(c *caEnv) error {
				if opts.Name == "" {
					opts.Name = c.org.Name + " Device CA"
					if len(opts.Name) > 59 {
						opts.Name = opts.Name[:59]
					}
				}
				root, issuing, err := c.auth.Init(c.ctx, opts)
				if err != nil {
					return err
				}
				return e.printCAs(cmd, []*pki.CA{issuing, root})
			})
		},
	}
	addOrgFlag(c)
	addOutputFlag(c)
	c.Flags().String("name", "", "CA name (default: \"<organization> Device CA\")")
	c.Flags().String("algorithm", "ecdsa-p256", "key algorithm: "+strings.Join(pki.KeyAlgorithms, ", "))
	c.Flags().String("offline-root", "", "write the encrypted root key to this new file and keep it off the server")
	c.Flags().Bool("hsm", false, "generate the CA keys in the PKCS#11 HSM named by AIRTIGHT_PKCS11_MODULE, _TOKEN and _PIN (binary built with -tags pkcs11)")
	return c
}

func (e *env) initOptions(cmd *cobra.Command) (pki.InitOptions, error) {
	var o pki.InitOptions
	o.Name, _ = cmd.Flags().GetString("name")
	o.Algorithm, _ = cmd.Flags().GetString("algorithm")
	path, _ := cmd.Flags().GetString("offline-root")
	if path == "" {
		return o, nil
	}
	if hsm, _ := cmd.Flags().GetBool("hsm"); hsm {
		return o, airtight.Errorf(airtight.EInvalid, "--offline-root and --hsm do not go together: HSM keys cannot be exported")
	}
	pass := e.getenv("AIRTIGHT_OFFLINE_ROOT_PASSPHRASE")
	if len(pass) < 12 {
		return o, airtight.Errorf(airtight.EInvalid, "--offline-root needs AIRTIGHT_OFFLINE_ROOT_PASSPHRASE (at least 12 characters)")
	}
	if _, err := os.Stat(path); err == nil {
		return o, airtight.Errorf(airtight.EConflict, "--offline-root: %s already exists", path)
	}
	o.OfflineRoot, o.OfflineRootPassphrase = true, []byte(pass)
	o.OfflineRootSink = func(sealed []byte) error { return writeNew(path, sealed) }
	return o, nil
}

// writeNew writes a new file, 0600.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (e *env) printCAs(cmd *cobra.Command, cas []*pki.CA) error {
	rows := make([][]string, 0, len(cas))
	for _, ca := range cas {
		key := ca.KeyRef
		if ca.Offline {
			key = "offline"
		}
		rows = append(rows, []string{strconv.FormatInt(ca.ID, 10), string(ca.Kind), ca.Name,
			ca.NotAfter.UTC().Format("2006-01-02"), key})
	}
	return e.printData(cmd, cas, []string{"ID", "KIND", "NAME", "NOT AFTER", "KEY"}, rows)
}

func (e *env) caChainCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "chain",
		Short: "Print the CA chain as PEM, issuing CA first, root last",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, _ := cmd.Flags().GetInt64("ca")
			return e.withCA(cmd, false, func(c *caEnv) error {
				chain, err := c.auth.Chain(c.ctx, id)
				if err != nil {
					return err
				}
				for _, cert := range chain {
					if err := pem.Encode(e.stdout, &pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	addOrgFlag(c)
	c.Flags().Int64("ca", 0, "CA ID (default: the organization's issuing CA)")
	return c
}

func (e *env) caIssueCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "issue",
		Short: "Issue a certificate for a PKCS#10 request (the certificate as PEM on standard output)",
		Long: `Issue a certificate from a CSR (PEM, DER or base64; '-' reads standard input) with a
profile: device-idevid, device-ldevid, device-short, server or update-signing.
Device profiles need the device's serial number: --serial, or --device ASSET_TAG
to link the certificate to an inventory device and take its serial and UDI.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := e.issueRequest(cmd)
			if err != nil {
				return err
			}
			return e.withCA(cmd, false, func(c *caEnv) error {
				if err := linkDevice(c, cmd, &req); err != nil {
					return err
				}
				cert, err := c.auth.Issue(c.ctx, req)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "issued %s (serial %s, expires %s)\n", cert.Subject, cert.Serial, cert.NotAfter.UTC().Format(time.RFC3339))
				return pem.Encode(e.stdout, &pem.Block{Type: "CERTIFICATE", Bytes: cert.DER})
			})
		},
	}
	addOrgFlag(c)
	fs := c.Flags()
	fs.String("csr", "", "certificate signing request file ('-': standard input)")
	fs.String("profile", "", "device-idevid, device-ldevid, device-short, server or update-signing")
	fs.String("device", "", "asset tag of the inventory device the certificate identifies")
	fs.String("serial", "", "device serial number (default: the inventory device's)")
	fs.String("udi", "", "FDA Unique Device Identifier (default: the inventory device's)")
	fs.String("lifetime", "", "lifetime, e.g. 24h or 365d (default: the profile's)")
	fs.Int64("ca", 0, "issuing CA ID (default: the organization's)")
	fs.StringSlice("role-oid", nil, "device role as an extended key usage OID (repeatable), e.g. an IEEE 11073 SDC role")
	return c
}

func (e *env) issueRequest(cmd *cobra.Command) (pki.IssueRequest, error) {
	fs := cmd.Flags()
	var req pki.IssueRequest
	req.Profile, _ = fs.GetString("profile")
	req.DeviceSerial, _ = fs.GetString("serial")
	req.UDI, _ = fs.GetString("udi")
	req.CAID, _ = fs.GetInt64("ca")
	roles, _ := fs.GetStringSlice("role-oid")
	for _, r := range roles {
		oid, err := pki.ParseOID(r)
		if err != nil {
			return req, airtight.Errorf(airtight.EInvalid, "--role-oid: %s", airtight.ErrorMessage(err))
		}
		req.RoleOIDs = append(req.RoleOIDs, oid)
	}
	if l, _ := fs.GetString("lifetime"); l != "" {
		d, err := parseDays(l)
		if err != nil {
			return req, airtight.Errorf(airtight.EInvalid, "--lifetime: %s", airtight.ErrorMessage(err))
		}
		req.Lifetime = d
	}
	path, _ := fs.GetString("csr")
	if path == "" {
		return req, airtight.Errorf(airtight.EInvalid, "--csr is required")
	}
	data, err := e.readLimited(path, pki.MaxCSRSize+1)
	if err != nil {
		return req, err
	}
	req.CSR, err = pki.ParseCSR(data)
	return req, err
}

// readLimited reads at most max bytes of a file or ('-') standard input.
func (e *env) readLimited(path string, max int64) ([]byte, error) {
	r, err := e.openInput(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, max))
}

// openInput opens a file, or standard input for "-".
func (e *env) openInput(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(e.stdin), nil
	}
	return os.Open(path)
}

// linkDevice fills the request from the inventory device --device names.
func linkDevice(c *caEnv, cmd *cobra.Command, req *pki.IssueRequest) error {
	tag, _ := cmd.Flags().GetString("device")
	if tag == "" {
		return nil
	}
	d, err := deviceByTag(c.ctx, c.db, tag)
	if err != nil {
		return err
	}
	req.DeviceID = d.ID
	if req.DeviceSerial == "" {
		req.DeviceSerial = d.SerialNumber
	}
	if req.UDI == "" {
		req.UDI = d.UDI
	}
	return nil
}

// parseDays reads "30d" or a Go duration ("24h").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > 36500 {
			return 0, airtight.Errorf(airtight.EInvalid, "days must be 1-36500")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, airtight.Errorf(airtight.EInvalid, "use e.g. 30d or 12h")
	}
	return d, nil
}

func (e *env) caRevokeCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "revoke SERIAL",
		Short: "Revoke a certificate (it appears on the next CRL and in OCSP answers)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, _ := cmd.Flags().GetString("reason")
			reason, err := pki.ParseReason(name)
			if err != nil {
				return err
			}
			return e.withCA(cmd, false, func(c *caEnv) error {
				cert, err := c.auth.Revoke(c.ctx, args[0], reason)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "revoked %s (%s): %s\n", cert.Serial, reason, cert.Subject)
				return nil
			})
		},
	}
	addOrgFlag(c)
	c.Flags().String("reason", "unspecified", "keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, unspecified")
	return c
}

func (e *env) caListCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "list",
		Short: "List issued certificates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := certFilter(cmd)
			if err != nil {
				return err
			}
			return e.withCA(cmd, false, func(c *caEnv) error {
				certs, next, err := c.db.ListCertificates(c.ctx, f)
				if err != nil {
					return err
				}
				if err := e.printCerts(cmd, certs); err != nil {
					return err
				}
				if format, _ := cmd.Flags().GetString("output"); format == "table" && next != "" {
					fmt.Fprintf(e.stderr, "more: --cursor %s\n", next)
				}
				return nil
			})
		},
	}
	addOrgFlag(c)
	addOutputFlag(c)
	fs := c.Flags()
	fs.String("expiring", "", "only good certificates expiring within this time, e.g. 30d")
	fs.String("status", "", "good or revoked")
	fs.Int64("ca", 0, "only certificates of this CA")
	fs.Int("limit", 100, "certificates per page")
	fs.String("cursor", "", "continue after a previous page")
	return c
}

func certFilter(cmd *cobra.Command) (pki.CertificateFilter, error) {
	fs := cmd.Flags()
	var f pki.CertificateFilter
	f.CAID, _ = fs.GetInt64("ca")
	f.Limit, _ = fs.GetInt("limit")
	f.Cursor, _ = fs.GetString("cursor")
	st, _ := fs.GetString("status")
	f.Status = pki.Status(st)
	if f.Status != "" && f.Status != pki.StatusGood && f.Status != pki.StatusRevoked {
		return f, airtight.Errorf(airtight.EInvalid, "--status must be good or revoked")
	}
	if exp, _ := fs.GetString("expiring"); exp != "" {
		d, err := parseDays(exp)
		if err != nil {
			return f, airtight.Errorf(airtight.EInvalid, "--expiring: %s", airtight.ErrorMessage(err))
		}
		f.ExpiringWithin = d
	}
	return f, nil
}

func (e *env) printCerts(cmd *cobra.Command, certs []*pki.Certificate) error {
	rows := make([][]string, 0, len(certs))
	for _, c := range certs {
		device := ""
		if c.DeviceID != 0 {
			device = strconv.FormatInt(c.DeviceID, 10)
		}
		rows = append(rows, []string{c.Serial, c.Profile, c.Subject, device,
			c.NotAfter.UTC().Format("2006-01-02"), string(c.Status)})
	}
	if certs == nil {
		certs = []*pki.Certificate{}
	}
	return e.printData(cmd, certs, []string{"SERIAL", "PROFILE", "SUBJECT", "DEVICE", "NOT AFTER", "STATUS"}, rows)
}

func (e *env) caCRLCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "crl",
		Short: "Write the current CRL (DER, or PEM with --pem; the delta CRL with --delta) to standard output",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, _ := cmd.Flags().GetInt64("ca")
			asPEM, _ := cmd.Flags().GetBool("pem")
			delta, _ := cmd.Flags().GetBool("delta")
			return e.withCA(cmd, false, func(c *caEnv) error {
				ca, err := resolveCA(c, id)
				if err != nil {
					return err
				}
				get := c.auth.CRL
				if delta {
					get = c.auth.DeltaCRL
				}
				der, err := get(c.ctx, ca)
				if err != nil {
					return err
				}
				if asPEM {
					return pem.Encode(e.stdout, &pem.Block{Type: "X509 CRL", Bytes: der})
				}
				_, err = e.stdout.Write(der)
				return err
			})
		},
	}
	addOrgFlag(c)
	c.Flags().Int64("ca", 0, "CA ID (default: the organization's issuing CA)")
	c.Flags().Bool("pem", false, "PEM instead of DER")
	c.Flags().Bool("delta", false, "the delta CRL (RFC 5280 5.2.4): certificates revoked since its base full CRL")
	return c
}

// resolveCA returns id if it is one of the organization's CAs, or the
// default issuing CA when id is 0. CRL itself is unscoped (CRLs are
// public); the CLI still keeps to --org.
func resolveCA(c *caEnv, id int64) (int64, error) {
	var ca *pki.CA
	var err error
	if id != 0 {
		ca, err = c.db.FindCA(c.ctx, id)
	} else {
		ca, err = c.auth.IssuingCA(c.ctx)
	}
	if err != nil {
		return 0, err
	}
	return ca.ID, nil
}
