package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/sqlstore"
)

func (e *env) auditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Verify and export the hash-chained audit log"}
	cmd.AddCommand(e.auditVerifyCommand(), e.auditExportCommand(), e.auditCheckpointCommand())
	return cmd
}

func (e *env) auditVerifyCommand() *cobra.Command {
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's hash chain; names the first edited, deleted or reordered entry",
		Long: `Check the audit log's hash chain and name the first edited, deleted or reordered entry.
With --checkpoint SEQ:HASH (printed by 'airtight audit checkpoint' and kept outside the
database, e.g. in a ticket or a log shipped elsewhere), also check that entry SEQ still has
that hash: a log rewritten wholesale by someone with write access to the database fails it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cp, _ := cmd.Flags().GetString("checkpoint")
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				p, n, err := db.VerifyAudit(ctx)
				if err != nil {
					return err
				}
				if p != nil {
					fmt.Fprintf(e.stdout, "audit log BROKEN at entry %d: %s (%d entries verified before it)\n", p.Seq, p.Reason, n)
					return airtight.Errorf(airtight.EConflict, "audit log verification failed at entry %d", p.Seq)
				}
				if cp != "" {
					if err := e.checkCheckpoint(ctx, db, cp); err != nil {
						return err
					}
				}
				fmt.Fprintf(e.stdout, "audit log OK: %d entries, chain intact\n", n)
				return nil
			})
		},
	}
	verify.Flags().String("checkpoint", "", "SEQ:HASH from 'airtight audit checkpoint': entry SEQ must still have HASH")
	return verify
}

func (e *env) auditCheckpointCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "checkpoint",
		Short: "Print the audit log's head as SEQ:HASH, to keep outside the database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				seq, hash, err := db.AuditHead(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%d:%s\n", seq, hash)
				return nil
			})
		},
	}
}

func (e *env) auditExportCommand() *cobra.Command {
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
	return export
}

// checkCheckpoint checks that the entry a SEQ:HASH checkpoint names still
// has that hash.
func (e *env) checkCheckpoint(ctx context.Context, db *sqlstore.DB, cp string) error {
	seqText, want, ok := strings.Cut(strings.TrimSpace(cp), ":")
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if !ok || err != nil || seq < 0 || len(want) != 64 {
		return airtight.Errorf(airtight.EInvalid, "--checkpoint: expected SEQ:HASH as printed by 'airtight audit checkpoint'")
	}
	if seq == 0 {
		return nil // taken on an empty log: nothing to compare
	}
	got, err := db.AuditEntryHash(ctx, seq)
	if airtight.ErrorCode(err) == airtight.ENotFound {
		fmt.Fprintf(e.stdout, "audit log BROKEN: checkpoint entry %d is missing\n", seq)
		return airtight.Errorf(airtight.EConflict, "audit log does not contain checkpoint entry %d", seq)
	} else if err != nil {
		return err
	}
	if got != want {
		fmt.Fprintf(e.stdout, "audit log BROKEN: entry %d no longer matches the checkpoint (the log was rewritten)\n", seq)
		return airtight.Errorf(airtight.EConflict, "audit log does not match checkpoint entry %d", seq)
	}
	return nil
}
