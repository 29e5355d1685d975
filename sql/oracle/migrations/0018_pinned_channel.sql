-- hisms schema, version 18: a message pinned to one channel (issue 19, the console's resend
-- through another channel). Routing sends a pinned message through that channel whatever the
-- rules say; while the channel takes no traffic (disabled, down, draining) the message waits
-- PENDING (WAITING_CHANNEL) and may be voided. NULL (every row before): routing decides.

ALTER TABLE sms_outbox ADD pinned_channel VARCHAR2(32);
