-- hisms schema, version 11: history that stays fast (PostgreSQL 13+).
--
-- sms_outbox, sms_segment, sms_inbox and sms_event become tables partitioned by month.
-- The partition key is the id (sms_segment: outbox_id, so a message's parts live in its
-- month), and new ids say their month: yyyymm * 10^10 + a sequence (2026110000012345 was
-- made in November 2026, UTC). So the primary key stays `id` alone, every lookup by id
-- prunes to one partition, and ids stay below 2^53 (safe in JSON). docs/dba.md gives the
-- reasoning and the alternatives.
--
-- The existing tables are not copied: each is renamed to <table>_legacy and attached, as it
-- is, as the partition of every id below this month's first; its indexes are attached, not
-- rebuilt, and its triggers, grants and dependent views move to the new parent.
-- (source_system, source_ref) can no longer be a unique constraint of sms_outbox (it does not
-- hold the partition key): it moves to the small table sms_outbox_ref, claimed by a row trigger.

-- First id of the month `at` falls in (UTC).
CREATE FUNCTION sms_month_base(at timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (extract(year FROM at AT TIME ZONE 'UTC')::bigint * 100
            + extract(month FROM at AT TIME ZONE 'UTC')::bigint) * 10000000000
$$;

-- The tables partitioned by month: what `hisms db partitions` maintains, in archive order
-- (parts and events before their messages).
CREATE TABLE sms_partitioned (
    table_name  varchar(63) PRIMARY KEY,
    key_column  varchar(63) NOT NULL,
    position    smallint    NOT NULL,
    options     varchar(200) NOT NULL DEFAULT ''   -- storage parameters of each new partition
);
INSERT INTO sms_partitioned VALUES
    ('sms_event',   'id',        1, 'autovacuum_vacuum_scale_factor = 0.02'),
    ('sms_inbox',   'id',        2, ''),
    ('sms_segment', 'outbox_id', 3, 'fillfactor = 80'),
    ('sms_outbox',  'id',        4, 'fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02');

-- The month partition of `tbl` that holds `month` (any instant in it), created when missing.
-- Rows that fell into the default partition meanwhile are moved into it. Returns its name,
-- or NULL when it existed.
-- SECURITY DEFINER: the engines' account creates partitions without owning the tables.
CREATE FUNCTION sms_create_partition(tbl text, month timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    lo      bigint := sms_month_base(month);
    hi      bigint := sms_month_base((date_trunc('month', month AT TIME ZONE 'UTC')
                                      + interval '1 month') AT TIME ZONE 'UTC');
    part    text := format('%s_y%sm%s', tbl, lo / 1000000000000, lpad(((lo / 10000000000) % 100)::text, 2, '0'));
    t       sms_partitioned;
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO STRICT t FROM sms_partitioned WHERE table_name = tbl;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS) %s',
                   part, tbl, CASE WHEN t.options = '' THEN '' ELSE 'WITH (' || t.options || ')' END);
    EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %s AND %I < %s RETURNING *) '
                   'INSERT INTO %I SELECT * FROM moved',
                   tbl || '_default', t.key_column, lo, t.key_column, hi, part);
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                   tbl, part, lo, hi);
    RETURN part;
END
$$;

-- This month's partitions and the next `ahead` months' of every partitioned table.
CREATE FUNCTION sms_create_partitions(ahead integer, today timestamptz DEFAULT now())
RETURNS SETOF text LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    t    record;
    m    integer;
    made text;
BEGIN
    FOR t IN SELECT table_name FROM sms_partitioned ORDER BY position DESC LOOP
        FOR m IN 0 .. ahead LOOP
            made := sms_create_partition(t.table_name, today + make_interval(months => m));
            IF made IS NOT NULL THEN
                RETURN NEXT made;
            END IF;
        END LOOP;
    END LOOP;
END
$$;

REVOKE EXECUTE ON FUNCTION sms_create_partition(text, timestamptz),
    sms_create_partitions(integer, timestamptz) FROM PUBLIC;

-- Every partition with its bounds, rows (planner estimate) and size.
CREATE VIEW v_sms_partition AS
SELECT p.table_name, c.relname AS partition_name,
       pg_get_expr(c.relpartbound, c.oid) AS bounds,
       CASE WHEN c.relname LIKE '%\_legacy' THEN 'legacy'
            WHEN c.relname LIKE '%\_default' THEN 'default'
            ELSE substr(c.relname, length(p.table_name) + 3, 4) || '-'
                 || substr(c.relname, length(p.table_name) + 8, 2) END AS month,
       greatest(c.reltuples, 0)::bigint AS estimated_rows,
       pg_total_relation_size(c.oid) AS total_bytes
FROM sms_partitioned p
JOIN pg_inherits i ON i.inhparent = to_regclass(p.table_name)
JOIN pg_class c ON c.oid = i.inhrelid;

-- One-off: a grantee as GRANT names it.
CREATE FUNCTION pg_temp.sms_role(grantee oid) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(grantee)) END
$$;

-- One-off: turn table `tbl` into a partitioned table whose first partition is the old table.
CREATE FUNCTION pg_temp.sms_partition_table(tbl text, key text, first_id bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    legacy  text := tbl || '_legacy';
    seq     text := pg_get_serial_sequence(tbl, 'id');
    next_id bigint;
    seq_acl aclitem[];
    r       record;
BEGIN
    EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', tbl);
    EXECUTE format('SELECT coalesce(max(id), 0) + 1 FROM %I', tbl) INTO next_id;
    EXECUTE format('SELECT greatest(%s, last_value + 1) FROM %s', next_id, seq) INTO next_id;
    IF next_id >= first_id THEN
        RAISE EXCEPTION '%.id reaches % : cannot place old rows below this month''s ids', tbl, next_id;
    END IF;
    SELECT relacl INTO seq_acl FROM pg_class WHERE oid = seq::regclass;
    EXECUTE format('ALTER TABLE %I RENAME TO %I', tbl, legacy);
    EXECUTE format('ALTER TABLE %I ALTER COLUMN id DROP IDENTITY', legacy);
    FOR r IN SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
             WHERE x.indrelid = legacy::regclass LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', r.relname, left(r.relname, 56) || '_legacy');
    END LOOP;
    -- Foreign keys would tie the months of two tables together; archive drops them in order.
    FOR r IN SELECT conname, conrelid::regclass AS rel FROM pg_constraint
             WHERE contype = 'f' AND (conrelid = legacy::regclass OR confrelid = legacy::regclass) LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.rel, r.conname);
    END LOOP;

    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                   'INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE (%I)', tbl, legacy, key);
    EXECUTE format('CREATE SEQUENCE %I AS bigint START WITH %s OWNED BY %I.id',
                   tbl || '_id_seq', next_id, tbl);
    FOR r IN SELECT a.privilege_type AS priv, a.grantee FROM aclexplode(seq_acl) a
             WHERE a.grantee <> a.grantor LOOP
        EXECUTE format('GRANT %s ON SEQUENCE %I TO %s', r.priv, tbl || '_id_seq', pg_temp.sms_role(r.grantee));
    END LOOP;
    EXECUTE format('ALTER TABLE %I ALTER COLUMN id SET DEFAULT %s', tbl,
                   CASE WHEN key = 'id'
                        THEN format('sms_month_base(now()) + nextval(%L::regclass)', tbl || '_id_seq')
                        ELSE format('nextval(%L::regclass)', tbl || '_id_seq') END);

    -- Unique constraints that hold the key, then the other indexes, with their old names:
    -- attaching the old table adopts its equal indexes instead of building new ones.
    FOR r IN SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
             WHERE conrelid = legacy::regclass AND contype IN ('p', 'u')
               AND (SELECT attnum FROM pg_attribute WHERE attrelid = legacy::regclass AND attname = key)
                   = ANY (conkey) LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', tbl,
                       regexp_replace(r.conname, '_legacy$', ''), r.def);
    END LOOP;
    FOR r IN SELECT pg_get_indexdef(x.indexrelid) AS def FROM pg_index x
             WHERE x.indrelid = legacy::regclass AND NOT x.indisunique LOOP
        EXECUTE regexp_replace(r.def, '^CREATE INDEX (\S+)_legacy ON \S+ ', 'CREATE INDEX \1 ON ' || quote_ident(tbl) || ' ');
    END LOOP;
    FOR r IN SELECT t.tgname, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
             WHERE t.tgrelid = legacy::regclass AND NOT t.tgisinternal LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', r.tgname, legacy);
        EXECUTE regexp_replace(r.def, ' ON \S+ ', ' ON ' || quote_ident(tbl) || ' ');
    END LOOP;
    FOR r IN SELECT a.privilege_type AS priv, a.grantee FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.oid = legacy::regclass AND a.grantee <> c.relowner LOOP
        EXECUTE format('GRANT %s ON %I TO %s', r.priv, tbl, pg_temp.sms_role(r.grantee));
    END LOOP;
    FOR r IN SELECT t.attname, a.privilege_type AS priv, a.grantee
             FROM pg_attribute t, aclexplode(t.attacl) a
             WHERE t.attrelid = legacy::regclass AND t.attacl IS NOT NULL LOOP
        EXECUTE format('GRANT %s (%I) ON %I TO %s', r.priv, r.attname, tbl, pg_temp.sms_role(r.grantee));
    END LOOP;

    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%s)',
                   tbl, legacy, first_id);
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', tbl || '_default', tbl);
END
$$;

SELECT pg_temp.sms_partition_table('sms_outbox', 'id', sms_month_base(now()));
SELECT pg_temp.sms_partition_table('sms_segment', 'outbox_id', sms_month_base(now()));
SELECT pg_temp.sms_partition_table('sms_inbox', 'id', sms_month_base(now()));
SELECT pg_temp.sms_partition_table('sms_event', 'id', sms_month_base(now()));

-- Views still name the old tables (they bind by identity): point them at the new parents.
DO $$
DECLARE
    v   record;
BEGIN
    FOR v IN SELECT DISTINCT c.oid::regclass AS name, c.oid, c.reloptions
             FROM pg_depend d
             JOIN pg_rewrite w ON w.oid = d.objid
             JOIN pg_class c ON c.oid = w.ev_class
             WHERE d.classid = 'pg_rewrite'::regclass AND c.relkind = 'v'
               AND d.refobjid IN ('sms_outbox_legacy'::regclass, 'sms_segment_legacy'::regclass,
                                  'sms_inbox_legacy'::regclass, 'sms_event_legacy'::regclass) LOOP
        EXECUTE format('CREATE OR REPLACE VIEW %s %s AS %s', v.name,
                       CASE WHEN v.reloptions IS NULL THEN ''
                            ELSE 'WITH (' || array_to_string(v.reloptions, ', ') || ')' END,
                       regexp_replace(pg_get_viewdef(v.oid),
                                      '\m(sms_outbox|sms_segment|sms_inbox|sms_event)_legacy\M',
                                      '\1', 'g'));
    END LOOP;
END
$$;

-- Idempotency of (source_system, source_ref), for every month at once. A repeat is skipped
-- (the row is not inserted, RETURNING gives nothing) as ON CONFLICT DO NOTHING did.
CREATE TABLE sms_outbox_ref (
    source_system   varchar(32) NOT NULL,
    source_ref      varchar(64) NOT NULL,
    outbox_id       bigint      NOT NULL,
    PRIMARY KEY (source_system, source_ref)
);
INSERT INTO sms_outbox_ref SELECT source_system, source_ref, id FROM sms_outbox_legacy
WHERE source_ref IS NOT NULL;

-- SECURITY DEFINER: a source system's account inserts into sms_outbox, not into this table.
CREATE FUNCTION sms_outbox_ref_claim() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO sms_outbox_ref (source_system, source_ref, outbox_id)
    VALUES (NEW.source_system, NEW.source_ref, NEW.id) ON CONFLICT DO NOTHING;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER trg_sms_outbox_ref BEFORE INSERT ON sms_outbox
    FOR EACH ROW WHEN (NEW.source_ref IS NOT NULL) EXECUTE FUNCTION sms_outbox_ref_claim();

-- A fresh database has nothing to keep below this month: its empty old tables go, so that
-- any month can have a partition (a restored archive, a test's past month).
DO $$
DECLARE
    t   record;
    has_rows boolean;
BEGIN
    FOR t IN SELECT table_name FROM sms_partitioned LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t.table_name || '_legacy') INTO has_rows;
        IF NOT has_rows THEN
            EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', t.table_name, t.table_name || '_legacy');
            EXECUTE format('DROP TABLE %I', t.table_name || '_legacy');
        END IF;
    END LOOP;
END
$$;

-- Indexes for what people ask (each partition gets its own; the old table builds them now).
CREATE INDEX ix_sms_outbox_source ON sms_outbox (source_system, source_ref);
CREATE INDEX ix_sms_outbox_phone_created ON sms_outbox (phone, created_at);
CREATE INDEX ix_sms_outbox_account_created ON sms_outbox (account, created_at);
CREATE INDEX ix_sms_segment_id ON sms_segment (id);
-- The engine's trim of pushed events.
CREATE INDEX ix_sms_event_pushed ON sms_event (event_at) WHERE pushed_at IS NOT NULL;

SELECT count(*) FROM sms_create_partitions(1);
