-- hisms schema, version 13: the socket intake (CMPP and SMPP servers, issue 18). A report or
-- reply of a source system that logs in over a socket is sent to it as a DELIVER / deliver_sm
-- from sms_event, and is sent again (after a reconnect too) until the client answers it;
-- socket_acked_at records that answer, so an answered event is never sent again. It is
-- separate from pushed_at: a source system may also be pushed to the integration platform.

ALTER TABLE sms_event ADD COLUMN socket_acked_at DATETIME(3);
ALTER TABLE sms_event ADD COLUMN socket_acked_by VARCHAR(64);
CREATE INDEX ix_sms_event_unacked ON sms_event (source_system, socket_acked_at, id);
