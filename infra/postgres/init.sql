-- One database per service (DESIGN.md): a service never reads another's tables. Run once, by the
-- postgres image's entrypoint, on an empty data volume.
CREATE DATABASE url_shortener;
CREATE DATABASE rate_limiter;
CREATE DATABASE notifications;
CREATE DATABASE feed;
