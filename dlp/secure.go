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
