package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/sqlstore"
)

func (e *env) tokenCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	cmd.AddCommand(e.tokenCreateCommand(), e.tokenListCommand(), e.tokenRevokeCommand())
	return cmd
}

// parseExpiry reads "90d", "12h", "0" (never).
func parseExpiry(s string, now time.Time) (*time.Time, error) {
	if s == "0" || s == "never" {
		return nil, nil
	}
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n <= 0 || n > 3650 {
			return nil, airtight.Errorf(airtight.EInvalid, "--expires: days must be 1-3650")
		}
		t := now.AddDate(0, 0, n)
		return &t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return nil, airtight.Errorf(airtight.EInvalid, "--expires: use e.g. 90d, 12h or never")
	}
	t := now.Add(d)
	return &t, nil
}

func (e *env) tokenCreateCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "create",
		Short: "Create an API token; the secret is printed once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t := &auth.Token{}
			t.Name, _ = cmd.Flags().GetString("name")
			role, _ := cmd.Flags().GetString("role")
			t.Role = airtight.Role(role)
			exp, _ := cmd.Flags().GetString("expires")
			var err error
			if t.ExpiresAt, err = parseExpiry(exp, time.Now()); err != nil {
				return err
			}
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, _, err := asOrg(ctx, cmd, db)
				if err != nil {
					return err
				}
				secret, hash := auth.NewSecret(auth.TokenPrefix)
				t.Hash, t.Prefix, t.CreatedBy = hash, secret[:len(auth.TokenPrefix)+6], cliActorName()
				if err := db.CreateToken(ctx, t); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "created token %d %q (%s)\n", t.ID, t.Name, t.Role)
				if t.ExpiresAt != nil {
					fmt.Fprintf(e.stdout, "expires %s\n", t.ExpiresAt.UTC().Format(time.RFC3339))
				}
				fmt.Fprintf(e.stdout, "secret (shown once): %s\n", secret)
				return nil
			})
		},
	}
	addOrgFlag(c)
	c.Flags().String("name", "", "what the token is for, e.g. cmdb-sync")
	c.Flags().String("role", "", "admin, analyst, biomed, auditor or device")
	c.Flags().String("expires", "90d", "lifetime: e.g. 90d, 12h, or never")
	return c
}

func (e *env) tokenListCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "list",
		Short: "List an organization's API tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, _, err := asOrg(ctx, cmd, db)
				if err != nil {
					return err
				}
				ts, err := db.ListTokens(ctx)
				if err != nil {
					return err
				}
				rows := make([][]string, 0, len(ts))
				for _, t := range ts {
					rows = append(rows, []string{strconv.FormatInt(t.ID, 10), t.Name, string(t.Role), t.Prefix + "…", tokenState(t, time.Now())})
				}
				if ts == nil {
					ts = []*auth.Token{}
				}
				return e.printData(cmd, ts, []string{"ID", "NAME", "ROLE", "PREFIX", "STATE"}, rows)
			})
		},
	}
	addOrgFlag(c)
	addOutputFlag(c)
	return c
}

func tokenState(t *auth.Token, now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return "expired"
	case t.ExpiresAt != nil:
		return "expires " + t.ExpiresAt.UTC().Format("2006-01-02")
	}
	return "active"
}

func (e *env) tokenRevokeCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return airtight.Errorf(airtight.EInvalid, "token ID must be a positive number")
			}
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, _, err := asOrg(ctx, cmd, db)
				if err != nil {
					return err
				}
				if err := db.RevokeToken(ctx, id); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "revoked token %d\n", id)
				return nil
			})
		},
	}
	addOrgFlag(c)
	return c
}
