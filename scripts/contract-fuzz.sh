#!/usr/bin/env bash
# CI step: the property-based contract fuzz of every service's OpenAPI document (see
# scripts/contract-fuzz/run.ts). Needs the local stack (npm run infra:local -- up) or the
# dependency URLs in the environment, and python3 with venv for Schemathesis.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh
exec node --env-file-if-exists=.lab/local.env scripts/contract-fuzz/run.ts "$@"
