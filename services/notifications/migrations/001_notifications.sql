-- The notifications service's tables. Users are the lab's JWT `sub`; this service owns their
-- contact points and preferences and never reads another service's tables.

-- Where to reach a user. One row per user; a missing column means "no such channel".
CREATE TABLE user_contacts (
  user_id    text PRIMARY KEY,
  email      text,
  phone      text,
  push_token text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- What a user wants. `channels` maps category -> channel -> on/off; quiet hours are minutes after
-- local midnight in `timezone` (an IANA name), both null for none. A missing row = the defaults.
CREATE TABLE user_preferences (
  user_id     text PRIMARY KEY,
  timezone    text NOT NULL DEFAULT 'UTC',
  locale      text NOT NULL DEFAULT 'en',
  quiet_start smallint CHECK (quiet_start BETWEEN 0 AND 1439),
  quiet_end   smallint CHECK (quiet_end BETWEEN 0 AND 1439),
  channels    jsonb NOT NULL DEFAULT '{}',
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

-- Templates are versioned per (name, locale): a change adds a version, the newest is used, and
-- an old one stays readable (what did we send last week?). `content` holds each channel's text.
CREATE TABLE templates (
  name       text NOT NULL,
  locale     text NOT NULL,
  version    integer NOT NULL,
  content    jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, locale, version)
);

-- A segment is a stored list of users (marketing audiences). Members are read in key order in
-- batches, so a segment of millions is never loaded at once.
CREATE TABLE segments (
  name        text PRIMARY KEY,
  description text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE segment_members (
  segment text NOT NULL REFERENCES segments (name) ON DELETE CASCADE,
  user_id text NOT NULL,
  PRIMARY KEY (segment, user_id)
);

-- One row per (request, channel, user): the unique constraint is what makes a redelivered
-- request, a replayed event or a retried HTTP call create no second message.
CREATE TABLE messages (
  id          uuid PRIMARY KEY,
  request_id  uuid NOT NULL,
  user_id     text NOT NULL,
  channel     text NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
  category    text NOT NULL CHECK (category IN ('transactional', 'marketing')),
  template    text NOT NULL,
  template_version integer NOT NULL,
  locale      text NOT NULL,
  recipient   text NOT NULL,
  subject     text NOT NULL DEFAULT '',
  body        text NOT NULL,
  status      text NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'failed', 'bounced', 'skipped')),
  reason      text,
  provider    text,
  attempts    integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- When a provider accepted it: sent_at - created_at is the queueing + sending latency.
  sent_at     timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (request_id, channel, user_id)
);
CREATE INDEX messages_user ON messages (user_id, created_at);

-- Addresses that must not be sent to again (hard bounces), per channel.
CREATE TABLE suppressions (
  channel    text NOT NULL,
  address    text NOT NULL,
  reason     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, address)
);

-- Provider webhook ids already applied: providers retry, so the same event arrives again.
CREATE TABLE webhook_events (
  id          uuid PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now()
);
