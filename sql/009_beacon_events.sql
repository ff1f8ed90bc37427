-- Beacons and money (issue #5): tables of our own beside the contract's
-- impressions and campaign_daily_stats (ARCHITECTURE.md, "Money, caps").
-- The spool drain writes every row here in one transaction per batch;
-- money is integer micro-units of the campaign currency.
-- Applied inside one transaction by `adserverd migrate`.

-- Every spooled event, valid or not, once. event_id is "<AdServingId>:<event>"
-- for a signed beacon (a player's retry of the same beacon hits the primary
-- key and counts once) and the spool record's own id for the unsigned ones
-- (track-impression, the old impression API, invalid beacons), so a replay of
-- the spool after a crash never counts twice.
CREATE TABLE beacon_events (
    event_id text PRIMARY KEY,
    source varchar(16) NOT NULL
        CHECK (source IN ('beacon', 'track', 'legacy', 'invalid')),
    event_type varchar(20) NOT NULL,
    valid boolean NOT NULL,
    invalid_reason varchar(20),               -- bad_signature, expired, malformed
    ad_serving_id uuid,
    campaign_id uuid,                         -- no foreign key: unknown ids go to dead letters
    creative_id uuid,
    impression_id uuid,                       -- the contract's impressions row it made
    cap_key varchar(32),                      -- freqcap key (hex), to rebuild caps after FLUSHALL
    price_micros bigint NOT NULL DEFAULT 0 CHECK (price_micros >= 0),
    error_code integer,
    playhead_ms bigint,
    received_at timestamptz NOT NULL,
    drained_at timestamptz NOT NULL DEFAULT now()
);

-- Spend in micro-units: the record. The contract's budget_spent and
-- spend_amount follow it in cents, never above budget_total.
CREATE TABLE campaign_spend (
    campaign_id uuid PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    spent_micros bigint NOT NULL DEFAULT 0 CHECK (spent_micros >= 0),
    billable_micros bigint NOT NULL DEFAULT 0 CHECK (billable_micros >= 0),
    overspend_micros bigint NOT NULL DEFAULT 0 CHECK (overspend_micros >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaign_spend_daily (
    campaign_id uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    date date NOT NULL,
    spent_micros bigint NOT NULL DEFAULT 0,
    billable_micros bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, date)
);

-- Spend beyond budget_total: one row per drain batch that went over, so the
-- overspend of a run is measured, not hidden in the capped contract column.
CREATE TABLE campaign_overspend (
    id bigserial PRIMARY KEY,
    campaign_id uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    overspend_micros bigint NOT NULL CHECK (overspend_micros > 0),
    budget_micros bigint NOT NULL,
    spent_micros bigint NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

-- Events the drain could not apply (unknown campaign or creative, a spool
-- record it cannot decode): kept with the reason, never blocking the rest.
CREATE TABLE beacon_dead_letters (
    event_id text PRIMARY KEY,
    reason text NOT NULL,
    campaign_id text,
    creative_id text,
    event_type varchar(20),
    record bytea NOT NULL,
    received_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_beacon_events_campaign_received ON beacon_events (campaign_id, received_at);
CREATE INDEX idx_beacon_events_received_cap ON beacon_events (received_at)
    WHERE cap_key IS NOT NULL AND valid AND event_type = 'impression';
CREATE INDEX idx_campaign_overspend_campaign ON campaign_overspend (campaign_id);

COMMENT ON TABLE beacon_events IS
    'every spooled beacon once (valid and invalid), keyed for idempotent replay';
COMMENT ON TABLE campaign_spend IS
    'spend per campaign in micro-units; budget_spent in cents follows billable_micros';
COMMENT ON TABLE campaign_spend_daily IS
    'spend per campaign and UTC day in micro-units; spend_amount in cents follows it';
COMMENT ON TABLE campaign_overspend IS
    'spend past budget_total per drain batch, in micro-units';
COMMENT ON TABLE beacon_dead_letters IS
    'spooled events the drain set aside, with the reason';
COMMENT ON INDEX beacon_events_pkey IS
    'dedup: a retried beacon or a replayed spool record hits it (ON CONFLICT DO NOTHING); '
    'complete/click find their impression row through "<AdServingId>:impression"';
COMMENT ON INDEX idx_beacon_events_campaign_received IS
    'the per-minute series endpoint and the spend rebuild read one campaign over a time range';
COMMENT ON INDEX idx_beacon_events_received_cap IS
    'rebuilding frequency-cap counters after a Redis FLUSHALL reads the last week of capped '
    'impressions only';
COMMENT ON INDEX campaign_spend_pkey IS
    'one row per campaign; the drain locks it per batch so two instances add spend in turn';
COMMENT ON INDEX campaign_spend_daily_pkey IS
    'one row per campaign and day; the drain upserts on it';
COMMENT ON INDEX campaign_overspend_pkey IS 'row identity';
COMMENT ON INDEX idx_campaign_overspend_campaign IS
    'overspend of one campaign, summed by reports and tests';
COMMENT ON INDEX beacon_dead_letters_pkey IS
    'a replayed spool record is set aside once (ON CONFLICT DO NOTHING)';

-- Add micros of spend to campaign c on UTC day d: the record in
-- campaign_spend(_daily), the capped cents in the contract's columns, the
-- excess in campaign_overspend. Rows are locked in the caller's campaign
-- order, so two draining instances never deadlock.
CREATE FUNCTION beacon_spend_apply(c uuid, d date, micros bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    budget bigint;
    spent0 bigint;
    bill0 bigint;
    spent1 bigint;
    bill1 bigint;
    over bigint;
BEGIN
    SELECT (budget_total * 1000000)::bigint INTO budget FROM campaigns WHERE id = c;
    IF budget IS NULL THEN
        RETURN 0;
    END IF;
    INSERT INTO campaign_spend (campaign_id) VALUES (c) ON CONFLICT (campaign_id) DO NOTHING;
    SELECT spent_micros, billable_micros INTO spent0, bill0
        FROM campaign_spend WHERE campaign_id = c FOR UPDATE;
    spent1 := spent0 + micros;
    bill1 := LEAST(spent1, budget);
    over := spent1 - bill1;
    UPDATE campaign_spend SET spent_micros = spent1, billable_micros = bill1,
        overspend_micros = over, updated_at = now() WHERE campaign_id = c;
    INSERT INTO campaign_spend_daily (campaign_id, date, spent_micros, billable_micros)
        VALUES (c, d, micros, bill1 - bill0)
        ON CONFLICT (campaign_id, date) DO UPDATE
        SET spent_micros = campaign_spend_daily.spent_micros + EXCLUDED.spent_micros,
            billable_micros = campaign_spend_daily.billable_micros + EXCLUDED.billable_micros;
    INSERT INTO campaign_daily_stats (campaign_id, date, spend_amount)
        SELECT c, d, trunc(billable_micros / 10000) / 100.0
        FROM campaign_spend_daily WHERE campaign_id = c AND date = d
        ON CONFLICT (campaign_id, date) DO UPDATE SET spend_amount = EXCLUDED.spend_amount;
    UPDATE campaigns SET budget_spent = trunc(bill1 / 10000) / 100.0
        WHERE id = c AND budget_spent IS DISTINCT FROM trunc(bill1 / 10000) / 100.0;
    IF over > spent0 - bill0 THEN
        INSERT INTO campaign_overspend (campaign_id, overspend_micros, budget_micros, spent_micros)
            VALUES (c, over - (spent0 - bill0), budget, spent1);
    END IF;
    RETURN micros;
END
$$;

COMMENT ON FUNCTION beacon_spend_apply(uuid, date, bigint) IS
    'adds a drain batch''s spend of one campaign and day; caps the contract columns at budget';
