package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/sqlstore"
	"github.com/airtight/airtight/updates"
)

func (e *env) updateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Publish and verify signed device software (TUF repository)",
		Long: `Signed software updates for devices, as a TUF repository: an offline root key,
one delegated key per product line, consistent snapshots and expiring metadata.
See the documentation of package updates for the design.`,
	}
	cmd.AddCommand(e.updateInitCommand(), e.updatePublishCommand(), e.updateRefreshCommand(), e.updateVerifyCommand())
	return cmd
}

func (e *env) updateInitCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "init --repo DIR --keys DIR --root-key FILE --product-line NAME...",
		Short: "Create a repository and its keys (the root key goes to its own file: keep it offline)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			repo, _ := f.GetString("repo")
			keys, _ := f.GetString("keys")
			rootKey, _ := f.GetString("root-key")
			lines, _ := f.GetStringSlice("product-line")
			opts, err := updateOptions(cmd)
			if err != nil {
				return err
			}
			res, err := updates.Init(repo, updates.InitOptions{Options: opts, KeysDir: keys, RootKeyFile: rootKey, ProductLines: lines})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "initialized update repository %s with product lines %v\n", repo, lines)
			fmt.Fprintf(e.stdout, "online keys in %s (mode 0600)\n", keys)
			fmt.Fprintf(e.stdout, "root key in %s: move it offline now; publishing does not need it\n", rootKey)
			fmt.Fprintf(e.stdout, "provision devices with %s/metadata/root.json (root expires %s)\n", repo, res.RootExpires.Format(time.RFC3339))
			return nil
		},
	}
	addRepoFlags(c)
	c.Flags().String("root-key", "", "file for the new root key (outside --keys; required)")
	c.Flags().StringSlice("product-line", nil, "product line to delegate to its own key (repeatable; required)")
	addExpiryFlags(c)
	return c
}

func (e *env) updatePublishCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "publish --repo DIR --keys DIR --product-line NAME --version V --min-version V --model M FILE",
		Short: "Sign FILE into a product line with its version metadata",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			repo, _ := f.GetString("repo")
			keys, _ := f.GetString("keys")
			line, _ := f.GetString("product-line")
			rel := updates.Release{}
			rel.Version, _ = f.GetString("version")
			rel.MinVersion, _ = f.GetString("min-version")
			rel.Model, _ = f.GetString("model")
			if s, _ := f.GetString("released"); s != "" {
				t, err := time.Parse(time.RFC3339, s)
				if err != nil {
					return airtight.Errorf(airtight.EInvalid, "--released must be RFC 3339, e.g. 2026-03-01T00:00:00Z")
				}
				rel.Released = t
			}
			opts, err := updateOptions(cmd)
			if err != nil {
				return err
			}
			res, err := updates.Publish(repo, keys, line, args[0], rel, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "published %s version %s (%d bytes, sha256 %s)\n", res.Target, res.Meta.Version, res.Length, res.SHA256)
			e.printRepoState(res)
			return e.auditPublish(cmd, line, res)
		},
	}
	addRepoFlags(c)
	c.Flags().String("product-line", "", "product line (required)")
	c.Flags().String("org", "", "record the publication in this organization's audit log (the device maker's)")
	c.Flags().String("version", "", "version of this image (required)")
	c.Flags().String("min-version", "", "lowest installed version this image may update (required)")
	c.Flags().String("model", "", "device model (required)")
	c.Flags().String("released", "", "release date, RFC 3339 (default: now)")
	addExpiryFlags(c)
	return c
}

func (e *env) updateRefreshCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "refresh --repo DIR --keys DIR",
		Short: "Re-sign timestamp and snapshot (and targets roles about to expire); run it from a timer",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			repo, _ := cmd.Flags().GetString("repo")
			keys, _ := cmd.Flags().GetString("keys")
			opts, err := updateOptions(cmd)
			if err != nil {
				return err
			}
			res, err := updates.Refresh(repo, keys, opts)
			if err != nil {
				return err
			}
			e.printRepoState(res)
			return nil
		},
	}
	addRepoFlags(c)
	addExpiryFlags(c)
	return c
}

func (e *env) printRepoState(res *updates.Result) {
	if len(res.Renewed) > 0 {
		fmt.Fprintf(e.stdout, "renewed %v\n", res.Renewed)
	}
	fmt.Fprintf(e.stdout, "timestamp version %d\n", res.Timestamp)
	if left := time.Until(res.RootExpires); left < 30*24*time.Hour {
		fmt.Fprintf(e.stdout, "warning: root metadata expires %s; sign a new root with the offline key\n",
			res.RootExpires.Format(time.RFC3339))
	}
}

func (e *env) updateVerifyCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "verify --repo URL|DIR --root root.json --metadata-dir DIR --product-line NAME --installed-version V --target NAME FILE",
		Short: "Check FILE as a device would before installing it (exits non-zero with the reason when refused)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := verifyRequest(cmd, args[0])
			if err != nil {
				return err
			}
			v, err := updates.Verify(req)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "verified %s version %s (model %s, sha256 %s)\n", v.Target, v.Meta.Version, v.Meta.Model, v.SHA256)
			return nil
		},
	}
	f := c.Flags()
	f.String("repo", "", "repository URL (http, https) or directory (required)")
	f.String("root", "", "trusted root.json the device was provisioned with (required)")
	f.String("metadata-dir", "", "the device's trusted metadata directory, kept between runs (required)")
	f.String("product-line", "", "the device's product line (required)")
	f.String("installed-version", "", "version installed on the device (required)")
	f.String("target", "", "target name, default the base name of FILE")
	f.String("model", "", "the device's model; if set, the target must be for it")
	f.Bool("download", false, "download the target from the repository into FILE first")
	return c
}

func verifyRequest(cmd *cobra.Command, file string) (updates.VerifyRequest, error) {
	f := cmd.Flags()
	req := updates.VerifyRequest{File: file}
	req.Repo, _ = f.GetString("repo")
	req.MetadataDir, _ = f.GetString("metadata-dir")
	req.ProductLine, _ = f.GetString("product-line")
	req.InstalledVersion, _ = f.GetString("installed-version")
	req.Target, _ = f.GetString("target")
	req.Model, _ = f.GetString("model")
	req.Download, _ = f.GetBool("download")
	if req.Target == "" {
		req.Target = filepath.Base(file)
	}
	root, _ := f.GetString("root")
	if root == "" {
		return req, airtight.Errorf(airtight.EInvalid, "--root is required")
	}
	data, err := os.ReadFile(root)
	if err != nil {
		return req, airtight.Errorf(airtight.ENotFound, "cannot read trusted root %s", root)
	}
	req.TrustedRoot = data
	return req, nil
}

func addRepoFlags(c *cobra.Command) {
	c.Flags().String("repo", "", "repository directory (required)")
	c.Flags().String("keys", "", "directory of the online signing keys (required)")
}

func addExpiryFlags(c *cobra.Command) {
	d := updates.DefaultExpiry()
	if c.Name() == "init" {
		c.Flags().Duration("root-expiry", d.Root, "lifetime of root metadata")
	}
	c.Flags().Duration("targets-expiry", d.Targets, "lifetime of targets and product line metadata")
	c.Flags().Duration("snapshot-expiry", d.Snapshot, "lifetime of snapshot metadata")
	c.Flags().Duration("timestamp-expiry", d.Timestamp, "lifetime of timestamp metadata")
}

func updateOptions(cmd *cobra.Command) (updates.Options, error) {
	f := cmd.Flags()
	var x updates.Expiry
	x.Root, _ = f.GetDuration("root-expiry")
	x.Targets, _ = f.GetDuration("targets-expiry")
	x.Snapshot, _ = f.GetDuration("snapshot-expiry")
	x.Timestamp, _ = f.GetDuration("timestamp-expiry")
	if x.Timestamp > x.Snapshot || x.Snapshot > x.Targets {
		return updates.Options{}, airtight.Errorf(airtight.EInvalid, "expiry must satisfy timestamp <= snapshot <= targets")
	}
	for _, name := range []string{"repo", "keys"} {
		if v, _ := f.GetString(name); v == "" {
			return updates.Options{}, airtight.Errorf(airtight.EInvalid, "--%s is required", name)
		}
	}
	return updates.Options{Expiry: x}, nil
}

// auditPublish records a publication in the audit log of --org, when given:
// the repository itself is files (served as they are to devices), the
// record of who published what lives with the rest of the audit log.
func (e *env) auditPublish(cmd *cobra.Command, line string, res *updates.Result) error {
	if slug, _ := cmd.Flags().GetString("org"); slug == "" {
		return nil
	}
	return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
		ctx, _, err := asOrg(ctx, cmd, db)
		if err != nil {
			return err
		}
		return db.RecordEvent(ctx, "update.publish", "update", res.Target, map[string]any{
			"product_line": line, "version": res.Meta.Version, "min_version": res.Meta.MinVersion,
			"model": res.Meta.Model, "sha256": res.SHA256, "length": res.Length,
		})
	})
}
