-- Schema version 11: one label per indicator-year in stores built before imports
-- relabelled periods.
--
-- Imports now give every period that spells one year (2024, 2023-24, 2023/24,
-- 202324) the label of the indicator's period type (metrics.periods.period_label:
-- financial 2023-24, academic 2023/24, calendar 2024), so Fingertips' 2023/24 and
-- LAIT's 2023-24 are one point on one axis. A store written earlier keeps the
-- labels each file used until every file is imported again; this brings its rows
-- (and their history) to the same labels. Pooled ranges (2017-19) are left as
-- published. The rule is spelled out here, not called, because a migration must
-- keep meaning what it meant when the store was upgraded.

CREATE OR REPLACE TEMP MACRO _one_period(label, yr) AS
    regexp_full_match(label, '[0-9]{4}([-/]?[0-9]{2})?')
    AND CASE WHEN length(label) = 4 THEN TRY_CAST(label AS INTEGER) = yr
             ELSE TRY_CAST(substr(label, 1, 4) AS INTEGER) + 1 = yr
                  AND TRY_CAST(right(label, 2) AS INTEGER) = yr % 100 END;

CREATE OR REPLACE TEMP MACRO _canonical(ptype, yr) AS
    CASE ptype
        WHEN 'financial' THEN CAST(yr - 1 AS VARCHAR) || '-' || lpad(CAST(yr % 100 AS VARCHAR), 2, '0')
        WHEN 'academic' THEN CAST(yr - 1 AS VARCHAR) || '/' || lpad(CAST(yr % 100 AS VARCHAR), 2, '0')
        ELSE CAST(yr AS VARCHAR) END;

UPDATE observation o SET period_label = _canonical(i.period_type, o.period_year)
FROM indicator i
WHERE i.indicator_id = o.indicator_id
  AND _one_period(o.period_label, o.period_year)
  AND o.period_label <> _canonical(i.period_type, o.period_year);

UPDATE observation_history o SET period_label = _canonical(i.period_type, o.period_year)
FROM indicator i
WHERE i.indicator_id = o.indicator_id
  AND _one_period(o.period_label, o.period_year)
  AND o.period_label <> _canonical(i.period_type, o.period_year);

DROP MACRO IF EXISTS _one_period;
DROP MACRO IF EXISTS _canonical;
