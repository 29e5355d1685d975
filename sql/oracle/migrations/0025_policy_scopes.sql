-- hisms schema, version 25, Oracle: which templates a source system may use (issue 16). A profile's
-- templates is a comma-separated list of sms_template codes; a message from that source with
-- a template_code not in it is REJECTED (TEMPLATE_NOT_ALLOWED). NULL (every row before): any
-- template, as before.
--
-- And sms_blacklist.service_number becomes a scope: an entry with one blocks only messages
-- sent from that number (the channel's src_number followed by the source's ext, what the
-- patient's phone shows). Unsubscribe replies wrote the number replied to there "for the
-- record"; their entries stay scoped by source system and categories, as before, so the
-- column is cleared on them (the reply, sms_inbox.service_number via inbox_id, keeps it).

ALTER TABLE sms_source_profile ADD templates VARCHAR2(2000);

UPDATE sms_blacklist SET service_number = NULL WHERE inbox_id IS NOT NULL;
