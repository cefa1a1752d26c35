// Public surface of @lab/ratelimit; filled in by its issue.
export {};
