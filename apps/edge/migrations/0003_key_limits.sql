-- Per-key rate limits; NULL means the deployment's default (LIMIT_*_PER_MINUTE).
ALTER TABLE api_keys ADD COLUMN requests_per_minute INTEGER;
ALTER TABLE api_keys ADD COLUMN images_per_minute INTEGER;
