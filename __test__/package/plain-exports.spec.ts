// The package's exports are plain data properties (scripts/plain-exports.mjs rewrites the getters tsc
// writes into index.js): a `pkg.read(...)` in a hot loop is a property load, not a getter call, for
// CommonJS and ES modules alike, and ES named imports still find every name.
import test from 'ava'
import { execFile } from 'node:child_process'
import { join } from 'node:path'

import { ROOT } from '../helpers/child.js'

const INDEX = join(ROOT, 'index.js')

function node(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    )
  })
}

test('every export of the built index.js is a data property, and the exports object keeps fast properties', async (t) => {
  const script = `
    const pkg = require(${JSON.stringify(INDEX)})
    const getters = Object.keys(pkg).filter((name) => typeof Object.getOwnPropertyDescriptor(pkg, name).get === 'function')
    const read = Object.getOwnPropertyDescriptor(pkg, 'read')
    console.log(JSON.stringify({ count: Object.keys(pkg).length, getters, readIsData: 'value' in read && typeof read.value === 'function', fast: %HasFastProperties(pkg) }))`
  const result = JSON.parse(await node(['--allow-natives-syntax', '-e', script]))
  t.true(result.count > 100)
  t.deepEqual(result.getters, [])
  t.true(result.readIsData)
  t.true(result.fast)
})

test('each export is the value its lib module exports', async (t) => {
  const script = `
    const pkg = require(${JSON.stringify(INDEX)})
    const fd = require(${JSON.stringify(join(ROOT, 'lib', 'io', 'fd.js'))})
    const epoll = require(${JSON.stringify(join(ROOT, 'lib', 'epoll', 'epoll.js'))})
    console.log(JSON.stringify([pkg.read === fd.read, pkg.write === fd.write, pkg.Epoll === epoll.Epoll]))`
  t.deepEqual(JSON.parse(await node(['-e', script])), [true, true, true])
})

test('ES named imports of the package find every name CommonJS has', async (t) => {
  const script = `
    import * as ns from ${JSON.stringify(INDEX)}
    import { read, Epoll, EPOLLIN } from ${JSON.stringify(INDEX)}
    import { createRequire } from 'node:module'
    const pkg = createRequire(import.meta.url)(${JSON.stringify(INDEX)})
    const missing = Object.keys(pkg).filter((name) => !(name in ns))
    console.log(JSON.stringify({ missing, read: read === pkg.read, Epoll: Epoll === pkg.Epoll, EPOLLIN: EPOLLIN === pkg.EPOLLIN }))`
  const result = JSON.parse(await node(['--input-type=module', '-e', script]))
  t.deepEqual(result, { missing: [], read: true, Epoll: true, EPOLLIN: true })
})
