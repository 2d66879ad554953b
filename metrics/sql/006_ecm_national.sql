-- Schema version 6: national quartiles, bands and ranks, computed when data changes.
--
-- A band or a rank needs every LA's value for the indicator, period and client
-- group, so a page that showed one LA used to read all 153. These two tables
-- hold the answers, computed by metrics.derived.refresh_derived with the same
-- functions as always (metrics.stats.quartile_band and national_rank, pandas'
-- linear quantiles) inside the transaction that changed the data; a page now
-- reads only its own areas' rows. Suppressed values are left out, as on pages.

CREATE TABLE ecm_national (
    period_year     INTEGER NOT NULL,
    indicator_id    VARCHAR NOT NULL,
    client_group_id VARCHAR NOT NULL,
    la_min          DOUBLE,
    la_q1           DOUBLE,
    la_median       DOUBLE,
    la_q3           DOUBLE,
    la_max          DOUBLE
);

CREATE TABLE ecm_position (
    period_year     INTEGER NOT NULL,
    indicator_id    VARCHAR NOT NULL,
    client_group_id VARCHAR NOT NULL,
    area_code       VARCHAR NOT NULL,
    band            VARCHAR,  -- A (best quarter) to D; NULL when there is no band
    rank            DOUBLE,   -- 1 = best; NULL when the value is missing or suppressed
    n_ranked        INTEGER NOT NULL  -- LAs with a value, "rank 37 of n_ranked"
);
