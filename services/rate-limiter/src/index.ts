// Public surface of @lab/rate-limiter; filled in by its issue.
export {};
