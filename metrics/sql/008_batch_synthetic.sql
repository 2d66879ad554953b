-- Schema version 8: each import batch says whether its rows are synthetic.
--
-- The banner, the data pack and exports say "synthetic" exactly when what they
-- show came from a synthetic batch, so the marker belongs to the rows' batch,
-- not to the store: a rollback of the demo or an import over it keeps it true.
-- Batches written before this version are synthetic only if they are the demo.

ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS synthetic BOOLEAN DEFAULT FALSE;
UPDATE import_batch SET synthetic = TRUE WHERE format = 'demo';
