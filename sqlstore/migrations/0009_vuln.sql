-- Vulnerability management. Advisories and the KEV/EPSS enrichment are
-- installation-wide (public data); SBOMs, VEX statements, findings, the
-- patch plan and suppressions belong to one organization. Findings are kept
-- per product version: the devices of a finding are the devices running its
-- version, found by a join, never stored per device.

CREATE TABLE vuln_advisories (
    advisory_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    aliases TEXT NOT NULL,
    summary TEXT NOT NULL,
    cvss DOUBLE PRECISION NOT NULL,
    vector TEXT NOT NULL,
    kev INTEGER NOT NULL,
    epss DOUBLE PRECISION NOT NULL,
    modified BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    doc TEXT NOT NULL
);

CREATE TABLE vuln_kev (
    cve TEXT PRIMARY KEY,
    date_added TEXT NOT NULL
);

CREATE TABLE vuln_epss (
    cve TEXT PRIMARY KEY,
    score DOUBLE PRECISION NOT NULL
);

CREATE TABLE vuln_sboms (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    version_id BIGINT NOT NULL REFERENCES product_versions(id) ON DELETE CASCADE,
    format TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    components TEXT NOT NULL,
    component_count BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX vuln_sboms_version ON vuln_sboms (version_id, id);
CREATE INDEX vuln_sboms_org ON vuln_sboms (org_id, id);

CREATE TABLE vuln_vex (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    version_id BIGINT NOT NULL REFERENCES product_versions(id) ON DELETE CASCADE,
    vulnerability TEXT NOT NULL,
    aliases TEXT NOT NULL,
    products TEXT NOT NULL,
    status TEXT NOT NULL,
    justification TEXT NOT NULL,
    impact TEXT NOT NULL,
    action TEXT NOT NULL,
    source TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX vuln_vex_version ON vuln_vex (version_id, id);

-- resolved_at is 0 while the last evaluation still produces the finding.
CREATE TABLE vuln_findings (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    version_id BIGINT NOT NULL REFERENCES product_versions(id) ON DELETE CASCADE,
    advisory_id TEXT NOT NULL,
    component TEXT NOT NULL,
    component_identity TEXT NOT NULL,
    aliases TEXT NOT NULL,
    method TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    cvss DOUBLE PRECISION NOT NULL,
    kev INTEGER NOT NULL,
    epss DOUBLE PRECISION NOT NULL,
    fixed TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    resolved_at BIGINT NOT NULL,
    UNIQUE (version_id, advisory_id, component)
);
CREATE INDEX vuln_findings_org ON vuln_findings (org_id, resolved_at, id);
CREATE INDEX vuln_findings_advisory ON vuln_findings (advisory_id);

CREATE TABLE vuln_plan (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    version_id BIGINT NOT NULL REFERENCES product_versions(id) ON DELETE CASCADE,
    fixed TEXT NOT NULL,
    state TEXT NOT NULL,
    assignee TEXT NOT NULL,
    note TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (version_id, fixed)
);
CREATE INDEX vuln_plan_org ON vuln_plan (org_id, id);

CREATE TABLE vuln_suppressions (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    component_identity TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, component_identity, advisory_id)
);
