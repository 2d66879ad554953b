-- Schema version 5: the rows the pages read, kept apart from the rest of the store.
--
-- Every page reads the persons, no-category rows of indicators mapped to an ECM
-- outcome. A national store grows mostly by everything else (sex and category
-- breakdowns, and whole downloads of measures nobody has mapped yet), so a page
-- that filtered ``observation`` would read more the bigger the store got.
-- ``ecm_observation`` holds exactly the rows of ``ecm_observation_source``, in the
-- order pages filter by (period, indicator, area), so DuckDB skips what a page
-- does not need; its cost follows the rows a page shows, not the store's size.
-- It is derived, never written directly: metrics.store.refresh_derived rebuilds it
-- inside every transaction that changes observations or indicators (demo build,
-- import, rollback), so it cannot be seen out of step with its source.

CREATE VIEW ecm_observation_source AS
    SELECT o.*
    FROM observation o JOIN indicator i USING (indicator_id)
    WHERE i.mapped AND o.sex = 'persons' AND o.category = '';

CREATE TABLE ecm_observation AS
    SELECT * FROM ecm_observation_source
    ORDER BY period_year, indicator_id, area_code, client_group_id;
