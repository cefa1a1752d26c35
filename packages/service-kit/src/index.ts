// Public surface of @lab/service-kit; filled in by its issue.
export {};
