-- One row per accepted request (event id), whichever door it came through, so a request that
-- reached nobody (an empty segment, every user opted out) can still be looked up: it was accepted
-- and produced zero messages, which is different from "never heard of it".
CREATE TABLE requests (
  event_id   uuid PRIMARY KEY,
  category   text NOT NULL,
  template   text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
