-- Shared schema version 2 (PostgreSQL): the team's import history.
-- An import batch's own row stays in the DuckDB store, written in the same
-- transaction as its observations (which carry its batch_id); this table is a
-- copy of those rows that every replica and analyst reads, written right after
-- each DuckDB commit by metrics.batches, and repaired from DuckDB by the next
-- import or rollback, or by `jar sync-batches`. The differences from DuckDB's:
--   * the key is (store_id, batch_id): batch ids are numbered per DuckDB store,
--     and store_id names the store's lineage (metrics.batches.store_identity), so
--     a copied or rebuilt store can never overwrite another's history;
--   * it says which DuckDB store and data version the import committed as, and
--     who rolled it back, when, and the data version after the rollback;
--   * recorded_via tells an import or rollback recorded at once ('import',
--     'rollback') from one recorded late by a repair ('sync', 'migrate').

CREATE TABLE import_batch (
    store_id              TEXT NOT NULL,
    batch_id              INTEGER NOT NULL,
    source_file           TEXT NOT NULL,
    file_hash             TEXT,
    format                TEXT NOT NULL,
    imported_at           TIMESTAMP NOT NULL,
    imported_by           TEXT NOT NULL,
    rows_read             BIGINT NOT NULL DEFAULT 0,
    rows_written          BIGINT NOT NULL DEFAULT 0,
    rows_replaced         BIGINT DEFAULT 0,
    rows_skipped          BIGINT DEFAULT 0,
    status                TEXT NOT NULL DEFAULT 'committed',
    note                  TEXT,
    store_path            TEXT,
    dataset               TEXT,
    data_version          TEXT,
    rolled_back_by        TEXT,
    rolled_back_at        TIMESTAMP,
    rollback_data_version TEXT,
    recorded_via          TEXT NOT NULL,
    recorded_at           TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP,
    updated_at            TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP,
    PRIMARY KEY (store_id, batch_id)
);

CREATE INDEX import_batch_imported_at ON import_batch (imported_at);
