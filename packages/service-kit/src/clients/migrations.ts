// The migration runner lives in @lab/migrations (libraries that own tables use it without the kit);
// re-exported here so services keep importing it from the kit.
export {
  loadMigrations,
  type Migration,
  MigrationError,
  type MigrationFolder,
  type MigrationResult,
  runMigrations,
} from '@lab/migrations';
