-- hisms schema, version 25: which templates a source system may use (issue 16). A profile's
-- templates is a comma-separated list of sms_template codes; a message from that source with
-- a template_code not in it is REJECTED (TEMPLATE_NOT_ALLOWED). NULL (every row before): any
-- template, as before.

ALTER TABLE sms_source_profile ADD COLUMN templates TEXT;
