// A folder laid out as `npm install epoll-napi` leaves it: the main package (compiled JS + binding.js)
// and every built platform package under node_modules/, so the loader has to choose among all of them.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')

/** Lays out the consumer; returns its folder. `platforms` are the npm/<platform> folders to install. */
export function makeConsumer(platforms) {
  const dir = mkdtempSync(join(tmpdir(), 'epoll-napi-targets-'))
  const main = join(dir, 'node_modules', 'epoll-napi')
  mkdirSync(join(main, 'lib'), { recursive: true })
  for (const file of ['package.json', 'index.js', 'binding.js']) cpSync(join(ROOT, file), join(main, file))
  // lib/ is in layer folders (lib/epoll/, lib/net/, ...): every compiled .js at any depth, as `files` ships it.
  const libFiles = readdirSync(join(ROOT, 'lib'), { recursive: true }).filter((name) => String(name).endsWith('.js'))
  for (const file of libFiles) cpSync(join(ROOT, 'lib', String(file)), join(main, 'lib', String(file)), { recursive: true })
  for (const platform of platforms) {
    const from = join(ROOT, 'npm', platform)
    const binary = `epoll-napi.${platform}.node`
    if (!existsSync(join(from, binary))) continue
    const to = join(dir, 'node_modules', `epoll-napi-${platform}`)
    mkdirSync(to, { recursive: true })
    cpSync(join(from, 'package.json'), join(to, 'package.json'))
    cpSync(join(from, binary), join(to, binary))
  }
  writeFileSync(join(dir, 'package.json'), '{"private":true}\n')
  writeFileSync(
    join(dir, 'which-binary.cjs'),
    `// Prints which .node file the loader picked and whether it works.
const epoll = require('epoll-napi')
const loaded = Object.keys(require.cache).filter((path) => path.endsWith('.node'))
const ep = new epoll.Epoll()
const [r, w] = epoll.pipe()
ep.register(r, epoll.EPOLLIN)
epoll.write(w, Buffer.from('x'))
const ready = ep.poll(1000)
ep.close()
console.log(JSON.stringify({ loaded, supported: epoll.supported, ready: ready.length, arch: process.arch }))
`,
  )
  return dir
}
