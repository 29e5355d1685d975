-- Dameng DM8: sql/oracle/migrations/0019_mo_parts.sql with DM's IDENTITY(1, 1) columns and
-- VARCHAR (characters) instead of NVARCHAR2.
-- hisms schema, version 19: long replies (MO) stored part by part (issue 22). A part of a long
-- reply is stored before the gateway is answered and waits here for its siblings, which may
-- arrive on another link or at another engine; the engine that stores the last part joins
-- the set into one sms_inbox row and deletes its parts in the same transaction. A set still
-- incomplete after engine.mo_parts_seconds is stored as it is, with parts_missing > 0.

CREATE TABLE sms_mo_part (
    id              BIGINT IDENTITY(1, 1) PRIMARY KEY,
    channel         VARCHAR2(32)   NOT NULL,
    phone           VARCHAR2(32)   NOT NULL,
    service_number  VARCHAR2(32)   NOT NULL,
    extension       VARCHAR2(32),  -- what follows the channel's service number: routes the reply
    ref             NUMBER(10)     NOT NULL,  -- the handset's reference, shared by a set's parts
    total           NUMBER(5)      NOT NULL,
    seq             NUMBER(5)      NOT NULL,  -- 1-based; a part sent again is stored again
    content         VARCHAR(2000)  NOT NULL,
    received_at     TIMESTAMP(3)   NOT NULL,  -- UTC
    created_by      VARCHAR2(64)   DEFAULT USER NOT NULL
);
CREATE INDEX ix_sms_mo_part_set ON sms_mo_part (phone, service_number, ref, total);

-- How many parts of a long reply never arrived: 0 for a whole reply.
ALTER TABLE sms_inbox ADD parts_missing NUMBER(5) DEFAULT 0 NOT NULL;
