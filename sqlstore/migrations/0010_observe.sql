-- Network observations from monitoring: who talks to whom (links, with
-- their traffic per hour), events per minute per input, and talkers that
-- are not in the inventory (discovered devices). Counts only: no payloads,
-- no patient data. Link and rate counts are kept 30 days.

CREATE TABLE net_links (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    src_key TEXT NOT NULL,
    dst_key TEXT NOT NULL,
    app TEXT NOT NULL,
    protocol TEXT NOT NULL,
    port INTEGER NOT NULL,
    src_device BIGINT NOT NULL,
    src_ip TEXT NOT NULL,
    src_label TEXT NOT NULL,
    src_zone TEXT NOT NULL,
    dst_device BIGINT NOT NULL,
    dst_ip TEXT NOT NULL,
    dst_label TEXT NOT NULL,
    dst_zone TEXT NOT NULL,
    ae_titles TEXT NOT NULL,
    hl7_apps TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL
);
CREATE UNIQUE INDEX net_links_key ON net_links (org_id, src_key, dst_key, app, protocol, port);
CREATE INDEX net_links_seen ON net_links (org_id, last_seen);

CREATE TABLE net_link_hours (
    link_id BIGINT NOT NULL REFERENCES net_links(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    hour_at BIGINT NOT NULL,
    events BIGINT NOT NULL,
    packets BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    PRIMARY KEY (link_id, hour_at)
);
CREATE INDEX net_link_hours_org ON net_link_hours (org_id, hour_at);

CREATE TABLE event_rates (
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    minute_at BIGINT NOT NULL,
    source TEXT NOT NULL,
    class TEXT NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (org_id, minute_at, source, class)
);

CREATE TABLE discovered_devices (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    ident TEXT NOT NULL,
    ip TEXT NOT NULL,
    mac TEXT NOT NULL,
    ae_title TEXT NOT NULL,
    hl7_app TEXT NOT NULL,
    hostname TEXT NOT NULL,
    apps TEXT NOT NULL,
    events BIGINT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    status TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX discovered_devices_key ON discovered_devices (org_id, ident);
CREATE INDEX discovered_devices_status ON discovered_devices (org_id, status, id);
