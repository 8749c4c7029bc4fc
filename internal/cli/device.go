package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/sqlstore"
)

func (e *env) deviceCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "device", Short: "Manage the device inventory"}
	cmd.AddCommand(e.deviceImportCommand(), e.deviceExportCommand(), e.deviceListCommand())
	return cmd
}

func (e *env) deviceImportCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import devices from CSV (all rows or none; '-' reads standard input)",
		Long: `Import devices from a CSV file with the header documented in inventory/csv.go
(asset_tag, manufacturer, model, kind, criticality are required). Devices are matched
by asset tag: existing ones are updated, others created, with their manufacturers,
models and versions. Any bad row rejects the whole file, and every bad line is listed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dry, _ := cmd.Flags().GetBool("dry-run")
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, org, err := asOrg(ctx, cmd, db)
				if err != nil {
					return err
				}
				recs, err := e.readCSV(args[0])
				if err != nil {
					return err
				}
				if dry {
					fmt.Fprintf(e.stdout, "%d rows are valid (dry run: nothing written)\n", len(recs))
					return nil
				}
				res, err := db.ImportDevices(ctx, recs)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "imported into %s: %d created, %d updated\n", org.Slug, res.Created, res.Updated)
				return nil
			})
		},
	}
	addOrgFlag(c)
	c.Flags().Bool("dry-run", false, "validate only")
	return c
}

func (e *env) readCSV(path string) ([]inventory.Record, error) {
	r, err := e.openInput(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return inventory.ReadCSV(r)
}

func (e *env) deviceExportCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "export",
		Short: "Export devices as CSV (to --file or standard output)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := deviceFilter(cmd)
			if err != nil {
				return err
			}
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, _, err := asOrg(ctx, cmd, db)
				if err != nil {
					return err
				}
				return e.writeTo(cmd, func(w io.Writer) error {
					cw := inventory.NewCSVWriter(w)
					if err := db.ExportDevices(ctx, f, cw.Write); err != nil {
						return err
					}
					return cw.Flush()
				})
			})
		},
	}
	addOrgFlag(c)
	addFilterFlags(c)
	c.Flags().String("file", "", "write to this file instead of standard output")
	return c
}

// writeTo runs fn on --file (created 0600, since exports are sensitive) or stdout.
func (e *env) writeTo(cmd *cobra.Command, fn func(io.Writer) error) error {
	path, _ := cmd.Flags().GetString("file")
	if path == "" {
		return fn(e.stdout)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func addFilterFlags(c *cobra.Command) {
	fs := c.Flags()
	fs.StringP("query", "q", "", "search asset tag, serial, hostname, IP, MAC, AE title, model, maker")
	fs.String("kind", "", "device kind, e.g. infusion-pump")
	fs.String("criticality", "", "life-sustaining, life-supporting, diagnostic or administrative")
	fs.String("department", "", "department")
	fs.String("site", "", "site")
	fs.String("zone", "", "network zone")
	fs.String("status", "", "active, maintenance, quarantined or decommissioned")
}

func deviceFilter(c *cobra.Command) (inventory.DeviceFilter, error) {
	fs := c.Flags()
	var f inventory.DeviceFilter
	f.Query, _ = fs.GetString("query")
	k, _ := fs.GetString("kind")
	f.Kind = inventory.NormalizeKind(k)
	cr, _ := fs.GetString("criticality")
	f.Criticality = inventory.Criticality(cr)
	f.Department, _ = fs.GetString("department")
	f.Site, _ = fs.GetString("site")
	f.NetworkZone, _ = fs.GetString("zone")
	st, _ := fs.GetString("status")
	f.Status = inventory.Status(st)
	if l := fs.Lookup("limit"); l != nil {
		f.Limit, _ = fs.GetInt("limit")
	}
	err := f.Validate()
	return f, err
}

func (e *env) deviceListCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "list",
		Short: "List devices",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := deviceFilter(cmd)
			if err != nil {
				return err
			}
			f.Cursor, _ = cmd.Flags().GetString("cursor")
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, _, err := asOrg(ctx, cmd, db)
				if err != nil {
					return err
				}
				page, err := db.ListDevices(ctx, f)
				if err != nil {
					return err
				}
				if err := e.printData(cmd, page, deviceHeader, deviceRows(page.Devices)); err != nil {
					return err
				}
				if format, _ := cmd.Flags().GetString("output"); format == "table" && page.NextCursor != "" {
					fmt.Fprintf(e.stderr, "more: --cursor %s\n", page.NextCursor)
				}
				return nil
			})
		},
	}
	addOrgFlag(c)
	addFilterFlags(c)
	addOutputFlag(c)
	c.Flags().Int("limit", inventory.DefaultPageSize, "devices per page (at most 500)")
	c.Flags().String("cursor", "", "continue after a previous page")
	return c
}

var deviceHeader = []string{"ID", "ASSET TAG", "MANUFACTURER", "MODEL", "KIND", "VERSION", "DEPARTMENT", "ZONE", "IP", "STATUS"}

func deviceRows(ds []*inventory.Device) [][]string {
	rows := make([][]string, 0, len(ds))
	for _, d := range ds {
		rows = append(rows, []string{strconv.FormatInt(d.ID, 10), d.AssetTag, d.Manufacturer, d.Model,
			string(d.Kind), d.Version, d.Department, d.NetworkZone, d.IP, string(d.Status)})
	}
	return rows
}
