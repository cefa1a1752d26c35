#!/usr/bin/env bash
# What `npm test` runs (package.json "test"): every test, against real Postgres, Redis and Kafka,
# with nothing typed before it on a fresh machine.
#
# npm runs a script with whatever node is first on PATH, on a fresh Debian machine an older one
# whose test runner cannot even expand the test globs. So this launcher is bash, not node: it puts
# Node >= 24 first on PATH (scripts/ensure-node.sh installs it from the npm registry if needed),
# then hands over to tooling/test-runner, which picks or starts the dependencies and runs the tests.
# Arguments after `npm test --` are passed on (options as --name=value; file paths replace the globs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/ensure-node.sh
exec node tooling/test-runner/src/cli.ts "$@"
