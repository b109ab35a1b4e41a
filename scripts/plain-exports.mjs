// Runs after `tsc` (npm run build:ts): turns the re-export getters tsc writes into index.js into
// plain data properties.
//
// tsc compiles `export { read } from './lib/io/fd'` to
//   Object.defineProperty(exports, "read", { enumerable: true, get: function () { return fd_1.read; } });
// so every `pkg.read(...)` in a user's loop is a property load that calls a getter (35–73 ns per
// request measured in the echo servers, issue 26). Every module index.js re-exports from is fully
// loaded by the time the line runs (nothing in lib/ requires index.js) and no re-exported binding is
// ever reassigned, so copying the value once is the same thing, minus the getter:
//   exports.read = fd_1.read;
// cjs-module-lexer (how Node finds the named exports of a CommonJS module for `import { read } from
// 'epoll-napi'`) detects `exports.name = ...` assignments, so ESM named imports keep working
// (__test__/package/plain-exports.spec.ts checks both).
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const file = join(root, 'index.js')
const getter =
  /^Object\.defineProperty\(exports, "([A-Za-z_$][\w$]*)", \{ enumerable: true, get: function \(\) \{ return ([A-Za-z_$][\w$]*\.[A-Za-z_$][\w$]*); \} \}\);$/gm
const source = readFileSync(file, 'utf8')
let count = 0
const rewritten = source.replace(getter, (_, name, target) => {
  count++
  return `exports.${name} = ${target};`
})
const left = (rewritten.match(/get: function/g) ?? []).length
if (left > 0) {
  console.error(`plain-exports: ${left} getter(s) in index.js not in the shape this script rewrites; left as they are`)
  process.exitCode = 1
}
writeFileSync(file, rewritten)
console.log(`plain-exports: ${count} re-export getters in index.js now plain data properties`)
