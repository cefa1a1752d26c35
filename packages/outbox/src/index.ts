// Public surface of @lab/outbox; filled in by its issue.
export {};
