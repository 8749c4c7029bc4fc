-- airtight schema, version 3: device PKI. Certificate authorities of an
-- organization, the certificates they issue, one-time EST enrollment tokens
-- and the factory CAs (trust anchors) an organization accepts.
--
-- Booleans are INTEGER 0/1 on both engines. Times are BIGINT Unix
-- microseconds (UTC), NULL when absent.

CREATE TABLE cas (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES cas(id),
    cert_der {{blob}} NOT NULL,
    key_ref TEXT NOT NULL,
    offline INTEGER NOT NULL,
    not_after BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

-- serial is the certificate's serial number as lowercase hexadecimal,
-- zero-padded to 40 digits (20 octets, the RFC 5280 maximum), so that text
-- order is numeric order on both engines: CRLs walk revoked certificates in
-- serial order straight from an index. The store strips the padding again
-- on the way out (pki.Certificate.Serial has no leading zeros).
--
-- A serial is unique within an organization, which implies unique within
-- each of its CAs, and makes "the organization's certificate with serial S"
-- unambiguous. id is a surrogate key for list order and cursors only.
CREATE TABLE certificates (
    id {{id}},
    serial TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    ca_id BIGINT NOT NULL REFERENCES cas(id),
    device_id BIGINT REFERENCES devices(id) ON DELETE SET NULL,
    profile TEXT NOT NULL,
    subject TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    der {{blob}} NOT NULL,
    status TEXT NOT NULL,
    revoked_at BIGINT,
    reason INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, serial)
);
-- CRL generation: one CA's revoked certificates in serial order. Partial, so
-- that it holds only revoked certificates (queries name status = 'revoked'
-- literally so that both planners can use it), and covering, so that a walk
-- reads the index alone: serials are random, so the table rows it would
-- otherwise visit lie in random order across the file.
CREATE INDEX certificates_revoked ON certificates (ca_id, serial, revoked_at, reason) WHERE status = 'revoked';
-- Expiry watch: an organization's good certificates by expiry, in the
-- (not_after, id) order its keyset cursor follows.
CREATE INDEX certificates_expiry ON certificates (org_id, not_after, id) WHERE status = 'good';
-- A device's certificates, in list order. device_id leads so that deleting a
-- device (ON DELETE SET NULL) finds its certificates; org_id follows so that
-- SQLite, without statistics, prefers this index to certificates_org for a
-- device's list (two equality terms against one).
CREATE INDEX certificates_device ON certificates (device_id, org_id, id);
-- Plain lists of an organization's certificates, in ID order.
CREATE INDEX certificates_org ON certificates (org_id, id);

-- A token is bound to one device: deleting the device deletes its tokens.
CREATE TABLE enrollment_tokens (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    device_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    profile TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX enrollment_tokens_device ON enrollment_tokens (device_id);
CREATE INDEX enrollment_tokens_org ON enrollment_tokens (org_id, id);

CREATE TABLE trust_anchors (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    cert_der {{blob}} NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);
