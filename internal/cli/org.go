package cli

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/sqlstore"
)

func (e *env) orgCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "Manage organizations (hospitals, device makers)"}
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an organization",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := &airtight.Organization{}
			o.Slug, _ = cmd.Flags().GetString("slug")
			o.Name, _ = cmd.Flags().GetString("name")
			kind, _ := cmd.Flags().GetString("kind")
			o.Kind = airtight.OrgKind(kind)
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx = airtight.NewContext(ctx, &airtight.Actor{Kind: airtight.ActorSystem, Name: cliActorName(), Role: airtight.RoleAdmin})
				if err := db.CreateOrganization(ctx, o); err != nil {
					return err
				}
				return e.printOrgs(cmd, []*airtight.Organization{o})
			})
		},
	}
	create.Flags().String("slug", "", "short name used in URLs and commands, e.g. riverside-general")
	create.Flags().String("name", "", "display name")
	create.Flags().String("kind", "hospital", "hospital or manufacturer")
	addOutputFlag(create)
	list := &cobra.Command{
		Use:   "list",
		Short: "List organizations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				orgs, err := db.ListOrganizations(ctx)
				if err != nil {
					return err
				}
				return e.printOrgs(cmd, orgs)
			})
		},
	}
	addOutputFlag(list)
	cmd.AddCommand(create, list)
	return cmd
}

func (e *env) printOrgs(cmd *cobra.Command, orgs []*airtight.Organization) error {
	rows := make([][]string, 0, len(orgs))
	for _, o := range orgs {
		rows = append(rows, []string{strconv.FormatInt(o.ID, 10), o.Slug, o.Name, string(o.Kind)})
	}
	if orgs == nil {
		orgs = []*airtight.Organization{}
	}
	return e.printData(cmd, orgs, []string{"ID", "SLUG", "NAME", "KIND"}, rows)
}
