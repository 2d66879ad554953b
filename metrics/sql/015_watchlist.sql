-- Schema version 15: each user's watchlist.
--
-- A signed-in user watches indicator and area pairs (an LA, a cluster or a
-- region, for all children or one client group, against a chosen benchmark).
-- The item keeps its status as the user last saw it, as printed (figure and
-- period, comparison, band, trend), so that after an import the items whose
-- status has moved can be shown on the user's next visit. Only printed text is
-- kept: a figure hidden by disclosure control is stored as "c", never as a number.
-- Areas and indicators live in this store and are checked by metrics.watchlist;
-- no foreign key, so the table moves to PostgreSQL (ECM_SHARED_DB) unchanged.

CREATE TABLE IF NOT EXISTS watch_item (
    watch_id        BIGINT PRIMARY KEY,
    username        VARCHAR NOT NULL,
    area_code       VARCHAR NOT NULL,
    indicator_id    VARCHAR NOT NULL,
    client_group_id VARCHAR NOT NULL DEFAULT 'all',
    benchmark       VARCHAR NOT NULL DEFAULT 'england',
    added_at        TIMESTAMP NOT NULL,
    seen_at         TIMESTAMP NOT NULL,
    seen_version    VARCHAR,
    seen_figure     VARCHAR,
    seen_comparison VARCHAR,
    seen_band       VARCHAR,
    seen_trend      VARCHAR,
    UNIQUE (username, area_code, indicator_id, client_group_id, benchmark)
);
