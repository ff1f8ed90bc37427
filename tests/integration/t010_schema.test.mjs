// The migrations create exactly the schema of docs/admin-api.md:
// columns (order, type, nullability, default), constraints, indexes, the
// updated_at trigger, schema_migrations rows under the reference's names,
// and `adserverd migrate` is idempotent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { sql } from '../lib/harness.mjs';

// table -> [column, type, nullable(YES/NO), default-or-null], in order.
const COLUMNS = {
  users: [
    ['id', 'uuid', 'NO', 'uuid_generate_v4()'],
    ['email', 'character varying(255)', 'NO', null],
    ['password_hash', 'character varying(255)', 'NO', null],
    ['name', 'character varying(255)', 'NO', null],
    ['role', 'character varying(20)', 'YES', "'advertiser'::character varying"],
    ['status', 'character varying(20)', 'YES', "'active'::character varying"],
    ['created_at', 'timestamp with time zone', 'YES', 'now()'],
    ['updated_at', 'timestamp with time zone', 'YES', 'now()'],
  ],
  campaigns: [
    ['id', 'uuid', 'NO', 'uuid_generate_v4()'],
    ['name', 'character varying(255)', 'NO', null],
    ['description', 'text', 'YES', null],
    ['status', 'character varying(20)', 'YES', "'draft'::character varying"],
    ['budget_total', 'numeric(12,2)', 'NO', null],
    ['budget_spent', 'numeric(12,2)', 'YES', '0.00'],
    ['start_date', 'timestamp with time zone', 'NO', null],
    ['end_date', 'timestamp with time zone', 'NO', null],
    ['created_by', 'uuid', 'YES', null],
    ['created_at', 'timestamp with time zone', 'YES', 'now()'],
    ['updated_at', 'timestamp with time zone', 'YES', 'now()'],
    ['pricing_model', 'character varying(20)', 'NO', "'cpm'::character varying"],
    ['cpm_rate', 'numeric(10,2)', 'YES', 'NULL::numeric'],
    ['cpc_rate', 'numeric(10,2)', 'YES', 'NULL::numeric'],
    ['cpv_rate', 'numeric(10,2)', 'YES', 'NULL::numeric'],
  ],
  creatives: [
    ['id', 'uuid', 'NO', 'uuid_generate_v4()'],
    ['campaign_id', 'uuid', 'NO', null],
    ['name', 'character varying(255)', 'NO', null],
    ['video_url', 'character varying(500)', 'NO', null],
    ['duration', 'integer', 'NO', null],
    ['file_size', 'bigint', 'YES', null],
    ['width', 'integer', 'YES', null],
    ['height', 'integer', 'YES', null],
    ['format', 'character varying(20)', 'YES', "'mp4'::character varying"],
    ['status', 'character varying(20)', 'YES', "'active'::character varying"],
    ['uploaded_by', 'uuid', 'YES', null],
    ['created_at', 'timestamp with time zone', 'YES', 'now()'],
    ['updated_at', 'timestamp with time zone', 'YES', 'now()'],
  ],
  ad_requests: [
    ['id', 'uuid', 'NO', 'uuid_generate_v4()'],
    ['request_id', 'character varying(255)', 'NO', null],
    ['pod_duration', 'integer', 'YES', null],
    ['ip_address', 'inet', 'YES', null],
    ['user_agent', 'text', 'YES', null],
    ['device_id', 'character varying(255)', 'YES', null],
    ['session_id', 'character varying(255)', 'YES', null],
    ['referer', 'text', 'YES', null],
    ['created_at', 'timestamp with time zone', 'YES', 'now()'],
  ],
  impressions: [
    ['id', 'uuid', 'NO', 'uuid_generate_v4()'],
    ['request_id', 'uuid', 'YES', null],
    ['campaign_id', 'uuid', 'YES', null],
    ['creative_id', 'uuid', 'YES', null],
    ['served_at', 'timestamp with time zone', 'YES', 'now()'],
    ['duration_watched', 'integer', 'YES', null],
    ['completed', 'boolean', 'YES', 'false'],
    ['clicked', 'boolean', 'YES', 'false'],
    ['latency_ms', 'integer', 'YES', null],
    ['error_message', 'text', 'YES', null],
    ['device_type', 'character varying(50)', 'YES', null],
    ['location_country', 'character varying(2)', 'YES', null],
    ['location_region', 'character varying(100)', 'YES', null],
    ['user_agent', 'text', 'YES', null],
    ['ip_address', 'inet', 'YES', null],
    ['session_id', 'character varying(255)', 'YES', null],
  ],
  campaign_daily_stats: [
    ['id', 'uuid', 'NO', 'uuid_generate_v4()'],
    ['campaign_id', 'uuid', 'NO', null],
    ['date', 'date', 'NO', null],
    ['impressions_count', 'integer', 'YES', '0'],
    ['clicks_count', 'integer', 'YES', '0'],
    ['completions_count', 'integer', 'YES', '0'],
    ['spend_amount', 'numeric(12,2)', 'YES', '0.00'],
    ['created_at', 'timestamp with time zone', 'YES', 'now()'],
    ['updated_at', 'timestamp with time zone', 'YES', 'now()'],
  ],
};

const INDEXES = {
  users: ['idx_users_email', 'idx_users_status', 'idx_users_role'],
  campaigns: ['idx_campaigns_status', 'idx_campaigns_dates', 'idx_campaigns_created_by'],
  creatives: ['idx_creatives_campaign_id', 'idx_creatives_status', 'idx_creatives_duration'],
  ad_requests: ['idx_ad_requests_created_at', 'idx_ad_requests_session_id'],
  impressions: ['idx_impressions_campaign_id', 'idx_impressions_creative_id', 'idx_impressions_served_at',
    'idx_impressions_request_id', 'idx_impressions_device_type', 'idx_impressions_location_country',
    'idx_impressions_session_id'],
  campaign_daily_stats: ['idx_campaign_daily_stats_campaign_date'],
};

test('every contract table has exactly its columns, in order, with types, nullability and defaults', () => {
  for (const [table, want] of Object.entries(COLUMNS)) {
    const got = sql(`SELECT a.attname, format_type(a.atttypid, a.atttypmod),
        CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END, coalesce(pg_get_expr(d.adbin, d.adrelid), '<null>')
      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = :'t'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, { t: table })
      .map(([c, ty, n, def]) => [c, ty, n, def === '<null>' ? null : def]);
    assert.deepEqual(got, want, table);
  }
});

test('constraints: checks, uniques, foreign keys with the contract cascades', () => {
  const cons = Object.fromEntries(sql(`SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid IN ('users'::regclass, 'campaigns'::regclass, 'creatives'::regclass, 'ad_requests'::regclass,
      'impressions'::regclass, 'campaign_daily_stats'::regclass)`));
  assert.equal(cons.valid_dates, 'CHECK ((end_date > start_date))');
  assert.equal(cons.valid_budget, 'CHECK ((budget_spent <= budget_total))');
  assert.match(cons.campaigns_pricing_model_check, /pricing_model.*'cpm'.*'cpc'.*'cpv'.*'flat'/);
  assert.match(cons.campaigns_pricing_rate_check, /cpm_rate IS NOT NULL.*cpc_rate IS NOT NULL.*cpv_rate IS NOT NULL.*'flat'/s);
  assert.equal(cons.campaigns_budget_total_check, 'CHECK ((budget_total > (0)::numeric))');
  assert.match(cons.creatives_duration_check, /duration > 0\) AND \(duration <= 120/);
  assert.match(cons.users_role_check, /'advertiser'.*'admin'.*'viewer'/);
  assert.match(cons.users_status_check, /'active'.*'inactive'.*'suspended'/);
  assert.match(cons.campaigns_status_check, /'draft'.*'active'.*'paused'.*'completed'/);
  assert.match(cons.creatives_status_check, /'active'.*'inactive'.*'processing'.*'failed'/);
  assert.equal(cons.users_email_key, 'UNIQUE (email)');
  assert.equal(cons.ad_requests_request_id_key, 'UNIQUE (request_id)');
  assert.equal(cons.campaign_daily_stats_campaign_id_date_key, 'UNIQUE (campaign_id, date)');
  assert.equal(cons.campaigns_created_by_fkey, 'FOREIGN KEY (created_by) REFERENCES users(id)');
  assert.equal(cons.creatives_campaign_id_fkey, 'FOREIGN KEY (campaign_id) REFERENCES campaigns(id) ON DELETE CASCADE');
  assert.equal(cons.creatives_uploaded_by_fkey, 'FOREIGN KEY (uploaded_by) REFERENCES users(id)');
  assert.equal(cons.impressions_campaign_id_fkey, 'FOREIGN KEY (campaign_id) REFERENCES campaigns(id)');
  assert.equal(cons.impressions_creative_id_fkey, 'FOREIGN KEY (creative_id) REFERENCES creatives(id)');
  assert.equal(cons.impressions_request_id_fkey, 'FOREIGN KEY (request_id) REFERENCES ad_requests(id)');
  assert.equal(cons.campaign_daily_stats_campaign_id_fkey, 'FOREIGN KEY (campaign_id) REFERENCES campaigns(id) ON DELETE CASCADE');
});

test('indexes of the contract exist on their tables', () => {
  for (const [table, want] of Object.entries(INDEXES)) {
    const got = new Set(sql(`SELECT indexname FROM pg_indexes WHERE tablename = :'t'`, { t: table }).map((r) => r[0]));
    for (const i of want) assert.ok(got.has(i), `${table}.${i}`);
  }
});

test('updated_at is maintained by trigger on campaigns, creatives and daily stats, not users', () => {
  const trig = sql(`SELECT tgrelid::regclass::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
    WHERE p.proname = 'update_updated_at_column' AND NOT t.tgisinternal ORDER BY 1`).map((r) => r[0]);
  assert.deepEqual(trig, ['campaign_daily_stats', 'campaigns', 'creatives']);
  const [[before, after]] = sql(`WITH u AS (INSERT INTO users (email, password_hash, name) VALUES ('trig-' || gen_random_uuid() || '@example.com', 'x', 'T') RETURNING id),
    c AS (INSERT INTO campaigns (name, budget_total, start_date, end_date, created_by, updated_at, pricing_model)
          SELECT 'Trigger', 10, now(), now() + interval '1 day', id, now() - interval '1 hour', 'flat' FROM u RETURNING id, updated_at)
    SELECT updated_at, updated_at FROM c`);
  assert.ok(before && after);
  const [[moved]] = sql(`UPDATE campaigns SET name = 'Trigger 2' WHERE name = 'Trigger' RETURNING updated_at > now() - interval '1 minute'`);
  assert.equal(moved, 't');
});

test('inserting a campaign whose created_by names no user fails (foreign key)', () => {
  assert.throws(() => sql(`INSERT INTO campaigns (name, budget_total, start_date, end_date, created_by, pricing_model)
    VALUES ('Orphan', 10, now(), now() + interval '1 day', '00000000-0000-4000-8000-000000000000', 'flat')`), /foreign key/);
});

test('schema_migrations records the reference file names; migrate again applies nothing', () => {
  const names = sql('SELECT version FROM schema_migrations ORDER BY version').map((r) => r[0]);
  assert.deepEqual(names.slice(0, 6), ['001_create_users_table.sql', '002_create_campaigns_table.sql',
    '003_create_creatives_table.sql', '004_create_ad_tracking_tables.sql',
    '005_add_impression_tracking_fields.sql', '006_add_campaign_pricing.sql']);
  for (const n of names.slice(6)) assert.match(n, /^0(0[7-9]|[1-9]\d)_[a-z0-9_]+\.sql$/);
  const r = spawnSync(process.env.ADSERVERD_BIN, ['migrate'], { encoding: 'utf8',
    env: { PATH: process.env.PATH, DATABASE_URL: process.env.DATABASE_URL, JWT_SECRET: 'x',
      ASAN_OPTIONS: 'detect_leaks=1' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /"msg":"migrations up to date","applied":"0"/);
});
