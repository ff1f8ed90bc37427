-- Device and location fields the impression tracker records (contract 3.5, section 6).
ALTER TABLE impressions
    ADD COLUMN device_type varchar(50),
    ADD COLUMN location_country varchar(2),
    ADD COLUMN location_region varchar(100),
    ADD COLUMN user_agent text,
    ADD COLUMN ip_address inet,
    ADD COLUMN session_id varchar(255);

CREATE INDEX idx_impressions_device_type ON impressions (device_type);
CREATE INDEX idx_impressions_location_country ON impressions (location_country);
CREATE INDEX idx_impressions_session_id ON impressions (session_id);

COMMENT ON INDEX idx_impressions_device_type IS 'analytics by device type';
COMMENT ON INDEX idx_impressions_location_country IS 'analytics by country';
COMMENT ON INDEX idx_impressions_session_id IS 'per-session frequency analysis';
