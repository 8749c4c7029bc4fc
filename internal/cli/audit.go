package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/sqlstore"
)

func (e *env) auditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Verify and export the hash-chained audit log"}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's hash chain; names the first edited, deleted or reordered entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				p, n, err := db.VerifyAudit(ctx)
				if err != nil {
					return err
				}
				if p != nil {
					fmt.Fprintf(e.stdout, "audit log BROKEN at entry %d: %s (%d entries verified before it)\n", p.Seq, p.Reason, n)
					return airtight.Errorf(airtight.EConflict, "audit log verification failed at entry %d", p.Seq)
				}
				fmt.Fprintf(e.stdout, "audit log OK: %d entries, chain intact\n", n)
				return nil
			})
		},
	}
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the audit log as JSON lines (all organizations, or --org)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			slug, _ := cmd.Flags().GetString("org")
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				var orgID int64
				if slug != "" {
					org, err := db.FindOrganizationBySlug(ctx, slug)
					if err != nil {
						return err
					}
					orgID = org.ID
				}
				return e.writeTo(cmd, func(w io.Writer) error {
					enc := json.NewEncoder(w)
					return db.WalkAll(ctx, func(en *audit.Entry) error {
						if orgID != 0 && en.OrgID != orgID {
							return nil
						}
						return enc.Encode(en)
					})
				})
			})
		},
	}
	addOrgFlag(export)
	export.Flags().String("file", "", "write to this file instead of standard output")
	cmd.AddCommand(verify, export)
	return cmd
}
