/**
 * Boundary fuzzing, run in a child process by `__test__/fuzz/boundary.spec.ts` so that a crash (a signal, an
 * abort) fails that test instead of killing ava. `node --import tsx fuzz-child.ts <group> <runs>`
 * prints one JSON line, `{ group, calls, accepted, rejected }`, and exits 0; a property failure
 * prints fast-check's report on stderr and exits 1. `FUZZ_TRACE=1` logs every call on stderr first,
 * to find the call that crashed.
 *
 * Arguments that would be valid and dangerous are steered to a sandbox before the call: a valid fd
 * number becomes one of the sandbox's fds (never the harness's stdout or libuv's own fds), a timeout
 * that would block becomes 0, a port becomes 0 or the sandbox listener's, a unix path a temporary one.
 * Everything invalid goes through untouched.
 */
import { readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs'
import { endianness, tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'

import * as epoll from '../../../index.js'
import { Epoll, EPOLLET, EPOLLIN } from '../../../index.js'
import { badRejection, foreignCode, hostile, hostileArgs, Sentinel, show, specialRecipes } from './hostile.js'
import { getSystemErrorMap } from 'node:util'

const [group, runsArg] = process.argv.slice(2)
const RUNS = Number(runsArg ?? 300)
const TRACE = process.env.FUZZ_TRACE === '1'
const counts = { calls: 0, accepted: 0, rejected: 0 }
const tmp = mkdtempSync(join(tmpdir(), 'epoll-napi-fuzz-'))
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }))
// A relative unix socket path that slips past the steering lands here, not in the checkout.
process.chdir(tmp)

const MAX_FD = 0x7fffffff
const isValidFd = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_FD

/** Open fds of this process, by number. */
function openFds(): string {
  return readdirSync('/proc/self/fd')
    .map(Number)
    .sort((a, b) => a - b)
    .join(',')
}

/** The kernel's registrations of an epoll fd: `fd:events` pairs from /proc/self/fdinfo. */
function kernelRegistrations(epfd: number): string {
  if (epfd < 0) return ''
  return readFileSync(`/proc/self/fdinfo/${epfd}`, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('tfd:'))
    .map((line) => line.split(/\s+/).slice(1, 4).join(' '))
    .sort()
    .join('; ')
}

/** Fresh fds for one call: a pipe, an eventfd, a socket pair, a listener. Closed afterwards. */
class Sandbox implements Disposable {
  readonly fds: number[]
  readonly listener: number
  readonly port: number
  constructor() {
    const [r, w] = epoll.pipe()
    const [a, b] = epoll.socketpair()
    this.listener = epoll.listenTcp(0)
    this.port = epoll.localAddress(this.listener).port
    this.fds = [r, w, epoll.eventfd(1), a, b, this.listener]
  }
  fd(n: number): number {
    return this.fds[n % this.fds.length]
  }
  [Symbol.dispose](): void {
    for (const fd of this.fds) {
      try {
        epoll.close(fd)
      } catch {
        // closed by the call under test
      }
    }
  }
}

/** Steers a valid fd (a number, or an object's numeric `fd`) to the sandbox; anything else stays. */
function steerFd(value: unknown, box: Sandbox): unknown {
  if (typeof value === 'number') return isValidFd(value) ? box.fd(value) : value
  if (typeof value === 'object' && value !== null) {
    try {
      const fd = (value as { fd?: unknown }).fd
      if (isValidFd(fd)) return { fd: box.fd(fd) }
    } catch {
      // a throwing getter or proxy: let the call meet it
    }
  }
  return value
}

/** A timeout that would block (>= 1, -1, Infinity, undefined) becomes 0. */
function steerTimeout(value: unknown): unknown {
  if (value === undefined) return 0
  if (typeof value === 'number' && (value >= 0 || value === -1)) return 0
  return value
}

function steerPort(value: unknown, replacement: number): unknown {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535 ? replacement : value
}

function steerPath(value: unknown): unknown {
  return typeof value === 'string' && value.length > 0 ? join(tmp, `s${counts.calls}`) : value
}

type Steer = (value: unknown, box: Sandbox) => unknown
const fd: Steer = steerFd
const timeout: Steer = (v) => steerTimeout(v)
const same: Steer = (v) => v
/** A timer that would fire later is harmless; `{ initial }` objects pass as they are. */
const ephemeralPort: Steer = (v) => steerPort(v, 0)
const sandboxPort: Steer = (v, box) => steerPort(v, box.port)
const path: Steer = (v) => steerPath(v)

/** Closes whatever fds a successful call returned (a number or a pair). */
function closeReturned(result: unknown, box: Sandbox): void {
  const fds = typeof result === 'number' ? [result] : Array.isArray(result) ? result : []
  for (const n of fds) if (isValidFd(n) && !box.fds.includes(n)) epoll.close(n)
}

/** What the last call threw (`undefined` when it returned). */
let lastError: unknown

/** Every errno name a thrown `code` may be: Node's and the core's table (`constantTables().errno`). */
let knownErrnoNames: Set<string> | undefined
function errnoNames(binding: Record<string, unknown>): Set<string> {
  knownErrnoNames ??= new Set([
    ...[...getSystemErrorMap().values()].map(([name]) => name),
    ...Object.keys((binding.constantTables as () => { errno?: Record<string, number> })().errno ?? {}),
  ])
  return knownErrnoNames
}

/** Calls `fn` and counts the outcome: whether it threw, and why the thrown value is unacceptable. */
function call(description: () => string, fn: () => unknown, onSuccess: (result: unknown) => void): { rejected: boolean; failure?: string } {
  counts.calls++
  if (TRACE) process.stderr.write(`${description()}\n`)
  let result: unknown
  try {
    result = fn()
  } catch (error) {
    counts.rejected++
    lastError = error
    const bad = badRejection(error)
    return { rejected: true, failure: bad && `${description()}: ${bad}` }
  }
  lastError = undefined
  counts.accepted++
  onSuccess(result)
  return { rejected: false }
}

// ---------------------------------------------------------------------------------------------
// the Epoll class

interface MethodSpec {
  name: string
  steer: Steer[]
  invoke: (ep: Epoll, args: unknown[]) => unknown
}

const methods: MethodSpec[] = [
  { name: 'register', steer: [fd, same, same], invoke: (ep, a) => (ep.register as Function)(...a) },
  { name: 'modify', steer: [fd, same, same], invoke: (ep, a) => (ep.modify as Function)(...a) },
  { name: 'ref', steer: [], invoke: (ep, a) => (ep.ref as Function)(...a) },
  { name: 'unref', steer: [], invoke: (ep, a) => (ep.unref as Function)(...a) },
  { name: 'hasRef', steer: [], invoke: (ep, a) => (ep.hasRef as Function)(...a) },
  { name: 'watcher', steer: [], invoke: (ep) => ep.watcher },
  { name: 'unregister', steer: [fd], invoke: (ep, a) => (ep.unregister as Function)(...a) },
  { name: 'has', steer: [fd], invoke: (ep, a) => (ep.has as Function)(...a) },
  { name: 'poll', steer: [timeout, same], invoke: (ep, a) => (ep.poll as Function)(...a) },
  { name: 'pollInto', steer: [same, timeout], invoke: (ep, a) => (ep.pollInto as Function)(...a) },
  { name: 'fileno', steer: [], invoke: (ep, a) => (ep.fileno as Function)(...a) },
  { name: 'close', steer: [], invoke: (ep, a) => (ep.close as Function)(...a) },
  { name: 'Symbol.dispose', steer: [], invoke: (ep, a) => (ep[Symbol.dispose] as Function)(...a) },
  { name: 'describeEvents', steer: [same], invoke: (_, a) => (epoll.describeEvents as Function)(...a) },
]

function snapshot(ep: Epoll, box: Sandbox): string {
  if (ep.closed) return `closed fd=${ep.fd}`
  const has = box.fds.map((n) => `${n}:${ep.has(n)}`).join(',')
  return `fd=${ep.fd} size=${ep.size} has=${has} kernel=[${kernelRegistrations(ep.fd)}] open=${openFds()}`
}

function fuzzEpoll(): void {
  const property = fc.property(fc.constantFrom(...methods), hostileArgs, (method, rawArgs) => {
    using box = new Sandbox()
    using ep = new Epoll()
    ep.register(box.fds[0], EPOLLIN | EPOLLET)
    ep.register(box.fds[2], EPOLLIN)
    const args = rawArgs.map((h, i) => (method.steer[i] ?? same)(h.make(), box))
    const before = snapshot(ep, box)
    const { rejected, failure } = call(
      () => `ep.${method.name}(${args.map(show).join(', ')})`,
      () => method.invoke(ep, args),
      () => {},
    )
    if (failure) throw new Error(failure)
    if (rejected) {
      const after = snapshot(ep, box)
      if (after !== before) throw new Error(`ep.${method.name}(${args.map(show).join(', ')}) was refused but changed the instance:\n  before ${before}\n  after  ${after}`)
    }
  })
  check(property)

  // The constructor and the factory.
  check(
    fc.property(fc.boolean(), hostileArgs, (factory, rawArgs) => {
      using box = new Sandbox()
      using owner = new Epoll()
      // A valid fd goes to a sandbox fd (not epoll: ERR_EPOLL_NOT_EPOLL) or to an owned epoll fd.
      const args = factory ? rawArgs.map((h) => h.make()).map((v, i) => (i === 0 ? (isValidFd(v) && v % 2 ? owner.fd : steerFd(v, box)) : v)) : rawArgs.map((h) => h.make())
      const before = openFds()
      const { rejected, failure } = call(
        () => `${factory ? 'Epoll.fromFd' : 'new Epoll'}(${args.map(show).join(', ')})`,
        () => (factory ? (Epoll.fromFd as Function)(...args) : new (Epoll as new (...a: unknown[]) => Epoll)(...args)),
        (created) => (created as Epoll).close(),
      )
      if (failure) throw new Error(failure)
      if (rejected && openFds() !== before) throw new Error(`refused ${factory ? 'fromFd' : 'constructor'} call left fds behind`)
    }),
  )

  // Methods and getters called on something that is not an Epoll.
  const members = ['register', 'modify', 'unregister', 'has', 'poll', 'pollInto', 'fileno', 'close']
  const getters = ['fd', 'closed', 'size']
  check(
    fc.property(fc.constantFrom(...members, ...getters), hostile, hostileArgs, (name, receiverRecipe, rawArgs) => {
      using box = new Sandbox()
      const receiver = receiverRecipe.make()
      const args = rawArgs.map((h) => steerFd(steerTimeout(h.make()), box))
      const proto = Epoll.prototype as unknown as Record<string, unknown>
      const { failure } = call(
        () => `Epoll.prototype.${name} on ${show(receiver)}`,
        () => {
          if (getters.includes(name)) return Object.getOwnPropertyDescriptor(Epoll.prototype, name)!.get!.call(receiver)
          return (proto[name] as Function).apply(receiver, args)
        },
        () => {},
      )
      // A foreign receiver may get the engine's own TypeError for private fields (no code).
      if (failure && !failure.includes('TypeError without a code')) throw new Error(failure)
    }),
  )
}

/**
 * `wait()` and the async iterator with any options, and handlers that are anything: a refusal is a
 * rejected promise with an acceptable error and no change; an accepted wait settles (events, [] or,
 * once the instance is closed, ERR_EPOLL_CLOSED). A handler that throws surfaces as an uncaught
 * exception, as documented: only our sentinel or the engine's TypeError for calling a class may.
 */
async function fuzzWait(): Promise<void> {
  const uncaught: unknown[] = []
  process.on('uncaughtException', (error) => uncaught.push(error))
  const property = fc.asyncProperty(fc.constantFrom('wait', 'iterate', 'handler'), hostile, fc.boolean(), async (what, recipe, closeFirst) => {
    using box = new Sandbox()
    const ep = new Epoll()
    try {
      ep.register(box.fds[0], EPOLLIN | EPOLLET)
      const value = recipe.make()
      const description = `${what}(${show(value)})`
      counts.calls++
      if (TRACE) process.stderr.write(`${description}\n`)
      if (what === 'handler') {
        const before = snapshot(ep, box)
        try {
          ep.register(box.fds[2], EPOLLIN, value as never) // the eventfd is readable: a handler runs at once
          counts.accepted++
        } catch (error) {
          counts.rejected++
          const bad = badRejection(error)
          if (bad) throw new Error(`${description}: ${bad}`)
          if (snapshot(ep, box) !== before) throw new Error(`${description} was refused but changed the instance`)
        }
        await new Promise((resolve) => setTimeout(resolve, 1))
        return
      }
      const steered = typeof value === 'object' && value !== null ? steerWaitOptions(value) : value
      let settled: Promise<unknown>
      try {
        settled = what === 'wait' ? (ep.wait as Function)(steered) : (ep[Symbol.asyncIterator] as Function)(steered).next()
      } catch (error) {
        throw new Error(`${description} threw instead of returning a promise: ${String(error)}`)
      }
      if (closeFirst) ep.close()
      const timer = setTimeout(() => ep.close(), 20) // a wait that would block ends when the instance closes
      try {
        await settled
        counts.accepted++
      } catch (error) {
        counts.rejected++
        const bad = badRejection(error)
        const abort = error instanceof Error && error.name === 'AbortError'
        if (bad && !abort) throw new Error(`${description}: ${bad}`)
      } finally {
        clearTimeout(timer)
      }
    } finally {
      ep.close()
    }
  })
  const details = await fc.check(property, { numRuns: RUNS })
  if (details.failed) {
    process.stderr.write(`${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}\n`)
    process.exit(1)
  }
  for (const error of uncaught) {
    const classCall = error instanceof TypeError && /Class constructor/.test(error.message)
    if (!(error instanceof Sentinel) && !classCall) {
      process.stderr.write(`unexpected uncaught exception: ${String(error)}\n`)
      process.exit(1)
    }
  }
}

/** Options whose valid `timeout` would block become `timeout: 0`; everything else stays. */
function steerWaitOptions(options: object): unknown {
  try {
    const copy = Object.create(Object.getPrototypeOf(options), Object.getOwnPropertyDescriptors(options))
    const descriptor = Object.getOwnPropertyDescriptor(options, 'timeout')
    if (descriptor && 'value' in descriptor) copy.timeout = steerTimeout(descriptor.value)
    return copy
  } catch {
    return options // a proxy: let the call meet its traps
  }
}

// ---------------------------------------------------------------------------------------------
// the server I/O functions

const io: { name: keyof typeof epoll; steer: Steer[] }[] = [
  { name: 'listenTcp', steer: [ephemeralPort, same, same] },
  { name: 'listenUnix', steer: [path, same] },
  { name: 'connectTcp', steer: [sandboxPort, same] },
  { name: 'connectUnix', steer: [path] },
  { name: 'accept', steer: [fd] },
  { name: 'socketpair', steer: [] },
  { name: 'localAddress', steer: [fd] },
  { name: 'remoteAddress', steer: [fd] },
  { name: 'socketError', steer: [fd] },
  { name: 'shutdown', steer: [fd, same] },
  { name: 'setNoDelay', steer: [fd, same] },
  { name: 'read', steer: [fd, same, same, same] },
  { name: 'write', steer: [fd, same, same, same] },
  { name: 'readv', steer: [fd, same] },
  { name: 'writev', steer: [fd, same] },
  { name: 'close', steer: [fd] },
  { name: 'pipe', steer: [] },
  { name: 'eventfd', steer: [same, same] },
  { name: 'timerfd', steer: [same] },
  { name: 'setTimer', steer: [fd, same] },
  { name: 'readCounter', steer: [fd] },
  { name: 'writeCounter', steer: [fd, same] },
]

/** The functions (the package's, the binding's) whose result is a new fd (or a pair), which the fuzzer closes. */
const MAKES_FDS = new Set<string>([
  'listenTcp', 'listenUnix', 'connectTcp', 'connectUnix', 'accept', 'socketpair', 'pipe', 'eventfd', 'timerfd',
  'listenStream', 'connectStream', 'listenUdp', 'socket', 'acceptFd',
])

function fuzzIo(): void {
  check(
    fc.property(fc.constantFrom(...io), hostileArgs, (spec, rawArgs) => {
      using box = new Sandbox()
      const args = rawArgs.map((h, i) => (spec.steer[i] ?? same)(h.make(), box))
      const fn = epoll[spec.name] as unknown as (...a: unknown[]) => unknown
      const before = openFds()
      const { rejected, failure } = call(
        () => `${spec.name}(${args.map(show).join(', ')})`,
        () => fn(...args),
        (result) => {
          if (MAKES_FDS.has(spec.name)) closeReturned(result, box)
        },
      )
      if (failure) throw new Error(failure)
      if (rejected) {
        const after = openFds()
        // A refused close() of a sandbox fd that closed it anyway would show here too.
        if (after !== before) throw new Error(`${spec.name}(${args.map(show).join(', ')}) was refused but changed the open fds:\n  before ${before}\n  after  ${after}`)
      }
    }),
  )
}

// ---------------------------------------------------------------------------------------------
// the native binding, called directly (what a user reaching past the TypeScript layer could do)

/**
 * The binding's calls that take an address (a raw `struct sockaddr`, family first in native byte order):
 * which argument, and whether it is bound to (`local`) or reached (`peer`).
 */
const ADDRESS_ARGUMENTS: Record<string, [index: number, role: 'local' | 'peer']> = {
  listenStream: [0, 'local'],
  listenUdp: [0, 'local'],
  bind: [1, 'local'],
  connectStream: [0, 'peer'],
  connect: [1, 'peer'],
  sendTo: [4, 'peer'],
}

/**
 * A valid-looking sockaddr steered to the sandbox: a unix one becomes a temporary path, an IPv4 or IPv6
 * one loopback with port 0 (to bind) or the sandbox listener's port (to reach), so nothing is bound in
 * the checkout and nothing leaves the machine. Anything else (short, detached, lying, a proxy) stays.
 */
function steerSockaddr(value: unknown, role: 'local' | 'peer', box: Sandbox): unknown {
  try {
    if (!(value instanceof Uint8Array) || value.byteLength < 2) return value
    const little = endianness() === 'LE'
    const family = new DataView(value.buffer, value.byteOffset, value.byteLength).getUint16(0, little)
    const port = role === 'local' ? 0 : box.port
    if (family === epoll.AF_UNIX) {
      const path = Buffer.from(join(tmp, `a${counts.calls}`))
      const out = new Uint8Array(2 + path.length + 1)
      new DataView(out.buffer).setUint16(0, family, little)
      out.set(path, 2)
      return out
    }
    if (family === epoll.AF_INET && value.byteLength >= 8) {
      const out = Uint8Array.from(value)
      new DataView(out.buffer).setUint16(2, port) // network byte order
      out.set([127, 0, 0, 1], 4)
      return out
    }
    if (family === epoll.AF_INET6 && value.byteLength >= 24) {
      const out = Uint8Array.from(value)
      new DataView(out.buffer).setUint16(2, port)
      out.set([...new Uint8Array(15), 1], 8) // ::1
      return out
    }
    return value
  } catch {
    return value // a proxy or a lying view: let the call meet it
  }
}

function fuzzNative(): void {
  const binding = require('../../../binding.js') as Record<string, unknown> & { NativeEpoll: new (...a: unknown[]) => object }
  const functions = Object.keys(binding).filter((k) => typeof binding[k] === 'function' && k !== 'NativeEpoll')
  const methodNames = Object.getOwnPropertyNames(binding.NativeEpoll.prototype).filter((k) => k !== 'constructor')
  /** Native arguments: every number is steered (an fd, a port or a timeout could be any of them). */
  const steerNative = (v: unknown, box: Sandbox) => {
    if (typeof v !== 'number') return v
    return isValidFd(v) ? box.fd(v) : v === -1 || v === Infinity ? 0 : v
  }
  check(
    fc.property(fc.constantFrom(...functions, ...methodNames.map((m) => `#${m}`)), fc.boolean(), hostileArgs, (name, foreignThis, rawArgs) => {
      using box = new Sandbox()
      const args = rawArgs.map((h) => steerNative(h.make(), box))
      const address = ADDRESS_ARGUMENTS[name]
      if (address && address[0] < args.length) args[address[0]] = steerSockaddr(args[address[0]], address[1], box)
      const native = new binding.NativeEpoll(true) as Record<string, unknown>
      try {
        const { failure } = call(
          () => `binding.${name}(${args.map(show).join(', ')})${foreignThis ? ' on a foreign this' : ''}`,
          () => {
            if (!name.startsWith('#')) return (binding[name] as Function)(...args)
            const member = name.slice(1)
            const descriptor = Object.getOwnPropertyDescriptor(binding.NativeEpoll.prototype, member)!
            const self = foreignThis ? {} : native
            return descriptor.get ? descriptor.get.call(self) : (descriptor.value as Function).apply(self, args)
          },
          (result) => {
            if (MAKES_FDS.has(name)) closeReturned(result, box)
          },
        )
        // The binding is not the public API, but its errors carry Node's codes, the package's or errno names,
        // never napi-rs's status names (issue 23, items 9 and 10).
        if (failure && /non-Error/.test(failure)) throw new Error(failure)
        // V8's own signature check of an unguarded member on a foreign `this` (see sweepNative).
        const engineCheck = foreignThis && lastError instanceof TypeError && lastError.message === 'Illegal invocation'
        if (lastError !== undefined && !engineCheck) {
          const foreign = foreignCode(lastError, errnoNames(binding))
          if (foreign) throw new Error(`binding.${name}(${args.map(show).join(', ')}): ${foreign}`)
        }
      } finally {
        ;(native.close as () => void).call(native)
      }
    }),
  )
}

/**
 * Every export of the binding, every static and member of `NativeEpoll` (on an instance and on a foreign
 * `this`) and its constructor, called with each special hostile value at each of the first six argument
 * positions (the other positions holding the next values of the list, so that each value also reaches
 * the later parameters of a call): no crash, and nothing thrown with a code no user may see.
 */
function sweepNative(): void {
  const binding = require('../../../binding.js') as Record<string, unknown> & { NativeEpoll: new (...a: unknown[]) => object }
  const names = errnoNames(binding)
  const functions = Object.keys(binding).filter((k) => typeof binding[k] === 'function' && k !== 'NativeEpoll')
  const members = Object.getOwnPropertyNames(binding.NativeEpoll.prototype).filter((k) => k !== 'constructor')
  const targets = [...functions, 'new NativeEpoll', 'NativeEpoll.fromFd', ...members.map((m) => `#${m}`), ...members.map((m) => `foreign #${m}`)]
  const steer = (v: unknown, box: Sandbox) => (typeof v !== 'number' ? v : isValidFd(v) ? box.fd(v) : v === -1 || v === Infinity ? 0 : v)
  const failures: string[] = []
  for (const target of targets) {
    for (let position = 0; position < 6; position++) {
      // One sandbox per target and position: a call may close one of its fds, and the next calls then
      // meet a closed fd, which is one more hostile case.
      using box = new Sandbox()
      for (let i = 0; i < specialRecipes.length; i++) {
        const args = Array.from({ length: 6 }, (_, p) => steer(specialRecipes[(i + p - position + specialRecipes.length) % specialRecipes.length].make(), box))
        const address = ADDRESS_ARGUMENTS[target]
        if (address) args[address[0]] = steerSockaddr(args[address[0]], address[1], box)
        const native = new binding.NativeEpoll(true) as Record<string, unknown>
        try {
          call(
            () => `${target}(${args.map(show).join(', ')})`,
            () => {
              if (target === 'new NativeEpoll') return new binding.NativeEpoll(...args)
              if (target === 'NativeEpoll.fromFd') return (binding.NativeEpoll as unknown as { fromFd: Function }).fromFd(...args)
              if (!target.includes('#')) return (binding[target] as Function)(...args)
              const member = target.slice(target.indexOf('#') + 1)
              const descriptor = Object.getOwnPropertyDescriptor(binding.NativeEpoll.prototype, member)!
              const self = target.startsWith('foreign') ? {} : native
              return descriptor.get ? descriptor.get.call(self) : (descriptor.value as Function).apply(self, args)
            },
            (result) => {
              if (MAKES_FDS.has(target)) closeReturned(result, box)
              if (target === 'new NativeEpoll' || target === 'NativeEpoll.fromFd') (result as { close(): void }).close()
            },
          )
          // A method the binding leaves unguarded (it converts every argument itself: `KIT_CONVERTED` in
          // calls.rs) meets V8's own signature check on a foreign `this`, before any code of ours runs.
          const engineCheck = target.startsWith('foreign') && lastError instanceof TypeError && lastError.message === 'Illegal invocation'
          if (lastError !== undefined && !engineCheck) {
            const foreign = foreignCode(lastError, names)
            if (foreign) failures.push(`${target}(${args.map(show).join(', ')}): ${foreign}`)
          }
        } finally {
          ;(native.close as () => void).call(native)
        }
      }
    }
  }
  if (failures.length > 0) {
    process.stderr.write(`${failures.length} calls threw a code no user may see, e.g.:\n${[...new Set(failures)].slice(0, 20).join('\n')}\n`)
    process.exit(1)
  }
}

// ---------------------------------------------------------------------------------------------
// bounds: read/write/readv/writev move exactly the bytes of the range asked for, or refuse

const viewKinds = [
  Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView, Buffer,
] as const

interface ViewRecipe {
  kind: number
  /** Bytes of the backing ArrayBuffer. */
  backing: number
  /** Elements skipped before the view and elements in it (clamped to the backing store). */
  skip: number
  count: number
  /** A `byteLength` own property that lies (neither the TypeScript checks nor the native ones may believe it). */
  lie: number | undefined
}

const viewRecipe: fc.Arbitrary<ViewRecipe> = fc.record({
  kind: fc.nat(viewKinds.length - 1),
  backing: fc.integer({ min: 0, max: 64 }),
  skip: fc.nat(8),
  count: fc.nat(64),
  lie: fc.option(fc.integer({ min: 0, max: 1 << 20 }), { nil: undefined, freq: 5 }),
})

function makeView(r: ViewRecipe): { view: ArrayBufferView; bytes: Uint8Array; start: number; size: number } {
  const Kind = viewKinds[r.kind]
  const unit = Kind === DataView || Kind === Buffer ? 1 : (Kind as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT
  const buffer = new ArrayBuffer(r.backing)
  const bytes = new Uint8Array(buffer)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 1) & 0xff
  const skip = Math.min(r.skip, Math.floor(r.backing / unit))
  const count = Math.min(r.count, Math.floor(r.backing / unit) - skip)
  const start = skip * unit
  const view: ArrayBufferView =
    Kind === DataView ? new DataView(buffer, start, count) : Kind === Buffer ? Buffer.from(buffer, start, count) : new (Kind as Uint8ArrayConstructor)(buffer, start, count)
  if (r.lie !== undefined) Object.defineProperty(view, 'byteLength', { value: r.lie })
  return { view, bytes, start, size: count * unit }
}

const rangeValue = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -2, max: 70 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, 1.5, -0, NaN, 2 ** 32, 2 ** 53, Infinity) },
)

/** Drains a pipe's read end into a byte array. */
function drain(fdr: number): number[] {
  const out: number[] = []
  const chunk = Buffer.alloc(4096)
  for (;;) {
    const n = epoll.read(fdr, chunk)
    if (n <= 0) return out
    out.push(...chunk.subarray(0, n))
  }
}

function fuzzBounds(): void {
  const failure = (message: string) => {
    throw new Error(message)
  }
  check(
    fc.property(viewRecipe, rangeValue, rangeValue, fc.boolean(), (recipe, offset, length, reading) => {
      const [r, w] = epoll.pipe()
      try {
        const { view, bytes, start, size } = makeView(recipe)
        const before = [...bytes]
        const marker = Buffer.alloc(100, 0xee)
        if (reading) epoll.write(w, marker)
        const args = length === undefined ? [offset] : [offset, length]
        const op = reading ? epoll.read : epoll.write
        const label = `${reading ? 'read' : 'write'}(${viewKinds[recipe.kind].name} of ${size} bytes at ${start}${recipe.lie !== undefined ? ` claiming ${recipe.lie}` : ''}, ${args.map(show).join(', ')})`
        let n: number
        try {
          counts.calls++
          n = (op as (...a: unknown[]) => number)(reading ? r : w, view, ...args)
          counts.accepted++
        } catch (error) {
          counts.rejected++
          const bad = badRejection(error)
          if (bad) failure(`${label}: ${bad}`)
          if (!(error instanceof RangeError || error instanceof TypeError)) failure(`${label}: not an argument error: ${String(error)}`)
          if (bytes.some((b, i) => b !== before[i])) failure(`${label} was refused but changed the buffer`)
          if (!reading && drain(r).length !== 0) failure(`${label} was refused but wrote`)
          return
        }
        // Accepted: the range must lie inside the view's real bytes, and exactly that range moved.
        const from = typeof offset === 'number' ? offset : 0
        if (!(Number.isInteger(from) && from >= 0 && from <= size)) failure(`${label} accepted an offset outside the view`)
        // An omitted length is the rest of the view's real bytes: a lying byteLength property is not
        // believed (the package asks the engine, as the native side does).
        const want = length === undefined ? size - from : (length as number)
        if (!(Number.isInteger(want) && want >= (reading ? 1 : 0) && from + want <= size)) failure(`${label} accepted a length outside the view`)
        if (reading) {
          if (n !== Math.min(want, marker.length)) failure(`${label} returned ${n}`)
          for (let i = 0; i < bytes.length; i++) {
            const inside = i >= start + from && i < start + from + n
            if (bytes[i] !== (inside ? 0xee : before[i])) failure(`${label}: byte ${i} of the backing store is ${bytes[i]}`)
          }
        } else {
          if (n !== want) failure(`${label} returned ${n}`)
          const written = drain(r)
          const expected = before.slice(start + from, start + from + want)
          if (written.join() !== expected.join()) failure(`${label} wrote ${written.length} bytes other than the range's`)
        }
      } finally {
        epoll.close(r)
        epoll.close(w)
      }
    }),
  )

  // readv/writev: the bytes of every view in order, nothing else.
  check(
    fc.property(fc.array(viewRecipe.map((r) => ({ ...r, lie: undefined })), { maxLength: 6 }), fc.boolean(), (recipes, reading) => {
      const [r, w] = epoll.pipe()
      try {
        const views = recipes.map(makeView)
        const total = views.reduce((sum, v) => sum + v.size, 0)
        // readv into no bytes at all would return 0, which reads as end of file: refused, as read()
        // refuses length 0, and nothing is read.
        if (reading && total === 0) {
          epoll.write(w, Buffer.from('x'))
          counts.calls++
          try {
            epoll.readv(r, views.map((v) => v.view))
          } catch (error) {
            counts.rejected++
            if ((error as { code?: unknown }).code !== 'ERR_OUT_OF_RANGE') failure(`readv into 0 bytes threw ${String(error)}`)
            if (drain(r).length !== 1) failure('readv into 0 bytes was refused but consumed input')
            return
          }
          failure('readv into 0 bytes was accepted (0 would read as end of file)')
        }
        const marker = Buffer.alloc(total, 0xee)
        if (reading && total > 0) epoll.write(w, marker)
        counts.calls++
        const n = reading ? epoll.readv(r, views.map((v) => v.view)) : epoll.writev(w, views.map((v) => v.view))
        counts.accepted++
        if (reading) {
          if (n !== total) failure(`readv of ${total} bytes returned ${n}`)
          for (const v of views) {
            for (let i = 0; i < v.bytes.length; i++) {
              const inside = i >= v.start && i < v.start + v.size
              if (inside && v.bytes[i] !== 0xee) failure('readv left a byte of a view unwritten')
              if (!inside && v.bytes[i] !== ((i * 7 + 1) & 0xff)) failure('readv wrote outside a view')
            }
          }
        } else {
          if (n !== total) failure(`writev of ${total} bytes returned ${n}`)
          const expected = views.flatMap((v) => [...v.bytes.subarray(v.start, v.start + v.size)])
          if (drain(r).join() !== expected.join()) failure('writev wrote other bytes than the views')
        }
      } finally {
        epoll.close(r)
        epoll.close(w)
      }
    }),
  )
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function check(property: fc.IProperty<any>): void {
  const details = fc.check(property, { numRuns: RUNS })
  if (details.failed) {
    process.stderr.write(`${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}\n`)
    process.exit(1)
  }
}

const groups: Record<string, () => void | Promise<void>> = { epoll: fuzzEpoll, wait: fuzzWait, io: fuzzIo, native: fuzzNative, sweep: sweepNative, bounds: fuzzBounds }
if (!groups[group]) throw new Error(`unknown group ${group}`)
void (async () => {
  await groups[group]()
  process.stdout.write(`${JSON.stringify({ group, ...counts })}\n`)
  // Handles a fuzzed native call may have left (a watcher on a closed instance) must not keep us here.
  process.exit(0)
})()
