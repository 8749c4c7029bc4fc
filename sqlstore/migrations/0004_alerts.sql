-- Alerts: the one alert model every capability raises into. An unresolved
-- alert is unique per (organization, key): raising it again updates it.

CREATE TABLE alerts (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    alert_key TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    status TEXT NOT NULL,
    device_id BIGINT REFERENCES devices(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    action TEXT NOT NULL,
    technique TEXT NOT NULL,
    evidence TEXT NOT NULL,
    count BIGINT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX alerts_open_key ON alerts (org_id, alert_key) WHERE status <> 'resolved';
CREATE INDEX alerts_org_status ON alerts (org_id, status, severity_rank, id);
CREATE INDEX alerts_device ON alerts (device_id, org_id);
