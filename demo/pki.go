package demo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
)

// PKIStore is what SeedPKI needs from storage. *sqlstore.DB implements it.
type PKIStore interface {
	airtight.OrganizationService
	inventory.DeviceService
	ListCAs(ctx context.Context) ([]*pki.CA, error)
}

// NewAuthority builds an authority on the demo's store and keys whose clock
// is now; SeedPKI issues some certificates "in the past" with it so that the
// demo shows certificates at every stage of the expiry watch.
type NewAuthority func(now func() time.Time) *pki.Authority

// PKIResult says what SeedPKI did.
type PKIResult struct {
	AlreadySeeded bool
	Certificates  int
	Revoked       int
}

// SeedPKI gives the demo hospital a device CA (root and issuing) and an
// operational certificate (802.1AR LDevID) for each of its networked
// devices, with lifetimes spread so that some expire within days, some
// within weeks, a few have expired and one was revoked. It does nothing when
// the hospital has CAs already.
func SeedPKI(ctx context.Context, s PKIStore, newAuth NewAuthority, now time.Time, devices int) (*PKIResult, error) {
	hospital, err := s.FindOrganizationBySlug(airtight.NewContext(ctx, nil), HospitalSlug)
	if err != nil {
		return nil, fmt.Errorf("demo pki: %w", err)
	}
	ctx = airtight.NewContext(ctx, airtight.SystemActor(hospital.ID, "demo"))
	if cas, err := s.ListCAs(ctx); err != nil {
		return nil, fmt.Errorf("demo pki: %w", err)
	} else if len(cas) > 0 {
		return &PKIResult{AlreadySeeded: true}, nil
	}
	// The CA was set up two years ago, before every device certificate.
	caTime := now.AddDate(-2, 0, 0)
	if _, _, err := newAuth(func() time.Time { return caTime }).Init(ctx, pki.InitOptions{Name: "Riverside General Device"}); err != nil {
		return nil, fmt.Errorf("demo pki: init CA: %w", err)
	}
	targets, err := networked(ctx, s, devices)
	if err != nil {
		return nil, err
	}
	return issueAll(ctx, newAuth, now, targets)
}

// networked returns up to n devices that have an IP address.
func networked(ctx context.Context, s PKIStore, n int) ([]*inventory.Device, error) {
	var out []*inventory.Device
	f := inventory.DeviceFilter{Limit: inventory.MaxPageSize}
	for len(out) < n {
		page, err := s.ListDevices(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("demo pki: %w", err)
		}
		for _, d := range page.Devices {
			if d.IP != "" && d.Status == inventory.StatusActive && len(out) < n {
				out = append(out, d)
			}
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	return out, nil
}

// issueAll issues one LDevID per device. A device's certificate is issued
// "age" days before now with a one-year life, so it expires in 365-age days.
func issueAll(ctx context.Context, newAuth NewAuthority, now time.Time, devs []*inventory.Device) (*PKIResult, error) {
	r := mrand.New(mrand.NewPCG(uint64(DefaultSeed), 7))
	res := &PKIResult{}
	for i, d := range devs {
		age := ageFor(i, r)
		c, err := issueFor(ctx, newAuth(func() time.Time { return now.AddDate(0, 0, -age) }), d)
		if err != nil {
			return nil, fmt.Errorf("demo pki: device %s: %w", d.AssetTag, err)
		}
		res.Certificates++
		if i == 5 { // a device reported stolen from a ward
			if _, err := newAuth(func() time.Time { return now }).Revoke(ctx, c.Serial, pki.ReasonKeyCompromise); err != nil {
				return nil, fmt.Errorf("demo pki: revoke: %w", err)
			}
			res.Revoked++
		}
	}
	return res, nil
}

// ageFor spreads certificate ages: most recent, some near their end of
// life, a few past it.
func ageFor(i int, r *mrand.Rand) int {
	switch i % 12 {
	case 0:
		return 360 + r.IntN(4) // expires within days
	case 1:
		return 320 + r.IntN(30) // within weeks
	case 2:
		return 380 + r.IntN(40) // expired
	case 3, 4:
		return 280 + r.IntN(60) // within three months
	}
	return r.IntN(250)
}

func issueFor(ctx context.Context, a *pki.Authority, d *inventory.Device) (*pki.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: d.AssetTag},
	}, key)
	if err != nil {
		return nil, err
	}
	csr, err := pki.ParseCSR(der)
	if err != nil {
		return nil, err
	}
	serial := d.SerialNumber
	if serial == "" {
		serial = d.AssetTag
	}
	return a.Issue(ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceID: d.ID,
		DeviceSerial: serial, UDI: d.UDI})
}
