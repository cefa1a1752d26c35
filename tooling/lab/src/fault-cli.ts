// `npm run lab:fault -- <postgres|redis|kafka> <cut|restore|latency MS>` (see fault.ts).
import { LAB_PROXIES, readDependencies } from './environment.ts';
import { applyFault, FaultUsageError, parseFaultArgs } from './fault.ts';

const ENV_FILE = new URL('../../../.lab/local.env', import.meta.url);

try {
  const command = parseFaultArgs(process.argv.slice(2));
  const { toxiproxy } = readDependencies(ENV_FILE);
  console.log(`lab: ${await applyFault(toxiproxy, LAB_PROXIES[command.target].name, command.action)}`);
} catch (error) {
  console.error(`lab: ${(error as Error).message}`);
  process.exit(error instanceof FaultUsageError ? 2 : 1);
}
