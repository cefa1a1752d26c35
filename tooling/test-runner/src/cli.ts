// `npm test` after scripts/test.sh has put Node >= 24 on PATH: decide where the dependencies come
// from (plan.ts), start the local stack when that is the answer (its own output shows progress
// for the slow first-time steps: packages, Kafka's jars, Toxiproxy's build), then run node's test
// runner on every workspace's tests and exit with its status.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { dockerEngineAnswers } from '@lab/testkit';
import { planDependencies, testEnvironment, testRunnerArgs } from './plan.ts';

const root = join(import.meta.dirname, '../../..');
const envFile = join(root, '.lab/local.env');

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
    child.on('error', reject);
    // A child killed by a signal (Ctrl-C) reports no code: fail the same way a shell would.
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 2 : 1)));
  });
}

const plan = await planDependencies({
  env: process.env,
  localStackEnvFileExists: existsSync(envFile),
  dockerAnswers: dockerEngineAnswers,
});
console.log(`npm test: dependencies from ${plan.kind} (${plan.why})`);

if (plan.kind === 'local-stack') {
  const status = await run('bash', [join(root, 'infra/local/stack.sh'), 'up'], process.env);
  if (status !== 0) {
    console.error('npm test: the local stack did not start; the lines above say why');
    process.exit(status);
  }
}

const localStackEnv = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : undefined;
const env = testEnvironment(process.env, plan.kind === 'local-stack' ? localStackEnv : undefined);
process.exit(await run(process.execPath, testRunnerArgs(process.argv.slice(2)), env));
