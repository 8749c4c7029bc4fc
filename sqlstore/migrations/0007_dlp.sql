-- DLP events (decisions: who, channel, destination domain, identifier types
-- and counts, action; never PHI values) and quarantined content records
-- (the content itself is in the encrypted vault).

CREATE TABLE dlp_events (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    channel TEXT NOT NULL,
    actor TEXT NOT NULL,
    destination TEXT NOT NULL,
    external INTEGER NOT NULL,
    action TEXT NOT NULL,
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    types TEXT NOT NULL,
    unscannable INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    ref TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX dlp_events_org ON dlp_events (org_id, id);
CREATE INDEX dlp_events_org_time ON dlp_events (org_id, created_at);

CREATE TABLE dlp_quarantine (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    event_id BIGINT NOT NULL REFERENCES dlp_events(id),
    vault_id TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    actor TEXT NOT NULL,
    status TEXT NOT NULL,
    types TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT NOT NULL,
    decided_by TEXT NOT NULL
);
CREATE INDEX dlp_quarantine_org ON dlp_quarantine (org_id, status, id);
