-- One row per generation request: what was asked, what the model saw, and how it went.
CREATE TABLE generations (
  id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  model TEXT NOT NULL,
  prompt TEXT NOT NULL,
  revised_prompt TEXT,
  size TEXT NOT NULL,
  n INTEGER NOT NULL,
  seed INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  error_code TEXT,
  timings TEXT,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX generations_by_key ON generations (key_id, created_at);

-- Images stored in R2, keyed by id; the generation they belong to.
CREATE TABLE files (
  id TEXT PRIMARY KEY,
  generation_id TEXT NOT NULL REFERENCES generations (id),
  mime_type TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

-- Per-key usage, one row per key and UTC day.
CREATE TABLE usage_ledger (
  key_id TEXT NOT NULL,
  day TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  images INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, day)
);
