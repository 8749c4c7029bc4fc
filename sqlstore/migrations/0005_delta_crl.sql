-- airtight schema, version 5: delta CRLs (RFC 5280 section 5.2.4).
--
-- A delta CRL lists one CA's certificates revoked since its base CRL: a
-- few among possibly a million. certificates_revoked is ordered by serial,
-- so finding them there means reading every revoked certificate of the
-- CA; this index finds them by revocation time. Partial and covering like
-- certificates_revoked (queries name status = 'revoked' literally).
CREATE INDEX certificates_revoked_since ON certificates (ca_id, revoked_at, serial, reason) WHERE status = 'revoked';
