-- Schema version 10: Ofsted's inspection judgements of each LA's children's services.
--
-- One row per inspection as each source publishes it (DfE's "LA inspection
-- outcomes" CSVs, current and history, and the ILACS overview workbook), so a
-- re-import of one source replaces only that source's rows. The grades are on
-- Ofsted's own scale (data/reference/ofsted_grades.csv), stored by id and never by
-- number: Ofsted's grade 1 is Outstanding, a JAR grade 1 is Inadequate, and the
-- two scales never share a column.
-- No primary keys: DuckDB refuses to re-insert a key deleted in the same
-- transaction, which a re-import does; the importer checks each key is unique.

CREATE TABLE IF NOT EXISTS ofsted_inspection (
    source              VARCHAR NOT NULL,  -- ilacs_history, ilacs_current or ilacs_overview
    area_code           VARCHAR NOT NULL,
    inspection_date     DATE NOT NULL,     -- the first day of the inspection
    inspection_end_date DATE,              -- only the overview workbook gives it
    publication_date    DATE,
    framework           VARCHAR NOT NULL,  -- ILACS
    inspection_type     VARCHAR,           -- standard or short
    published_name      VARCHAR,           -- the LA's name as the source writes it
    report_url          VARCHAR,
    batch_id            INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS ofsted_judgement (
    source          VARCHAR NOT NULL,
    area_code       VARCHAR NOT NULL,
    inspection_date DATE NOT NULL,
    judgement_id    VARCHAR NOT NULL,  -- data/reference/ofsted_judgements.csv
    grade_id        VARCHAR NOT NULL   -- data/reference/ofsted_grades.csv
);
