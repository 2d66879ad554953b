-- Schema version 7: observation keeps its key unique without an index.
--
-- DuckDB keeps a primary key's index (an ART) in memory and updates it on every
-- insert, and imports took twice as long with it (measured: 1M rows into a
-- 7.9M-row store, 7.4 s with the index, 4.0 s without). (A 13.8 GB peak once
-- reported at 40 million rows included the benchmark's own memory: see the
-- changelog's second scale pass.)
--
-- DuckDB cannot drop a primary key in place, so the table is declared again
-- below, column for column as in 001, minus the key.
--
-- The key is already guaranteed by the only writers: metrics.io.core stages
-- each key once and inserts only keys the store lacks, a rollback restores
-- exactly the keys it removed, and the demo and scale builders write each key
-- once. tests/io/test_ecm_observation.py checks
-- the key is unique after every kind of write.

CREATE TABLE observation_unindexed (
    indicator_id    VARCHAR NOT NULL,
    area_code       VARCHAR NOT NULL,
    period_year     INTEGER NOT NULL,   -- sortable: the year the period ends in
    period_label    VARCHAR NOT NULL,   -- as published: '2023-24', '2023/24', '2024'
    client_group_id VARCHAR NOT NULL,
    sex             VARCHAR NOT NULL DEFAULT 'persons',
    category        VARCHAR NOT NULL DEFAULT '',   -- e.g. a deprivation decile breakdown
    count           DOUBLE,
    denominator     DOUBLE,
    value           DOUBLE,
    lower95         DOUBLE,
    upper95         DOUBLE,
    lower998        DOUBLE,
    upper998        DOUBLE,
    suppressed      BOOLEAN NOT NULL DEFAULT FALSE,
    note            VARCHAR,
    batch_id        INTEGER NOT NULL
);

INSERT INTO observation_unindexed SELECT * FROM observation;

DROP VIEW ecm_observation_source;
DROP TABLE observation;
ALTER TABLE observation_unindexed RENAME TO observation;

CREATE VIEW ecm_observation_source AS
    SELECT o.*
    FROM observation o JOIN indicator i USING (indicator_id)
    WHERE i.mapped AND o.sex = 'persons' AND o.category = '';
