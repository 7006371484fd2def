-- A generation is found again by the request id the client sent, so a retry of a request whose
-- answer was lost replays the stored result instead of generating twice.
ALTER TABLE generations ADD COLUMN metadata TEXT;
CREATE INDEX generations_by_request ON generations (key_id, request_id);
