-- Schema version 4: joint area reviews. A review groups one area's judgements;
-- once submitted it is locked. Judgement rows are never updated or deleted: a
-- change inserts a new version that supersedes the previous one.

CREATE TABLE review (
    review_id    VARCHAR PRIMARY KEY,
    area_code    VARCHAR NOT NULL REFERENCES area (area_code),
    period_year  INTEGER NOT NULL,
    title        VARCHAR NOT NULL,
    status       VARCHAR NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    submitted_by VARCHAR,
    submitted_at TIMESTAMP
);
