-- The gateway's one table: a customer's registered role + model + template. key_hash is the
-- SHA-256 (hex) of the connection's invoke key; the key itself is never stored.
CREATE TABLE connections (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role_arn TEXT NOT NULL,
  external_id TEXT NOT NULL,
  sts_region TEXT NOT NULL,
  region TEXT NOT NULL,
  model_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  family TEXT,
  template TEXT NOT NULL,
  mapping TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
