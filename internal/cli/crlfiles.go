package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight/ocsp"
)

// caCRLFilesCommand writes every CA's full and delta CRLs to a directory,
// for a hospital that mirrors them onto an isolated network. The delta is
// built in the same run as the full CRL it refers to, so the pair in the
// directory is always consistent.
func (e *env) caCRLFilesCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "crl-files DIR",
		Short: "Write the organization's full and delta CRLs (DER and PEM) into a directory, for offline mirrors",
		Long: `Write <ca-id>.crl, <ca-id>.pem, <ca-id>-delta.crl and <ca-id>-delta.pem for each of the
organization's online CAs into DIR (each file replaced atomically). Run it on a schedule and copy
DIR to the isolated network; clients that use delta CRLs with OpenSSL need both
-use_deltas and -extended_crl.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return err
			}
			return e.withCA(cmd, false, func(c *caEnv) error {
				cas, err := c.db.ListCAs(c.ctx)
				if err != nil {
					return err
				}
				files, err := ocsp.WriteCRLFiles(c.ctx, c.auth, cas, args[0])
				for _, f := range files {
					fmt.Fprintln(e.stdout, f)
				}
				return err
			})
		},
	}
	addOrgFlag(c)
	return c
}
