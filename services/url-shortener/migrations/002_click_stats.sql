-- Click analytics, written only by the click aggregator (consumer of url.clicked), one
-- transaction per Kafka batch chunk together with the processed-event ids, so a redelivered click
-- is never counted twice. Referrers and user agents are stored bounded (host, browser family).
CREATE TABLE click_daily (
  code   text NOT NULL,
  day    date NOT NULL,
  clicks bigint NOT NULL,
  PRIMARY KEY (code, day)
);

CREATE TABLE click_referrers (
  code   text NOT NULL,
  host   text NOT NULL CHECK (length(host) <= 253),
  clicks bigint NOT NULL,
  PRIMARY KEY (code, host)
);

CREATE TABLE click_agents (
  code   text NOT NULL,
  family text NOT NULL CHECK (length(family) <= 32),
  clicks bigint NOT NULL,
  PRIMARY KEY (code, family)
);

-- One row per milestone reached: the insert that creates it is what enqueues the notification,
-- so a milestone is announced once even when the click that crossed it is processed again.
CREATE TABLE link_milestones (
  code       text NOT NULL,
  milestone  bigint NOT NULL,
  reached_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (code, milestone)
);
