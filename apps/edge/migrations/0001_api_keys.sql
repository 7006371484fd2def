-- API keys are stored only as SHA-256 hashes; `prefix` (the first characters of the key)
-- lets operators recognise a key in listings without the secret.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL,
  scopes TEXT NOT NULL DEFAULT 'images',
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
