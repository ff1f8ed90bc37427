-- An advertiser's own measurement (ours, not the contract's: the creative and
-- campaign objects keep exactly their columns): third-party tracker URLs of a
-- creative and of a campaign (the campaign's apply to every creative of it,
-- after the creative's own), and the OMID verification scripts of a creative.
-- Each row holds one whole document as the admin API validated and
-- normalised it; a PUT replaces it in one statement, so a reader never sees
-- half a change. No row means an empty document.
-- Applied inside one transaction by `adserverd migrate`.
CREATE TABLE creative_trackers (
    creative_id uuid PRIMARY KEY REFERENCES creatives(id) ON DELETE CASCADE,
    trackers json NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaign_trackers (
    campaign_id uuid PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    trackers json NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE creative_verifications (
    creative_id uuid PRIMARY KEY REFERENCES creatives(id) ON DELETE CASCADE,
    verifications json NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE creative_trackers IS
    'third-party impression, click, error and event tracker URLs of a creative; no row = none';
COMMENT ON TABLE campaign_trackers IS
    'third-party tracker URLs added to every creative of a campaign; no row = none';
COMMENT ON TABLE creative_verifications IS
    'OMID verification scripts of a creative, written into VAST AdVerifications; no row = none';
COMMENT ON INDEX creative_trackers_pkey IS
    'one row per creative; the API upserts on it and the catalog builder joins on it';
COMMENT ON INDEX campaign_trackers_pkey IS
    'one row per campaign; the API upserts on it and the catalog builder joins on it';
COMMENT ON INDEX creative_verifications_pkey IS
    'one row per creative; the API upserts on it and the catalog builder joins on it';

-- Serving reads these from its snapshot: a change must wake the catalog builder.
CREATE TRIGGER notify_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON creative_trackers
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog();
CREATE TRIGGER notify_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaign_trackers
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog();
CREATE TRIGGER notify_catalog
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON creative_verifications
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog();
