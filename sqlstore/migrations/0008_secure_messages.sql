-- Secure messages: mail with patient data delivered through the portal.
-- The content is in the encrypted vault; the access code only as a hash.

CREATE TABLE secure_messages (
    id TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    vault_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked INTEGER NOT NULL,
    failed_attempts INTEGER NOT NULL,
    max_downloads INTEGER NOT NULL
);
CREATE INDEX secure_messages_org ON secure_messages (org_id, created_at);

CREATE TABLE secure_downloads (
    id {{id}},
    message_id TEXT NOT NULL REFERENCES secure_messages(id),
    at BIGINT NOT NULL,
    remote_addr TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX secure_downloads_message ON secure_downloads (message_id, id);
