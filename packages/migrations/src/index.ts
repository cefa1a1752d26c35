// @lab/migrations: the one way the lab creates schema. A service's folder and the folders libraries
// own (idempotency records in @lab/service-kit, the outbox in @lab/outbox) are applied by one
// runner, in order, once per database, each file checksummed. Its own package (pg only) so that
// every library that owns tables can depend on it without depending on the service kit.

export {
  isMigrationError,
  MIGRATION_ERROR_CODES,
  MigrationError,
  type MigrationErrorCode,
} from './errors.ts';
export {
  loadMigrations,
  type Migration,
  type MigrationFolder,
  type MigrationLogger,
  type MigrationResult,
  runMigrations,
  SERVICE_SOURCE,
} from './runner.ts';
