-- Schema version 1: the whole store, declared once.
-- Applied by metrics.store.migrate(); later changes go in 002_*.sql and so on.

CREATE TABLE store_meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE outcome (
    outcome_id  VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    sort_order  INTEGER NOT NULL,
    description VARCHAR
);

CREATE TABLE aim (
    aim_id     VARCHAR PRIMARY KEY,
    outcome_id VARCHAR NOT NULL REFERENCES outcome (outcome_id),
    name       VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL
);

CREATE TABLE nsf_standard (
    standard INTEGER PRIMARY KEY,
    title    VARCHAR NOT NULL
);

CREATE TABLE client_group (
    client_group_id VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    description     VARCHAR,
    sort_order      INTEGER NOT NULL
);

CREATE TABLE indicator (
    indicator_id         VARCHAR PRIMARY KEY,
    short_title          VARCHAR NOT NULL,
    title                VARCHAR NOT NULL,
    definition           VARCHAR,
    numerator_definition   VARCHAR,
    denominator_definition VARCHAR,
    outcome_id           VARCHAR REFERENCES outcome (outcome_id),
    aim_id               VARCHAR REFERENCES aim (aim_id),
    polarity             VARCHAR NOT NULL CHECK (polarity IN ('high_is_good', 'low_is_good', 'no_judgement')),
    value_type           VARCHAR NOT NULL,
    multiplier           DOUBLE NOT NULL,
    unit                 VARCHAR NOT NULL,
    decimal_places       INTEGER NOT NULL DEFAULT 1,
    ci_method            VARCHAR NOT NULL,
    source               VARCHAR,
    frequency            VARCHAR,
    period_type          VARCHAR NOT NULL,
    client_groups        VARCHAR[] NOT NULL,
    headline_group       VARCHAR NOT NULL,
    disclosure_threshold INTEGER NOT NULL DEFAULT 5,
    status               VARCHAR NOT NULL DEFAULT 'current',
    ni_number            VARCHAR,
    lait_measure         VARCHAR,
    fingertips_id        VARCHAR,
    mapped               BOOLEAN NOT NULL DEFAULT TRUE  -- false: imported measure not yet mapped to ECM
);

CREATE TABLE indicator_nsf (
    indicator_id VARCHAR NOT NULL REFERENCES indicator (indicator_id),
    standard     INTEGER NOT NULL REFERENCES nsf_standard (standard),
    PRIMARY KEY (indicator_id, standard)
);

CREATE TABLE area (
    area_code       VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    area_type       VARCHAR NOT NULL CHECK (area_type IN ('england', 'region', 'la', 'cluster')),
    parent_code     VARCHAR,
    la_number       VARCHAR,
    region_code     VARCHAR,
    population_0_17 DOUBLE,
    deprivation     DOUBLE,     -- IMD average score (LAs), share-weighted for clusters
    description     VARCHAR
);

CREATE TABLE area_neighbour (
    area_code      VARCHAR NOT NULL REFERENCES area (area_code),
    source         VARCHAR NOT NULL,   -- 'model' (computed) or the published list's name
    rank           INTEGER NOT NULL,
    neighbour_code VARCHAR NOT NULL REFERENCES area (area_code),
    distance       DOUBLE,
    closeness      VARCHAR,
    PRIMARY KEY (area_code, source, rank)
);

CREATE TABLE import_batch (
    batch_id      INTEGER PRIMARY KEY,
    source_file   VARCHAR NOT NULL,
    file_hash     VARCHAR,
    format        VARCHAR NOT NULL,
    imported_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    imported_by   VARCHAR NOT NULL,
    rows_read     BIGINT NOT NULL DEFAULT 0,
    rows_written  BIGINT NOT NULL DEFAULT 0,
    status        VARCHAR NOT NULL DEFAULT 'committed',
    note          VARCHAR
);

-- One row per indicator x area x period x client group x sex x category.
-- Counts under the indicator's disclosure threshold are stored but flagged
-- (suppressed = TRUE); the read functions in metrics never show them.
-- No foreign keys here: DuckDB forbids updating a referenced row, and imports
-- validate every key against the reference tables before writing.
CREATE TABLE observation (
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
    batch_id        INTEGER NOT NULL,
    PRIMARY KEY (indicator_id, area_code, period_year, client_group_id, sex, category)
);

CREATE TABLE judgement (
    judgement_id  INTEGER PRIMARY KEY,
    review_id     VARCHAR NOT NULL,
    area_code     VARCHAR NOT NULL,
    aspect        VARCHAR NOT NULL,   -- an outcome id, 'service_management' or 'capacity_to_improve'
    grade         INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
    evidence      VARCHAR,
    indicator_ids VARCHAR[],
    recorded_by   VARCHAR NOT NULL,
    recorded_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    version       INTEGER NOT NULL DEFAULT 1,
    supersedes    INTEGER,
    status        VARCHAR NOT NULL DEFAULT 'draft'
);
