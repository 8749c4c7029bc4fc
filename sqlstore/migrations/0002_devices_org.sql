-- Device lists page through an organization's devices in ID order. Without
-- this index a list with no narrower filter sorts every device of the
-- organization for each page. search_text rides along so that a text search
-- (a substring LIKE, which no B-tree can seek) scans this narrow index in ID
-- order and reads a table row only for matches.
CREATE INDEX devices_org ON devices (org_id, id, search_text);
