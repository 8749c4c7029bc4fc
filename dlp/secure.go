package dlp

import (
	"context"
	"time"
)

// SecureMessage is one recipient's access to a message delivered through
// the secure message portal instead of plain mail. The message is in the
// encrypted vault under VaultID; the access code is kept only as a hash.
type SecureMessage struct {
	ID             string // in the link: <public_url>/secure/<id>
	OrgID          int64
	VaultID        string
	Sender         string
	Recipient      string
	CodeHash       []byte
	Created        time.Time
	Expires        time.Time
	Revoked        bool
	FailedAttempts int
	MaxDownloads   int
	Downloads      []SecureDownload
}

// SecureDownload is one audited retrieval of a secure message.
type SecureDownload struct {
	At         time.Time
	RemoteAddr string
	UserAgent  string
}

// SecureMessageService keeps secure message records. Create acts inside
// the actor's organization; the portal's reads and updates are by the
// unguessable id, and each download is audited in the message's
// organization.
type SecureMessageService interface {
	CreateSecureMessage(ctx context.Context, m *SecureMessage) error
	FindSecureMessage(ctx context.Context, id string) (*SecureMessage, error)
	// SecureFailedAttempt counts a wrong access code and returns the count.
	SecureFailedAttempt(ctx context.Context, id string) (int, error)
	RecordSecureDownload(ctx context.Context, id string, d SecureDownload) error
	RevokeSecureMessage(ctx context.Context, id string) error
}

// Limits of a secure message.
const (
	// SecureMaxAttempts wrong access codes lock a secure message.
	SecureMaxAttempts = 5
	// SecureDefaultDownloads is how often a recipient may download a
	// message when its record sets no limit.
	SecureDefaultDownloads = 3
)

// Available reports whether the message may be downloaded at t after
// downloads earlier downloads: not revoked, not expired, not locked by
// wrong codes, downloads left.
func (m *SecureMessage) Available(t time.Time, downloads int) bool {
	limit := m.MaxDownloads
	if limit == 0 {
		limit = SecureDefaultDownloads
	}
	return !m.Revoked && t.Before(m.Expires) && m.FailedAttempts < SecureMaxAttempts && downloads < limit
}
