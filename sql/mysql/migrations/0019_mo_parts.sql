-- hisms schema, version 19, MySQL / MariaDB: long replies (MO) stored part by part (issue 22). A part of a long
-- reply is stored before the gateway is answered and waits here for its siblings, which may
-- arrive on another link or at another engine; the engine that stores the last part joins
-- the set into one sms_inbox row and deletes its parts in the same transaction. A set still
-- incomplete after engine.mo_parts_seconds is stored as it is, with parts_missing > 0.

CREATE TABLE sms_mo_part (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    channel         VARCHAR(32)  NOT NULL,
    phone           VARCHAR(32)  NOT NULL,
    service_number  VARCHAR(32)  NOT NULL,
    extension       VARCHAR(32),  -- what follows the channel's service number: routes the reply
    ref             INT          NOT NULL,  -- the handset's reference, shared by a set's parts
    total           SMALLINT     NOT NULL,
    seq             SMALLINT     NOT NULL,  -- 1-based; a part sent again is stored again
    content         TEXT         NOT NULL,
    received_at     DATETIME(3)  NOT NULL,  -- UTC
    created_by      VARCHAR(64)  NOT NULL DEFAULT (LEFT(CURRENT_USER(), 64)),
    INDEX ix_sms_mo_part_set (phone, service_number, ref, total)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- How many parts of a long reply never arrived: 0 for a whole reply.
ALTER TABLE sms_inbox ADD COLUMN parts_missing SMALLINT NOT NULL DEFAULT 0;
