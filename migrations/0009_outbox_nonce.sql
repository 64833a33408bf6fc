-- Idempotent notification delivery: the nonce a batch of outbox rows is sent with, written before the send.
-- A dispatcher that dies between Discord's answer and marking the rows sent leaves the nonce behind; the
-- next one sends the same rows with the same nonce and `enforce_nonce`, and Discord answers with the
-- message it already created instead of posting it twice.
ALTER TABLE notification_outbox ADD COLUMN IF NOT EXISTS send_nonce TEXT;
