-- The rendition ladder of each uploaded creative (ours, beside creative_media):
-- one row per rung, made when processing has measured the upload (kept as
-- the mezzanine) and found it servable. Each rung is an H.264/AAC MP4 and the
-- same stream cut into an HLS VOD media playlist; the creative's HLS master
-- playlist lists the rungs that are ready. A creative becomes servable with
-- its first ready rung.
-- Applied inside one transaction by `adserverd migrate`.
CREATE TABLE creative_renditions (
    creative_id uuid NOT NULL REFERENCES creatives(id) ON DELETE CASCADE,
    rung varchar(16) NOT NULL,                -- '1080p', '720p', ... (the configured ladder's names)
    position integer NOT NULL,                -- order of work: smallest rung first
    state varchar(16) NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'running', 'ready', 'failed')),
    attempts integer NOT NULL DEFAULT 0,      -- runs ended by a transient error or a restart
    target_width integer NOT NULL,            -- the output size and video bitrate asked for
    target_height integer NOT NULL,
    target_kbps integer NOT NULL,
    width integer,                            -- measured on the output by ffprobe
    height integer,
    bitrate_kbps integer,                     -- whole file, measured
    video_codec varchar(48),                  -- RFC 6381: avc1.64001F
    audio_codec varchar(48),                  -- '' when the source has no audio
    file_size bigint,
    mp4_key varchar(1024),                    -- storage keys, set when ready
    hls_key varchar(1024),                    -- the rung's media playlist
    hls_segments integer,                     -- seg_000.ts .. beside the playlist
    encode_ms bigint,                         -- wall time of the transcode
    failure_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    PRIMARY KEY (creative_id, rung)
);

CREATE INDEX idx_creative_renditions_open ON creative_renditions (created_at)
    WHERE state IN ('pending', 'running');

COMMENT ON TABLE creative_renditions IS
    'rendition ladder per uploaded creative: MP4 and HLS per rung, measured';
COMMENT ON INDEX idx_creative_renditions_open IS
    'the processing worker resumes unfinished rungs, oldest first, after a restart';

-- A rendition that becomes ready changes what VAST lists: wake the catalog
-- builder as the serving tables do (notify_catalog, sql/008).
CREATE TRIGGER notify_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON creative_renditions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog();
