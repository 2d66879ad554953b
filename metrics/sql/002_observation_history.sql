-- Schema version 2: keep every replaced value recoverable.
-- When an import replaces an observation, the old row moves here with the batch
-- that replaced it; rolling that batch back moves it home again.

CREATE TABLE observation_history (
    indicator_id    VARCHAR NOT NULL,
    area_code       VARCHAR NOT NULL,
    period_year     INTEGER NOT NULL,
    period_label    VARCHAR NOT NULL,
    client_group_id VARCHAR NOT NULL,
    sex             VARCHAR NOT NULL,
    category        VARCHAR NOT NULL,
    count           DOUBLE,
    denominator     DOUBLE,
    value           DOUBLE,
    lower95         DOUBLE,
    upper95         DOUBLE,
    lower998        DOUBLE,
    upper998        DOUBLE,
    suppressed      BOOLEAN NOT NULL,
    note            VARCHAR,
    batch_id        INTEGER NOT NULL,
    superseded_by   INTEGER NOT NULL,
    superseded_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

ALTER TABLE import_batch ADD COLUMN rows_replaced BIGINT DEFAULT 0;
ALTER TABLE import_batch ADD COLUMN rows_skipped BIGINT DEFAULT 0;
