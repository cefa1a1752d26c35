-- The feed's source of truth. Redis holds only derived data (timelines, recent posts, cache), so
-- anything Redis loses is rebuilt from these three tables.

-- A user exists once they have acted (posted, followed, read) or were seeded. last_active_at drives
-- fan-out: followers idle for longer than INACTIVE_AFTER_MS are skipped and rebuilt on return.
CREATE TABLE users (
  id             text PRIMARY KEY,
  follower_count integer NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_active_at timestamptz NOT NULL DEFAULT now(),
  -- Set when a follow change could not be applied to the Redis timeline (Redis down): the next
  -- read rebuilds the timeline from here instead of trusting it.
  timeline_dirty boolean NOT NULL DEFAULT false
);
-- The popular (cold-start) feed reads the most-followed authors.
CREATE INDEX users_by_followers ON users (follower_count DESC, id);

CREATE TABLE follows (
  follower_id text NOT NULL REFERENCES users (id),
  followee_id text NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, followee_id),
  CHECK (follower_id <> followee_id)
);
-- Fan-out walks an author's followers in id order (keyset batches).
CREATE INDEX follows_by_followee ON follows (followee_id, follower_id);

-- score = created_at in epoch milliseconds: the timeline sort key, and with id the cursor
-- (score, id). A deleted post keeps its row as a tombstone (deleted_at set, body cleared), so a
-- late fan-out or a cached id can tell "deleted" from "never existed".
CREATE TABLE posts (
  id         text PRIMARY KEY,
  author_id  text NOT NULL REFERENCES users (id),
  body       text,
  score      bigint NOT NULL,
  created_at timestamptz NOT NULL,
  deleted_at timestamptz,
  CHECK ((deleted_at IS NULL) = (body IS NOT NULL))
);
-- Pull reads: one author's newest live posts below a cursor.
CREATE INDEX posts_by_author ON posts (author_id, score DESC, id DESC) WHERE deleted_at IS NULL;
