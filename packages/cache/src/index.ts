// Public surface of @lab/cache; filled in by its issue.
export {};
