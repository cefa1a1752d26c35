// The migration runner lives in @lab/migrations (libraries that own tables use it without the kit);
// re-exported here so services keep importing it from the kit.
export {
  isMigrationError,
  loadMigrations,
  MIGRATION_ERROR_CODES,
  type Migration,
  MigrationError,
  type MigrationErrorCode,
  type MigrationFolder,
  type MigrationResult,
  runMigrations,
} from '@lab/migrations';
