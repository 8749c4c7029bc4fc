package cli

import (
	"context"
	"os/user"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/sqlstore"
)

// withStore opens the configured store, runs fn and closes the store.
func (e *env) withStore(cmd *cobra.Command, fn func(ctx context.Context, db *sqlstore.DB) error) error {
	c, err := e.config(cmd)
	if err != nil {
		return err
	}
	db, err := openStore(e.ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(e.ctx, db)
}

// asOrg returns ctx acting as a system administrator inside the organization
// named by the --org flag. Audit entries name the operating-system user.
func asOrg(ctx context.Context, cmd *cobra.Command, db *sqlstore.DB) (context.Context, *airtight.Organization, error) {
	slug, _ := cmd.Flags().GetString("org")
	if slug == "" {
		return nil, nil, airtight.Errorf(airtight.EInvalid, "--org is required (an organization slug; see 'airtight org list')")
	}
	org, err := db.FindOrganizationBySlug(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	return airtight.NewContext(ctx, airtight.SystemActor(org.ID, cliActorName())), org, nil
}

func cliActorName() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return "cli:" + name
}

func addOrgFlag(cmd *cobra.Command) {
	cmd.Flags().String("org", "", "organization slug")
}
