-- hisms schema, version 19: long replies (MO) stored part by part (issue 22). A part of a long
-- reply is stored before the gateway is answered and waits here for its siblings, which may
-- arrive on another link or at another engine; the engine that stores the last part joins
-- the set into one sms_inbox row and deletes its parts in the same transaction. A set still
-- incomplete after engine.mo_parts_seconds is stored as it is, with parts_missing > 0.

CREATE TABLE sms_mo_part (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT    NOT NULL,
    phone           TEXT    NOT NULL,
    service_number  TEXT    NOT NULL,
    extension       TEXT,  -- what follows the channel's service number: routes the reply
    ref             INTEGER NOT NULL,  -- the handset's reference, shared by a set's parts
    total           INTEGER NOT NULL,
    seq             INTEGER NOT NULL,  -- 1-based; a part sent again is stored again
    content         TEXT    NOT NULL,
    received_at     TEXT    NOT NULL,
    created_by      TEXT    NOT NULL DEFAULT 'hisms'
);
CREATE INDEX ix_sms_mo_part_set ON sms_mo_part (phone, service_number, ref, total);

-- How many parts of a long reply never arrived: 0 for a whole reply.
ALTER TABLE sms_inbox ADD COLUMN parts_missing INTEGER NOT NULL DEFAULT 0;
