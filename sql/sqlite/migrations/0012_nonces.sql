-- hisms schema, version 12: request nonces shared by every engine (issue 18). The JSON API's
-- signed requests and the WebService's UsernameToken digests each carry a nonce; the first
-- engine to insert it wins, so a replay sent to a second engine instance is refused too.
-- Rows are deleted once expired (twice the clock-skew window after the request).

-- One nonce seen: the SHA-256 (hex) of its scope, caller and value, never the value itself.
CREATE TABLE sms_nonce (
    nonce_key   TEXT         PRIMARY KEY,
    expires_at  TEXT         NOT NULL
);
CREATE INDEX sms_nonce_expires ON sms_nonce (expires_at);
