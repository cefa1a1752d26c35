// Public surface of @lab/testkit; filled in by its issue.
export {};
