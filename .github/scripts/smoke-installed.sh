#!/bin/sh
# Runs inside a container of the target platform (build.yml): installs the packed main package and the
# packed platform package offline into a fresh folder, then runs the consumer smoke scripts of
# __test__/fixtures/consumer from CommonJS and from an ES module.
set -eu
repo=${REPO:-/repo}
command -v node >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }
consumer=$(mktemp -d)
cp "$repo"/__test__/fixtures/consumer/smoke* "$consumer"/
cd "$consumer"
echo '{ "name": "epoll-napi-consumer", "private": true }' > package.json
npm install --offline --no-audit --no-fund "$repo"/packages/epoll-napi-[0-9]*.tgz "$repo"/packages/epoll-napi-"$PLATFORM"-*.tgz
expected='{"supported":true,"quiet":[],"ready":[[true,["EPOLLIN"]]],"closed":true}'
for script in smoke.cjs smoke.mjs; do
  actual=$(node "$script")
  echo "$(uname -m) $(node --version) $script: $actual"
  [ "$actual" = "$expected" ] || { echo "expected $expected" >&2; exit 1; }
done
