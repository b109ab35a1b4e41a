#!/usr/bin/env bash
# Runs the Rust core's tests (crates/epoll-core: unit and integration tests) under valgrind memcheck.
# Invalid reads or writes, uses of uninitialised memory and definite or indirect leaks fail the run;
# the fds each test binary leaves open at exit are listed. Optional: it needs valgrind
# (`apt-get install valgrind`), which `npm ci` cannot install, so `npm test` does not run it.
#   npm run test:valgrind
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v valgrind >/dev/null; then
  echo "valgrind is not installed (apt-get install valgrind)" >&2
  exit 2
fi
mapfile -t binaries < <(
  cargo test -p epoll-core --no-run --message-format=json 2>/dev/null |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      for (const line of s.split("\n")) {
        if (!line) continue
        const m = JSON.parse(line)
        if (m.reason === "compiler-artifact" && m.executable && m.profile.test) console.log(m.executable)
      }
    })'
)
[ "${#binaries[@]}" -gt 0 ] || { echo "no test binaries were built" >&2; exit 1; }
for binary in "${binaries[@]}"; do
  echo "== valgrind $binary"
  valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --track-fds=yes \
    "$binary" --test-threads=1
done
