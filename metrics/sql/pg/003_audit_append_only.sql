-- Shared schema version 3 (PostgreSQL): the audit log refuses UPDATE, DELETE and
-- TRUNCATE. Until now it was append-only by convention (no library function
-- changes a row); several app processes and people with SQL access write this
-- database, so the rule is now the database's own. Rows are still added by
-- INSERT, including `jar migrate-shared`'s copy with its ids kept.
--
-- A trigger, not revoked rights: the app may connect as the table's owner, whom
-- REVOKE does not bind. A determined owner can still drop the trigger; that is a
-- schema change, visible and deliberate, not a stray UPDATE. Operators who can
-- also give the app a role that does not own the table should (see README).

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit entries are never changed or removed; add a new entry instead';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
