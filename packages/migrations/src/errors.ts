// The error catalogue of @lab/migrations: each way start-up refuses a folder of migrations, as a
// MigrationError whose `code` is one of MIGRATION_ERROR_CODES. Callers (createService, a CLI)
// branch on the code with isMigrationError, not `instanceof`: the runner is imported directly and
// through @lab/service-kit, and a code still matches when two copies of the package are loaded.

/** Every code this package throws, with what it means. */
export const MIGRATION_ERROR_CODES = {
  MIGRATION_CHECKSUM_MISMATCH: 'an applied file was edited; add a new file instead',
  MIGRATION_DUPLICATE_VERSION: 'two files of one folder share a version number',
  MIGRATION_FAILED: 'a file failed to apply; it and its ledger row were rolled back',
} as const;
export type MigrationErrorCode = keyof typeof MIGRATION_ERROR_CODES;

export class MigrationError extends Error {
  readonly code: MigrationErrorCode;
  constructor(code: MigrationErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
    this.code = code;
  }
}

/** An Error-like value (a string message) with a code of this package (`code` only, when given). */
export function isMigrationError(error: unknown, code?: MigrationErrorCode): error is MigrationError {
  const { message, code: actual } = (
    typeof error === 'object' && error !== null ? error : {}
  ) as Partial<MigrationError>;
  if (typeof message !== 'string' || typeof actual !== 'string') return false;
  return code === undefined ? Object.hasOwn(MIGRATION_ERROR_CODES, actual) : actual === code;
}
