-- What creative processing learnt from an uploaded file's bytes (ours, not the
-- contract's: the creatives row keeps exactly the columns of section 6).
-- One row per creative uploaded through POST /api/v1/campaigns/:id/creatives;
-- creatives inserted by other means have none and are never processed.
-- Applied inside one transaction by `adserverd migrate`.
CREATE TABLE creative_media (
    creative_id uuid PRIMARY KEY REFERENCES creatives(id) ON DELETE CASCADE,
    storage_key varchar(1024) NOT NULL,
    declared_type varchar(255) NOT NULL,      -- the upload part's Content-Type
    state varchar(20) NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'ready', 'failed')),
    attempts integer NOT NULL DEFAULT 0,      -- processing runs that hit a transient error
    mime varchar(64),                         -- from the bytes: video/mp4, video/quicktime, ...
    container varchar(8),                     -- mp4, mov, avi
    video_codec varchar(48),                  -- RFC 6381 where possible: avc1.640015
    audio_codec varchar(48),                  -- '' when there is no audio track
    bitrate_kbps integer,
    duration_ms bigint,                       -- measured, before rounding into creatives.duration
    width integer,                            -- display size after rotation
    height integer,
    fps_num integer,
    fps_den integer,
    faststart boolean,                        -- header before media data: playable while loading
    file_size bigint,                         -- bytes read back from storage
    failure_reason text,                      -- why state is 'failed', shown to the advertiser
    created_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);

CREATE UNIQUE INDEX idx_creative_media_storage_key ON creative_media (storage_key);
CREATE INDEX idx_creative_media_pending ON creative_media (created_at) WHERE state = 'pending';

COMMENT ON TABLE creative_media IS 'media facts measured by creative processing, and why it failed';
COMMENT ON INDEX idx_creative_media_storage_key IS
    'one creative per stored object; the media route and deletes resolve keys to creatives';
COMMENT ON INDEX idx_creative_media_pending IS
    'the processing worker resumes pending creatives, oldest first, after a restart';
