-- Device lists page through an organization's devices in ID order. Without
-- this index a list with no narrower filter sorts every device of the
-- organization for each page.
CREATE INDEX devices_org ON devices (org_id, id);
