-- Video creatives of a campaign (API-CONTRACT.md section 6, "creatives").
CREATE TABLE creatives (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    campaign_id uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    name varchar(255) NOT NULL,
    video_url varchar(500) NOT NULL,
    duration integer NOT NULL CHECK (duration > 0 AND duration <= 120),
    file_size bigint,
    width integer,
    height integer,
    format varchar(20) DEFAULT 'mp4',
    status varchar(20) DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'processing', 'failed')),
    uploaded_by uuid REFERENCES users(id),
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now()
);

CREATE INDEX idx_creatives_campaign_id ON creatives (campaign_id);
CREATE INDEX idx_creatives_status ON creatives (status);
CREATE INDEX idx_creatives_duration ON creatives (duration);

COMMENT ON INDEX idx_creatives_campaign_id IS 'creatives are always listed per campaign';
COMMENT ON INDEX idx_creatives_status IS 'only active creatives are servable';
COMMENT ON INDEX idx_creatives_duration IS 'pod filling selects by duration';

CREATE TRIGGER update_creatives_updated_at BEFORE UPDATE ON creatives
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
