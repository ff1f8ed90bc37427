-- Ad requests, impressions and daily stats (API-CONTRACT.md section 6).
-- The impressions foreign keys deliberately do not cascade (contract 3.3.6, 3.4.6).
CREATE TABLE ad_requests (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    request_id varchar(255) NOT NULL UNIQUE,
    pod_duration integer,
    ip_address inet,
    user_agent text,
    device_id varchar(255),
    session_id varchar(255),
    referer text,
    created_at timestamptz DEFAULT now()
);

CREATE INDEX idx_ad_requests_created_at ON ad_requests (created_at);
CREATE INDEX idx_ad_requests_session_id ON ad_requests (session_id);

COMMENT ON INDEX idx_ad_requests_created_at IS 'time-range clean-up of old requests';
COMMENT ON INDEX idx_ad_requests_session_id IS 'per-session lookups of the reference ad server';

CREATE TABLE impressions (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    request_id uuid REFERENCES ad_requests(id),
    campaign_id uuid REFERENCES campaigns(id),
    creative_id uuid REFERENCES creatives(id),
    served_at timestamptz DEFAULT now(),
    duration_watched integer,
    completed boolean DEFAULT false,
    clicked boolean DEFAULT false,
    latency_ms integer,
    error_message text
);

CREATE INDEX idx_impressions_campaign_id ON impressions (campaign_id);
CREATE INDEX idx_impressions_creative_id ON impressions (creative_id);
CREATE INDEX idx_impressions_served_at ON impressions (served_at);
CREATE INDEX idx_impressions_request_id ON impressions (request_id);

COMMENT ON INDEX idx_impressions_campaign_id IS 'per-campaign analytics';
COMMENT ON INDEX idx_impressions_creative_id IS 'creative stats and breakdown';
COMMENT ON INDEX idx_impressions_served_at IS 'date-range filters of analytics';
COMMENT ON INDEX idx_impressions_request_id IS 'joins back to the ad request';

CREATE TABLE campaign_daily_stats (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    campaign_id uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    date date NOT NULL,
    impressions_count integer DEFAULT 0,
    clicks_count integer DEFAULT 0,
    completions_count integer DEFAULT 0,
    spend_amount decimal(12,2) DEFAULT 0.00,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    UNIQUE (campaign_id, date)
);

CREATE INDEX idx_campaign_daily_stats_campaign_date ON campaign_daily_stats (campaign_id, date);

COMMENT ON INDEX idx_campaign_daily_stats_campaign_date IS 'stats and analytics read a campaign''s days in order';

CREATE TRIGGER update_campaign_daily_stats_updated_at BEFORE UPDATE ON campaign_daily_stats
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
