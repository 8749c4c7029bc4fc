package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/sqlstore"
)

// EnrollTokenPrefix starts every EST enrollment token, as the API's do.
const enrollTokenPrefix = "aet_"

func (e *env) caEnrollTokenCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "enroll-token",
		Short: "Create a one-time EST enrollment token for an inventory device (printed once)",
		Long: `Create a one-time enrollment token bound to one inventory device. The device (or the
technician setting it up) enrolls over EST with HTTP Basic authentication, any user name and
the token as password:

  POST /.well-known/est/<org>/simpleenroll   (Content-Type: application/pkcs10, base64 CSR)

The token is spent when the certificate is issued; it expires unused after --expires.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tag, _ := cmd.Flags().GetString("device")
			profile, _ := cmd.Flags().GetString("profile")
			if p, err := pki.LookupProfile(profile); err != nil || !p.Device {
				return airtight.Errorf(airtight.EInvalid, "--profile: must be a device profile (device-ldevid, device-idevid or device-short)")
			}
			exp, _ := cmd.Flags().GetString("expires")
			life, err := parseDays(exp)
			if err != nil || life > 30*24*time.Hour {
				return airtight.Errorf(airtight.EInvalid, "--expires: at most 30d, e.g. 72h or 7d")
			}
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, org, err := asOrg(ctx, cmd, db)
				if err != nil {
					return err
				}
				d, err := deviceByTag(ctx, db, tag)
				if err != nil {
					return err
				}
				secret, hash := auth.NewSecret(enrollTokenPrefix)
				t := &pki.EnrollmentToken{DeviceID: d.ID, Profile: profile, Hash: hash,
					ExpiresAt: time.Now().Add(life), CreatedBy: cliActorName()}
				if err := db.CreateEnrollmentToken(ctx, t); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "enrollment token for %s (%s), expires %s\n", d.AssetTag, t.Profile, t.ExpiresAt.UTC().Format(time.RFC3339))
				fmt.Fprintf(e.stdout, "EST: /.well-known/est/%s/simpleenroll\n", org.Slug)
				fmt.Fprintf(e.stdout, "token (shown once): %s\n", secret)
				return nil
			})
		},
	}
	addOrgFlag(c)
	c.Flags().String("device", "", "asset tag of the inventory device")
	c.Flags().String("profile", pki.ProfileDeviceLDevID, "certificate profile the token allows")
	c.Flags().String("expires", "72h", "how long the token stays usable, e.g. 72h or 7d (at most 30d)")
	return c
}

// deviceByTag finds the organization's device with exactly this asset tag.
func deviceByTag(ctx context.Context, db *sqlstore.DB, tag string) (*inventory.Device, error) {
	if tag == "" {
		return nil, airtight.Errorf(airtight.EInvalid, "--device is required (an asset tag)")
	}
	page, err := db.ListDevices(ctx, inventory.DeviceFilter{Query: tag, Limit: inventory.MaxPageSize})
	if err != nil {
		return nil, err
	}
	for _, d := range page.Devices {
		if d.AssetTag == tag {
			return d, nil
		}
	}
	return nil, airtight.Errorf(airtight.ENotFound, "--device: no device with asset tag %q", tag)
}
