-- hisms schema, version 2, SQL Server: SOAP WebService intake and the push of results to the
-- integration platform (集成平台). The triggers are statement-level (inserted/deleted hold every
-- changed row), like PostgreSQL's: one INSERT per write-back statement.

ALTER TABLE sms_outbox ADD batch_id NVARCHAR(32);
CREATE INDEX ix_sms_outbox_batch ON sms_outbox (batch_id) WHERE batch_id IS NOT NULL;

CREATE TABLE sms_source_mode (
    source_system   NVARCHAR(32)  NOT NULL PRIMARY KEY,
    mode            NVARCHAR(8)   NOT NULL CHECK (mode IN ('platform', 'table')),
    changed_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    changed_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    reason          NVARCHAR(500) NOT NULL DEFAULT '',
    push_failures   INT           NOT NULL DEFAULT 0,
    last_error      NVARCHAR(500),
    locked_by       NVARCHAR(64),
    locked_until    DATETIME2(3),
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);

CREATE TABLE sms_event (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    source_system   NVARCHAR(32)  NOT NULL,
    kind            NVARCHAR(8)   NOT NULL CHECK (kind IN ('STATUS', 'MO')),
    outbox_id       BIGINT,
    inbox_id        BIGINT,
    source_ref      NVARCHAR(64),
    status          SMALLINT,
    report_stat     NVARCHAR(16),
    error_code      NVARCHAR(32),
    error_text      NVARCHAR(500),
    phone           NVARCHAR(32),
    content         NVARCHAR(MAX),
    service_number  NVARCHAR(32),
    event_at        DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    pushed_at       DATETIME2(3),
    pushed_by       NVARCHAR(64),
    created_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    created_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME(),
    updated_at      DATETIME2(3)  NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_by      NVARCHAR(64)  NOT NULL DEFAULT SUSER_SNAME()
);
CREATE INDEX ix_sms_event_unpushed ON sms_event (source_system, id) WHERE pushed_at IS NULL;
CREATE INDEX ix_sms_event_outbox ON sms_event (outbox_id);
GO

CREATE TRIGGER trg_sms_outbox_event ON sms_outbox AFTER UPDATE AS
BEGIN
    SET NOCOUNT ON;
    INSERT INTO sms_event (source_system, kind, outbox_id, source_ref, status, report_stat,
                           error_code, error_text, phone)
    SELECT n.source_system, 'STATUS', n.id, n.source_ref, n.status, n.report_stat,
           n.error_code, n.error_text, n.phone
    FROM inserted n
    JOIN deleted o ON o.id = n.id
    JOIN sms_source_mode m ON m.source_system = n.source_system
    WHERE n.status <> o.status AND n.status >= 2
    ORDER BY n.id;
END;
GO

CREATE TRIGGER trg_sms_inbox_event ON sms_inbox AFTER INSERT AS
BEGIN
    SET NOCOUNT ON;
    INSERT INTO sms_event (source_system, kind, inbox_id, outbox_id, source_ref, phone, content,
                           service_number, event_at)
    SELECT n.source_system, 'MO', n.id, n.outbox_id, o.source_ref, n.phone, n.content,
           n.service_number, n.received_at
    FROM inserted n
    JOIN sms_source_mode m ON m.source_system = n.source_system
    LEFT JOIN sms_outbox o ON o.id = n.outbox_id
    ORDER BY n.id;
END;
GO
