-- Incidents group the alerts about one subject (a device, or an address not
-- in the inventory) that arrive close together in time.

CREATE TABLE incidents (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    device_id BIGINT REFERENCES devices(id) ON DELETE SET NULL,
    subject TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    status TEXT NOT NULL,
    assignee TEXT NOT NULL,
    alert_count BIGINT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX incidents_org_status ON incidents (org_id, status, severity_rank, id);
CREATE INDEX incidents_subject ON incidents (org_id, subject, last_seen);

ALTER TABLE alerts ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN incident_id BIGINT REFERENCES incidents(id) ON DELETE SET NULL;
CREATE INDEX alerts_incident ON alerts (incident_id);
