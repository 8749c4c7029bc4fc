-- airtight schema, version 1: organizations, principals, inventory, grants,
-- audit log. Written once for SQLite and PostgreSQL: {{id}} becomes the
-- engine's auto-increment primary key. Times are BIGINT Unix microseconds
-- (UTC); empty optional text is '' rather than NULL so that uniqueness and
-- filters behave alike on both engines.

CREATE TABLE organizations (
    id {{id}},
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled_at BIGINT,
    last_login_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_org ON users (org_id, id);

CREATE TABLE tokens (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX tokens_org ON tokens (org_id, id);

CREATE TABLE sessions (
    id {{id}},
    hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    csrf_token TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE manufacturers (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    website TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE products (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    manufacturer_id BIGINT NOT NULL REFERENCES manufacturers(id),
    model TEXT NOT NULL,
    model_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    fda_product_code TEXT NOT NULL,
    criticality TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (manufacturer_id, model_key)
);
CREATE INDEX products_org_kind ON products (org_id, kind);

CREATE TABLE product_versions (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    version TEXT NOT NULL,
    release_date TEXT NOT NULL,
    end_of_support TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (product_id, version)
);

-- product_id and manufacturer_id are copied from the version (a version
-- never changes product) so that filters by kind, product or maker, and
-- installed-base grants, need no join to find their rows.
CREATE TABLE devices (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    product_version_id BIGINT NOT NULL REFERENCES product_versions(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    manufacturer_id BIGINT NOT NULL REFERENCES manufacturers(id),
    asset_tag TEXT NOT NULL,
    serial_number TEXT NOT NULL,
    udi TEXT NOT NULL,
    site TEXT NOT NULL,
    department TEXT NOT NULL,
    room TEXT NOT NULL,
    network_zone TEXT NOT NULL,
    ip TEXT NOT NULL,
    mac TEXT NOT NULL,
    hostname TEXT NOT NULL,
    ae_title TEXT NOT NULL,
    hl7_application TEXT NOT NULL,
    owner TEXT NOT NULL,
    status TEXT NOT NULL,
    first_seen BIGINT,
    last_seen BIGINT,
    search_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, asset_tag)
);
CREATE INDEX devices_org_dept ON devices (org_id, department, id);
CREATE INDEX devices_org_zone ON devices (org_id, network_zone, id);
CREATE INDEX devices_org_site ON devices (org_id, site, id);
CREATE INDEX devices_org_status ON devices (org_id, status, id);
CREATE INDEX devices_org_product ON devices (org_id, product_id, id);
CREATE INDEX devices_org_maker ON devices (org_id, manufacturer_id, id);
CREATE INDEX devices_version ON devices (product_version_id);
CREATE INDEX devices_org_ip ON devices (org_id, ip);

CREATE TABLE grants (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    grantee_org_id BIGINT NOT NULL REFERENCES organizations(id),
    manufacturer_id BIGINT NOT NULL REFERENCES manufacturers(id),
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX grants_grantee ON grants (grantee_org_id);
CREATE INDEX grants_org ON grants (org_id);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    time BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_org ON audit_log (org_id, seq);

-- One row: the chain's head. Writers lock it (FOR UPDATE on PostgreSQL; the
-- single SQLite writer already serialises) to append in order.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
