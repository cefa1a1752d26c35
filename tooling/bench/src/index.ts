// Public surface of @lab/bench; filled in by its issue.
export {};
