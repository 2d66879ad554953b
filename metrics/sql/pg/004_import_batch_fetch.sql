-- Shared schema version 4 (PostgreSQL): where a fetched batch came from, as the
-- DuckDB store records it (its migration 014): the `jar fetch` series, the
-- address(es) it was downloaded from and when. Blank for files imported by hand,
-- and for batches recorded before this version.

ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS fetch_series TEXT;
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS source_url TEXT;
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS fetched_at TIMESTAMP;
