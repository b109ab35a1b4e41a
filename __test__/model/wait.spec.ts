/**
 * Property tests of event-loop delivery: random register (with or without a handler) / modify (keeping
 * or replacing the handler) / unregister / pipe writes and reads / eventfd counter writes and reads /
 * wait({ timeout: 0 }) / poll(0) on the same instance / loop turns, with every trigger mode including
 * EPOLLEXCLUSIVE (which the loop parks by removing it from the kernel), checked against what a user
 * is promised:
 * - safety: a handler only ever runs for an fd registered with that very handler; wait() only returns
 *   registered fds without a handler, each once, never more than maxEvents, never an empty mask;
 *   an edge-triggered or one-shot fd is delivered once per edge, never without one;
 * - liveness: after a loop turn, a handler whose fd is ready (level-triggered) or got an edge
 *   (edge-triggered, one-shot armed) has run; waiting until nothing new comes delivers every such fd
 *   without a handler, and so does polling until nothing new (poll() returns what the loop kept).
 *   Edges are the kernel's wake-ups as in helpers/model/epoll-model.ts.
 * Every error code of register/modify/unregister is compared with the model too. Both watchers: libuv's
 * uv_poll (Node) and the fallback thread (Bun, Deno), which gets more time for its hand-over.
 */
import test from 'ava'
import fc from 'fast-check'

import {
  close,
  Epoll,
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLONESHOT,
  EPOLLOUT,
  eventfd,
  pipe,
  read,
  readCounter,
  write,
  writeCounter,
} from '../../index.js'
import { ModelFile, ModelPipe } from '../helpers/model/epoll-model.js'

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? 300)
/** Replays a reported failure: FAST_CHECK_SEED and FAST_CHECK_PATH from its report. */
const REPLAY = process.env.FAST_CHECK_SEED === undefined ? {} : { seed: Number(process.env.FAST_CHECK_SEED), path: process.env.FAST_CHECK_PATH }

interface Registration {
  id: number
  interest: number
  handler: number | null // the id of the registration whose handler is attached, null for none
  /** One-shot: not fired since register/modify. Always true for the other kinds. */
  armed: boolean
  /** Edges (wake-ups, or register/modify of a ready fd) not matched by a delivery yet. */
  edges: number
  /** When the latest edge and the latest delivery happened (one clock for the whole world). */
  lastEdge: number
  lastDelivery: number
}

const kind = (interest: number) => (interest & EPOLLONESHOT ? 'oneshot' : interest & EPOLLET ? 'edge' : 'level')

type Watcher = 'libuv' | 'thread'

class World implements Disposable {
  readonly ep = new Epoll()
  /**
   * How long liveness checks wait for deliveries (ms): a loop turn for a handler, and each wait() of a
   * drain. The watcher thread hands batches over from another thread, so it gets more time: a turn
   * waits up to a second for it (it ends as soon as the handlers ran), since a loaded machine held a
   * hand-off for over 200 ms once.
   */
  readonly patience: number
  readonly waitPatience: number
  readonly pipes: ModelPipe[] = []
  readonly counters: ModelFile[] = []
  readonly files: ModelFile[] = []
  readonly regs = new Map<number, Registration>()
  readonly violations: string[] = []
  /** Registration ids whose handler ran since the last check, with the fds they ran for. */
  readonly handled = new Map<number, number>()
  nextId = 1
  clock = 0

  constructor(readonly watcher: Watcher) {
    this.patience = watcher === 'thread' ? 1000 : 0
    this.waitPatience = watcher === 'thread' ? 15 : 0
    for (let i = 0; i < 3; i++) {
      const [r, w] = pipe()
      const p = new ModelPipe(r, w, 'package')
      this.pipes.push(p)
      this.files.push(p.reader, p.writer)
    }
    for (let i = 0; i < 2; i++) {
      const file = new ModelFile('eventfd', eventfd())
      this.counters.push(file)
      this.files.push(file)
    }
    if (watcher === 'thread') {
      // The watcher kind is chosen when an instance starts watching: start it now, with a handler
      // on an eventfd that never becomes readable (so this instance always watches).
      const previous = process.env.EPOLL_NAPI_WATCHER
      process.env.EPOLL_NAPI_WATCHER = 'thread'
      const idle = eventfd()
      this.idle = idle
      this.ep.register(idle, EPOLLIN, () => this.violations.push('the idle eventfd was delivered'))
      if (previous === undefined) delete process.env.EPOLL_NAPI_WATCHER
      else process.env.EPOLL_NAPI_WATCHER = previous
    }
  }

  idle = -1

  ready(file: ModelFile, reg: Registration): number {
    return (file.readiness() & (reg.interest | EPOLLERR | EPOLLHUP)) >>> 0
  }

  edge(reg: Registration): void {
    reg.edges++
    reg.lastEdge = ++this.clock
  }

  /** register/modify: a fresh registration, with an edge if the fd is ready now. */
  arm(file: ModelFile, reg: Registration): void {
    reg.armed = true
    reg.edges = 0
    if (this.ready(file, reg)) this.edge(reg)
  }

  /** A wake-up of `file` with `key` (the kernel's): an edge for an armed registration that listens to it. */
  wake(file: ModelFile, key: number): void {
    const reg = this.regs.get(file.fd)
    if (reg && reg.armed && reg.interest & key && this.ready(file, reg)) this.edge(reg)
  }

  /**
   * Whether a registration must be delivered by the next turn (handler) or wait: level-triggered while
   * ready; edge-triggered and one-shot when ready and an edge came after the latest delivery.
   */
  due(file: ModelFile): boolean {
    const reg = this.regs.get(file.fd)
    if (!reg || !reg.armed || !this.ready(file, reg)) return false
    return kind(reg.interest) === 'level' || reg.lastEdge > reg.lastDelivery
  }

  /** `handlerId` `'any'`: `poll()`, which takes the kernel's events whoever handles them. */
  delivered(fd: number, events: number, via: string, handlerId: number | null | 'any'): void {
    const reg = this.regs.get(fd)
    if (!reg) return void this.violations.push(`${via} delivered fd ${fd}, which is not registered`)
    if (handlerId !== 'any' && reg.handler !== handlerId) {
      return void this.violations.push(`${via} delivered fd ${fd} (handler ${reg.handler}) to ${handlerId === null ? 'wait()' : `handler ${handlerId}`}`)
    }
    if (events === 0) this.violations.push(`${via} delivered fd ${fd} with no events`)
    // Edge-triggered and one-shot: at most one delivery per edge (merged edges make fewer), a one-shot
    // fd at most once per register/modify.
    if (kind(reg.interest) !== 'level') {
      if (!reg.armed) this.violations.push(`${via} delivered one-shot fd ${fd} again before modify re-armed it`)
      else if (reg.edges === 0) this.violations.push(`${via} delivered ${kind(reg.interest)} fd ${fd} without a new edge`)
      reg.edges = Math.max(0, reg.edges - 1)
    }
    if (kind(reg.interest) === 'oneshot') reg.armed = false
    reg.lastDelivery = ++this.clock
  }

  handlerFor(id: number) {
    return (events: number, fd: number) => {
      stats.handlerCalls++
      this.delivered(fd, events, 'a handler', id)
      this.handled.set(id, fd)
    }
  }

  [Symbol.dispose](): void {
    this.ep.close()
    for (const file of this.files) close(file.fd)
    if (this.idle >= 0) close(this.idle)
  }
}

type Cmd = fc.AsyncCommand<World, World, true>

const stats = { commands: 0, handlerCalls: 0, waitEvents: 0 }

abstract class Step implements Cmd {
  async check(): Promise<boolean> {
    return true
  }
  async run(_: World, world: World): Promise<void> {
    stats.commands++
    await this.apply(world)
    if (world.violations.length > 0) throw new Error(world.violations.join('\n'))
  }
  abstract apply(world: World): Promise<void> | void
  abstract toString(): string
}

const MASKS = [EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLOUT]
const MODES = [0, EPOLLET, EPOLLONESHOT, EPOLLET | EPOLLONESHOT, EPOLLEXCLUSIVE, EPOLLEXCLUSIVE | EPOLLET]
const exclusive = (mask: number) => (mask & EPOLLEXCLUSIVE) !== 0

function expectCode(world: World, what: string, fn: () => unknown, expected: string | undefined): void {
  let code: string | undefined
  try {
    fn()
  } catch (error) {
    code = (error as { code?: string }).code ?? String(error)
  }
  if (code !== expected) world.violations.push(`${what}: ${code ?? 'ok'}, expected ${expected ?? 'ok'}`)
}

class Register extends Step {
  constructor(
    readonly fileIndex: number,
    readonly mask: number,
    readonly withHandler: boolean,
  ) {
    super()
  }
  apply(world: World): void {
    const file = world.files[this.fileIndex % world.files.length]
    const id = world.nextId++
    const handler = this.withHandler ? world.handlerFor(id) : undefined
    const exists = world.regs.has(file.fd)
    expectCode(world, this.toString(), () => world.ep.register(file.fd, this.mask, handler), exists ? 'EEXIST' : undefined)
    if (exists) return
    const reg: Registration = { id, interest: this.mask, handler: this.withHandler ? id : null, armed: true, edges: 0, lastEdge: 0, lastDelivery: 0 }
    world.regs.set(file.fd, reg)
    world.arm(file, reg)
  }
  toString(): string {
    return `register(file#${this.fileIndex}, ${this.mask >>> 0}, ${this.withHandler ? 'handler' : 'no handler'})`
  }
}

class Modify extends Step {
  constructor(
    readonly fileIndex: number,
    readonly mask: number,
    readonly newHandler: boolean,
  ) {
    super()
  }
  apply(world: World): void {
    const file = world.files[this.fileIndex % world.files.length]
    const id = world.nextId++
    const reg = world.regs.get(file.fd)
    // The kernel modifies no exclusive registration, and takes EPOLLEXCLUSIVE with add only: EINVAL,
    // and the registration (with its handler) stays as it was.
    const refused = exclusive(this.mask) ? 'EINVAL' : !reg ? 'ENOENT' : exclusive(reg.interest) ? 'EINVAL' : undefined
    expectCode(world, this.toString(), () => world.ep.modify(file.fd, this.mask, this.newHandler ? world.handlerFor(id) : undefined), refused)
    if (!reg || refused) return
    reg.interest = this.mask
    if (this.newHandler) reg.handler = id
    world.arm(file, reg)
  }
  toString(): string {
    return `modify(file#${this.fileIndex}, ${this.mask >>> 0}, ${this.newHandler ? 'new handler' : 'same handler'})`
  }
}

class Unregister extends Step {
  constructor(readonly fileIndex: number) {
    super()
  }
  async apply(world: World): Promise<void> {
    const file = world.files[this.fileIndex % world.files.length]
    const reg = world.regs.get(file.fd)
    world.regs.delete(file.fd)
    expectCode(world, this.toString(), () => world.ep.unregister(file.fd), reg ? undefined : 'ENOENT')
  }
  toString(): string {
    return `unregister(file#${this.fileIndex})`
  }
}

class PipeIo extends Step {
  constructor(
    readonly pipeIndex: number,
    /** Bytes to write; 0 drains the pipe instead. */
    readonly bytes: number,
  ) {
    super()
  }
  apply(world: World): void {
    const p = world.pipes[this.pipeIndex % world.pipes.length]
    if (this.bytes > 0) {
      if (p.buffered + this.bytes > 60_000) return
      write(p.writer.fd, Buffer.alloc(this.bytes, 0x61))
      p.buffered += this.bytes
      world.wake(p.reader, EPOLLIN)
    } else {
      const chunk = Buffer.alloc(65536)
      while (read(p.reader.fd, chunk) > 0);
      p.buffered = 0
    }
  }
  toString(): string {
    return this.bytes > 0 ? `write(pipe#${this.pipeIndex}, ${this.bytes})` : `drain(pipe#${this.pipeIndex})`
  }
}

class Counter extends Step {
  constructor(
    readonly index: number,
    readonly add: boolean,
  ) {
    super()
  }
  apply(world: World): void {
    const file = world.counters[this.index % world.counters.length]
    if (this.add) {
      writeCounter(file.fd, 1)
      file.count += 1
      world.wake(file, EPOLLIN)
    } else if (readCounter(file.fd) > 0) {
      file.count = 0
      world.wake(file, EPOLLOUT)
    }
  }
  toString(): string {
    return `${this.add ? 'writeCounter' : 'readCounter'}(eventfd#${this.index})`
  }
}

class Wait extends Step {
  constructor(readonly maxEvents: number | undefined) {
    super()
  }
  async apply(world: World): Promise<void> {
    const batch = await world.ep.wait({ timeout: 0, maxEvents: this.maxEvents })
    checkBatch(world, batch, this.maxEvents)
  }
  toString(): string {
    return `wait({ timeout: 0, maxEvents: ${this.maxEvents} })`
  }
}

function checkBatch(world: World, batch: [number, number][], maxEvents?: number, via: 'wait()' | 'poll()' = 'wait()'): void {
  if (maxEvents !== undefined && batch.length > maxEvents) world.violations.push(`${via} returned ${batch.length} events, maxEvents ${maxEvents}`)
  if (new Set(batch.map(([fd]) => fd)).size !== batch.length) world.violations.push(`${via} returned an fd twice: ${JSON.stringify(batch)}`)
  stats.waitEvents += batch.length
  for (const [fd, events] of batch) world.delivered(fd, events, via, via === 'poll()' ? 'any' : null)
}

/** A blocking poll on the same instance (timeout 0): the kernel's events and those the loop kept. */
class Poll extends Step {
  constructor(readonly maxEvents: number | undefined) {
    super()
  }
  apply(world: World): void {
    checkBatch(world, world.ep.poll(0, this.maxEvents), this.maxEvents, 'poll()')
  }
  toString(): string {
    return `poll(0, ${this.maxEvents})`
  }
}

/** Lets the loop turn, then: every due fd with a handler had its handler run. */
class Turn extends Step {
  async apply(world: World): Promise<void> {
    const due = world.files.filter((f) => world.due(f) && world.regs.get(f.fd)!.handler !== null)
    const expected = due.map((f) => [f.fd, world.regs.get(f.fd)!.handler!] as const)
    world.handled.clear()
    const until = Date.now() + world.patience
    const ran = () => expected.every(([fd, id]) => world.handled.get(id) === fd || world.regs.get(fd)?.handler !== id)
    for (let i = 0; i < 3 || (!ran() && Date.now() < until); i++) await new Promise((resolve) => setImmediate(resolve))
    for (const [fd, id] of expected) {
      if (world.handled.get(id) !== fd && world.regs.get(fd)?.handler === id) {
        world.violations.push(`fd ${fd} was due (${kind(world.regs.get(fd)!.interest)}) but its handler ${id} did not run`)
      }
    }
  }
  toString(): string {
    return 'turn of the event loop'
  }
}

/**
 * Takes batches until one brings nothing new: every due fd without a handler was delivered. `wait()`
 * batches come from the loop; `poll()` batches (after a loop turn, so that events sit in the loop's
 * keep rather than the kernel) return what the loop kept for fds without a handler too.
 */
class Drain extends Step {
  constructor(readonly via: 'wait()' | 'poll()') {
    super()
  }
  async apply(world: World): Promise<void> {
    if (this.via === 'poll()') for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
    const due = world.files.filter((f) => world.due(f) && world.regs.get(f.fd)!.handler === null).map((f) => f.fd)
    const seen = new Set<number>()
    for (let i = 0; i < 8; i++) {
      const batch = this.via === 'wait()' ? await world.ep.wait({ timeout: world.waitPatience }) : world.ep.poll(world.waitPatience)
      checkBatch(world, batch, undefined, this.via)
      const fresh = batch.filter(([fd]) => !seen.has(fd))
      for (const [fd] of batch) seen.add(fd)
      if (fresh.length === 0) break
    }
    for (const fd of due) {
      if (!seen.has(fd) && world.regs.get(fd)?.handler === null) world.violations.push(`fd ${fd} was due (${kind(world.regs.get(fd)!.interest)}) but no ${this.via} returned it`)
    }
  }
  toString(): string {
    return `${this.via.slice(0, -2)} until nothing new`
  }
}

const fileIndex = fc.nat(7)
const mask = fc.tuple(fc.constantFrom(...MASKS), fc.constantFrom(...MODES)).map(([m, mode]) => (m | mode) >>> 0)
const commands: fc.Arbitrary<Cmd>[] = [
  fc.tuple(fileIndex, mask, fc.boolean()).map(([f, m, h]) => new Register(f, m, h)),
  fc.tuple(fileIndex, mask, fc.boolean()).map(([f, m, h]) => new Register(f, m, h)),
  fc.tuple(fileIndex, mask, fc.boolean()).map(([f, m, h]) => new Modify(f, m, h)),
  fileIndex.map((f) => new Unregister(f)),
  fc.tuple(fc.nat(2), fc.integer({ min: 0, max: 2000 })).map(([p, n]) => new PipeIo(p, n)),
  fc.tuple(fc.nat(2), fc.integer({ min: 1, max: 50 })).map(([p, n]) => new PipeIo(p, n)),
  fc.tuple(fc.nat(1), fc.boolean()).map(([i, add]) => new Counter(i, add)),
  fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }).map((m) => new Wait(m)),
  fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }).map((m) => new Poll(m)),
  fc.constant(new Turn()),
  fc.constant(new Drain('wait()')),
  fc.constant(new Drain('poll()')),
]

for (const watcher of ['libuv', 'thread'] as const) {
  test.serial(`random event-loop sequences: handlers and wait() deliver exactly what is due, to the right consumer (${watcher} watcher)`, async (t) => {
    Object.assign(stats, { commands: 0, handlerCalls: 0, waitEvents: 0 })
    const details = await fc.check(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'max' }), async (cmds) => {
        using world = new World(watcher)
        await fc.asyncModelRun(() => ({ model: world, real: world }), cmds)
        // Finally everything due is delivered somewhere.
        await new Turn().run(world, world)
        await new Drain('wait()').run(world, world)
      }),
      { numRuns: watcher === 'thread' ? Math.ceil(RUNS / 10) : RUNS, ...REPLAY },
    )
    t.false(details.failed, `${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}`)
    t.log(`${details.numRuns} runs, ${stats.commands} commands, ${stats.handlerCalls} handler calls, ${stats.waitEvents} events from wait()`)
  })
}
