-- Schema version 14: where a fetched batch came from.
--
-- `jar fetch` downloads a publisher's figures from its public API and imports
-- them as any file is imported; the batch then says which series it was, the
-- address it was downloaded from and when, so a figure in the store can be
-- traced to the publisher's response (file_hash is that response's SHA-256).
-- Blank for files imported by hand.

ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS fetch_series VARCHAR;
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS source_url VARCHAR;
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS fetched_at TIMESTAMP;
