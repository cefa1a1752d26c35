// Public surface of @lab/resilience; filled in by its issue.
export {};
