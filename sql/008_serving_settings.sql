-- What ad serving needs to know about a campaign beyond the contract's
-- campaigns row (ours, not the contract's: the campaign object and its PUT
-- keep exactly the columns of section 6). One optional row per campaign in
-- each table; an absent row means the defaults written here. The catalog
-- builder reads these tables and LISTENs on adserverd_catalog to rebuild
-- when any of them, campaigns or creatives change.
-- Applied inside one transaction by `adserverd migrate`.
CREATE TABLE campaign_serving (
    campaign_id uuid PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    priority integer NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
    weight integer NOT NULL DEFAULT 100 CHECK (weight BETWEEN 1 AND 1000000),
    pacing_mode varchar(8) NOT NULL DEFAULT 'even' CHECK (pacing_mode IN ('even', 'asap')),
    time_zone text NOT NULL DEFAULT 'UTC',    -- IANA name, checked against zoneinfo by the API
    advertiser_domain varchar(253),           -- lower-cased hostname, for adomain
    iab_categories text[] NOT NULL DEFAULT '{}',
    click_through_url varchar(2000),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaign_targeting (
    campaign_id uuid PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    countries text[] NOT NULL DEFAULT '{}',   -- an empty list means any value
    regions text[] NOT NULL DEFAULT '{}',
    dmas text[] NOT NULL DEFAULT '{}',
    device_types text[] NOT NULL DEFAULT '{}',
    os text[] NOT NULL DEFAULT '{}',
    app_bundles text[] NOT NULL DEFAULT '{}',
    content_genres text[] NOT NULL DEFAULT '{}',
    content_ratings text[] NOT NULL DEFAULT '{}',
    content_categories text[] NOT NULL DEFAULT '{}',
    livestream varchar(8) NOT NULL DEFAULT 'any' CHECK (livestream IN ('any', 'only', 'never')),
    -- seven bitmasks, Sunday first, bit h = local hour h; all zero = any time
    dayparts integer[] NOT NULL DEFAULT '{0,0,0,0,0,0,0}'
        CHECK (cardinality(dayparts) = 7),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaign_caps (
    campaign_id uuid PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    per_hour integer CHECK (per_hour > 0),    -- NULL = no cap
    per_day integer CHECK (per_day > 0),
    per_week integer CHECK (per_week > 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE iab_category_exclusions (
    category_a text NOT NULL,
    category_b text NOT NULL,
    PRIMARY KEY (category_a, category_b)
);

COMMENT ON TABLE campaign_serving IS
    'priority, weight, pacing zone and advertiser facts of a campaign; no row = defaults';
COMMENT ON TABLE campaign_targeting IS
    'per-dimension allow lists, livestream rule and dayparts of a campaign; no row = any';
COMMENT ON TABLE campaign_caps IS
    'frequency caps per device of a campaign; no row or NULL = uncapped';
COMMENT ON TABLE iab_category_exclusions IS
    'pairs of IAB categories that must not run in the same ad pod (competitive separation)';
COMMENT ON INDEX campaign_serving_pkey IS
    'one row per campaign; the API upserts on it and the catalog builder joins on it';
COMMENT ON INDEX campaign_targeting_pkey IS
    'one row per campaign; the API upserts on it and the catalog builder joins on it';
COMMENT ON INDEX campaign_caps_pkey IS
    'one row per campaign; the API upserts on it and the catalog builder joins on it';
COMMENT ON INDEX iab_category_exclusions_pkey IS
    'a pair is stored once; the catalog builder reads the whole table';

-- The catalog builder LISTENs on this channel and rebuilds its snapshot; the
-- payload names the table that changed. Statement level: one notification per
-- statement, and PostgreSQL folds identical notifications of a transaction.
CREATE FUNCTION notify_catalog() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('adserverd_catalog', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION notify_catalog() IS
    'wakes the catalog builder (LISTEN adserverd_catalog) when serving inputs change';

CREATE TRIGGER notify_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog();
CREATE TRIGGER notify_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON creatives
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog();
CREATE TRIGGER notify_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaign_serving
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog();
CREATE TRIGGER notify_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaign_targeting
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog();
CREATE TRIGGER notify_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaign_caps
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog();
CREATE TRIGGER notify_catalog
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON iab_category_exclusions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog();
