-- hisms schema, version 11: history that stays fast. This database keeps its tables
-- whole: `hisms db archive` exports months older than the retention and deletes them in
-- batches (docs/dba.md#history). These indexes answer what people ask of the history.

-- A number's messages over a period (v_sms_result by phone and time).
CREATE INDEX ix_sms_outbox_phone_created ON sms_outbox (phone, created_at);
-- An account's messages over a period.
CREATE INDEX ix_sms_outbox_account_created ON sms_outbox (account, created_at);
-- The engine's trim of pushed events older than the retention.
CREATE INDEX ix_sms_event_pushed ON sms_event (pushed_at, event_at);
