-- hisms schema, version 22, MySQL / MariaDB: each reply (MO) stored once per gateway id (issue 22). A
-- gateway sends again every DELIVER the engine had not answered when a connection closed (a
-- crash, a gateway drop, a database outage that made the engine close its links); CMPP
-- (Msg_Id), SGIP (the sequence) and SMGP (MsgID) send it under the id it had. The engine
-- remembers each id here in the transaction that stores the reply or the part, and skips a
-- copy whose id the channel already has: it answers the gateway, and stores no second
-- sms_inbox row, sms_event or blacklist entry. SMPP gives an MO no id: nothing kept here,
-- every copy stored. A table of its own, not a unique index on sms_inbox: the id belongs to
-- a part, not to the reply joined from parts, and the partitioned sms_inbox of PostgreSQL
-- can only have unique keys that hold its id. Rows are deleted after engine.mo_id_days (7).

CREATE TABLE sms_mo_id (
    channel         VARCHAR(32)  NOT NULL,
    gateway_msg_id  VARCHAR(64)  NOT NULL,  -- CMPP/SMGP: hex; SGIP: node-MMDDHHMMSS-counter
    received_at     DATETIME(3)  NOT NULL,  -- UTC
    PRIMARY KEY (channel, gateway_msg_id),
    INDEX ix_sms_mo_id_received (received_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
