-- Schema version 13: neighbour lists merged per LA, and every replaced list recoverable.
-- A published list replaces only the LAs it lists; each row records the batch
-- that wrote it, and the list it replaced moves here with that batch's id, so
-- rolling the batch back puts exactly those lists back (as observation_history
-- does for values).

ALTER TABLE area_neighbour ADD COLUMN IF NOT EXISTS batch_id INTEGER;

CREATE TABLE IF NOT EXISTS area_neighbour_history (
    area_code      VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    rank           INTEGER NOT NULL,
    neighbour_code VARCHAR NOT NULL,
    distance       DOUBLE,
    closeness      VARCHAR,
    batch_id       INTEGER,            -- the batch that had written the row (none for the model's own)
    superseded_by  INTEGER NOT NULL,   -- the batch that replaced it
    superseded_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
