-- FDA device recalls (openFDA device/recall and device/enforcement), stored
-- once for the installation beside the advisories, under their recall
-- number (product_res_number). They are matched to product versions by
-- device identity; the findings they give carry the recall class.

CREATE TABLE vuln_recalls (
    recall_number TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    firm TEXT NOT NULL,
    status TEXT NOT NULL,
    recall_class TEXT NOT NULL,
    modified BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    doc TEXT NOT NULL
);

-- '' for advisory findings; "I", "II", "III" or "-" (not given) for recalls.
ALTER TABLE vuln_findings ADD COLUMN recall_class TEXT NOT NULL DEFAULT '';
