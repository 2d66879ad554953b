-- Schema version 12: the cells disclosure control hides, decided once for the whole store.
--
-- A figure hidden on one page but recoverable from others (a region total minus
-- the other LAs, persons minus boys, one cluster exported on its own) protects no
-- one, so suppression is decided here, over every observation and every published
-- total it belongs to, by metrics.derived.refresh_derived in the transaction that
-- changed the data. ecm_observation (what pages read) and exports both read this
-- table; nothing recomputes suppression on a subset.

CREATE TABLE IF NOT EXISTS observation_hidden (
    indicator_id    VARCHAR NOT NULL,
    area_code       VARCHAR NOT NULL,
    period_year     INTEGER NOT NULL,
    client_group_id VARCHAR NOT NULL,
    sex             VARCHAR NOT NULL,
    category        VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,  -- primary (small or flagged) or secondary (protects another)
    relation        VARCHAR            -- for secondary: the published total that forced it
);
