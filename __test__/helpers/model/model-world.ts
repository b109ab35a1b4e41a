/**
 * The real package and the reference model side by side: every command does the operation on both and
 * throws (with the command sequence in fast-check's report) at the first difference.
 */
import assert from 'node:assert/strict'
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import fc from 'fast-check'

import * as epoll from '../../../index.js'
import { Epoll, EPOLLIN, EPOLLOUT, EPOLLRDNORM } from '../../../index.js'
import { ModelEpoll, ModelFile, ModelPipe, PIPE_LIMIT, type Origin, type Outcome } from './epoll-model.js'
import { FifoPool } from './fifo-pool.js'

/** An fd number that is never open in these tests (below the 20,000 fd limit, far above what they use). */
export const NEVER_OPEN_FD = 19_999
const REGULAR_FILE = join(tmpdir(), `epoll-napi-model-regular-${process.pid}`)

/** Which fd a call names: the index-th open pipe end or eventfd, or the index-th number of the universe. */
export interface FdPick {
  among: 'watchable' | 'universe'
  index: number
}

interface Slot {
  model: ModelEpoll
  real: Epoll
}

export class World implements Disposable {
  readonly pool: FifoPool
  /** Open fds of pipes, eventfds and regular files (not epoll fds) -> their model file. */
  readonly files = new Map<number, ModelFile>()
  readonly pipes = new Set<ModelPipe>()
  /** Files made by the package, closed with its `close()`; the others with `fs.closeSync`. */
  readonly madeByPackage = new Set<ModelFile>()
  readonly paths = new Map<ModelPipe, string>()
  /** fd numbers closed during the run, most recent last: calls on them test stale and reused numbers. */
  readonly closedNumbers: number[] = []
  readonly slots: Slot[] = []

  constructor(slots = 2, pipes = 6) {
    this.pool = new FifoPool(pipes)
    for (let i = 0; i < slots; i++) this.slots.push(World.newSlot())
  }

  static newSlot(): Slot {
    const real = new Epoll()
    return { real, model: new ModelEpoll(real.fd) }
  }

  /** fd numbers a call may name from `slot`: open files, closed numbers, its own fd, one never opened. */
  universe(slot: Slot): number[] {
    const numbers = new Set<number>([...this.files.keys(), ...this.closedNumbers.slice(-6), NEVER_OPEN_FD])
    if (!slot.model.closed) numbers.add(slot.model.fd)
    // Another instance's fd would nest epolls, which the model does not cover.
    for (const other of this.slots) if (other !== slot && !other.model.closed) numbers.delete(other.model.fd)
    return [...numbers].sort((a, b) => a - b)
  }

  /** An fd number for a call from `slot`: an open pipe end or eventfd, or any number of the universe. */
  pickFd(slot: Slot, target: FdPick): number {
    const watchable = [...this.files].filter(([, f]) => f.kind !== 'regular').map(([fd]) => fd).sort((a, b) => a - b)
    return this.pick(target.among === 'watchable' ? watchable : [], target.index) ?? this.pick(this.universe(slot), target.index)!
  }

  pick<T>(list: T[], index: number): T | undefined {
    return list.length === 0 ? undefined : list[index % list.length]
  }

  /** A FIFO opened with Node's `fs`, or an anonymous pipe from the package's `pipe()`. */
  openPipe(origin: Origin = 'node'): void {
    let pipe: ModelPipe
    if (origin === 'node') {
      const opened = this.pool.open()
      if (!opened) return
      pipe = new ModelPipe(opened.readFd, opened.writeFd, origin)
      this.paths.set(pipe, opened.path)
    } else {
      if (this.pipes.size >= 8) return
      const [readFd, writeFd] = epoll.pipe()
      pipe = new ModelPipe(readFd, writeFd, origin)
      this.madeByPackage.add(pipe.reader).add(pipe.writer)
    }
    this.pipes.add(pipe)
    this.files.set(pipe.reader.fd, pipe.reader)
    this.files.set(pipe.writer.fd, pipe.writer)
  }

  openEventfd(initial: number, semaphore: boolean): void {
    const fd = epoll.eventfd(initial, { semaphore })
    const file = new ModelFile('eventfd', fd)
    file.count = initial
    file.semaphore = semaphore
    this.files.set(fd, file)
    this.madeByPackage.add(file)
  }

  eventfds(): ModelFile[] {
    return [...this.files.values()].filter((f) => f.kind === 'eventfd').sort((a, b) => a.fd - b.fd)
  }

  openRegular(): void {
    const fd = openSync(REGULAR_FILE, constants.O_RDWR | constants.O_CREAT, 0o600)
    this.files.set(fd, new ModelFile('regular', fd))
  }

  close(fd: number): void {
    const file = this.files.get(fd)
    if (!file) return
    if (this.madeByPackage.delete(file)) epoll.close(fd)
    else closeSync(fd)
    file.open = false
    this.files.delete(fd)
    this.closedNumbers.push(fd)
    for (const slot of this.slots) slot.model.release(file)
    const pipe = file.pipe
    if (pipe) {
      // pipe_release wakes the other end's waiters (no key: every item) when one side goes away.
      const other = file === pipe.reader ? pipe.writer : pipe.reader
      if (other.open) for (const slot of this.slots) slot.model.wake(other, 0)
      else {
        this.pipes.delete(pipe)
        if (pipe.origin === 'node') this.pool.release(this.paths.get(pipe)!)
      }
    }
  }

  [Symbol.dispose](): void {
    for (const fd of [...this.files.keys()]) this.close(fd)
    for (const slot of this.slots) slot.real.close()
    this.pool[Symbol.dispose]()
  }

  /** After every command: `closed`, `fd`, `size` and `has()` of every instance agree with the model. */
  checkInvariants(): void {
    for (const [i, slot] of this.slots.entries()) {
      const { model, real } = slot
      assert.equal(real.closed, model.closed, `slot ${i} closed`)
      if (model.closed) {
        assert.equal(real.fd, -1, `slot ${i} fd after close`)
        assert.throws(() => real.size, { code: 'ERR_EPOLL_CLOSED' })
        continue
      }
      assert.equal(real.fd, model.fd, `slot ${i} fd`)
      assert.equal(real.size, model.bookkeeping.size, `slot ${i} size`)
      for (const fd of new Set([...this.universe(slot), ...model.bookkeeping.keys()])) {
        assert.equal(real.has(fd), model.bookkeeping.has(fd), `slot ${i} has(${fd})`)
      }
    }
  }
}

/** Runs `fn` and returns `undefined` or the thrown error's `code`; a thrown value without one fails. */
export function outcomeOf(fn: () => unknown): Outcome {
  try {
    fn()
    return undefined
  } catch (error) {
    const code = (error as { code?: unknown }).code
    assert.ok(error instanceof Error, `threw a non-Error: ${String(error)}`)
    assert.equal(typeof code, 'string', `error without a code: ${error.message}`)
    if (!(code as string).startsWith('ERR_')) {
      const { errno, syscall } = error as Error & { errno?: number; syscall?: string }
      assert.equal(syscall, 'epoll_ctl', error.message)
      assert.ok(typeof errno === 'number' && errno < 0, error.message)
    }
    return code as string
  }
}

type WorldCommand = fc.Command<World, World>

/** A command does its operation on the package and the model, then checks the instances' state. */
abstract class Step implements WorldCommand {
  check(): boolean {
    return true
  }
  run(_: World, world: World): void {
    this.apply(world)
    world.checkInvariants()
  }
  abstract apply(world: World): void
  abstract toString(): string
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`

class CtlCommand extends Step {
  constructor(
    readonly op: 'add' | 'mod' | 'del',
    readonly slotIndex: number,
    readonly target: FdPick,
    readonly events: number,
    /** `register()` with the events argument omitted (the default mask). */
    readonly defaultEvents = false,
  ) {
    super()
  }
  apply(world: World): void {
    const slot = world.slots[this.slotIndex % world.slots.length]
    const fd = world.pickFd(slot, this.target)
    const file = fd === slot.model.fd && !slot.model.closed ? slot.model.self : world.files.get(fd)
    const events = this.defaultEvents ? 0x7 : this.events
    const expected = slot.model.ctl(this.op, fd, file, events)
    const actual = outcomeOf(() => {
      if (this.op === 'add') this.defaultEvents ? slot.real.register(fd) : slot.real.register(fd, events)
      else if (this.op === 'mod') slot.real.modify(fd, events)
      else slot.real.unregister(fd)
    })
    assert.equal(actual, expected, `${this.op} fd ${fd} (${file?.kind ?? 'not open'}) events ${hex(events)}`)
  }
  toString(): string {
    const events = this.defaultEvents ? 'default' : hex(this.events)
    return `${this.op}(slot ${this.slotIndex}, ${this.target.among}#${this.target.index}${this.op === 'del' ? '' : `, ${events}`})`
  }
}

class PollCommand extends Step {
  constructor(
    readonly slotIndex: number,
    readonly maxEvents: number | undefined,
    /** `pollInto` with a buffer of this many u32s (odd lengths included), instead of `poll`. */
    readonly intoLength: number | undefined,
  ) {
    super()
  }
  apply(world: World): void {
    const { model, real } = world.slots[this.slotIndex % world.slots.length]
    let reported: [number, number][] = []
    const outcome = outcomeOf(() => {
      if (this.intoLength === undefined) reported = real.poll(0, this.maxEvents)
      else {
        const out = new Uint32Array(this.intoLength)
        const n = real.pollInto(out, 0)
        for (let i = 0; i < n; i++) reported.push([out[2 * i], out[2 * i + 1]])
      }
    })
    if (model.closed) return assert.equal(outcome, 'ERR_EPOLL_CLOSED')
    assert.equal(outcome, undefined)
    const max =
      this.intoLength !== undefined ? Math.floor(this.intoLength / 2) : (this.maxEvents ?? Math.max(model.bookkeeping.size, 1))
    const candidates = model.candidates()
    const expectedCount = Math.min(max, candidates.size)
    const show = () => `got ${JSON.stringify(reported.map(([f, e]) => [f, hex(e)]))}, ready ${JSON.stringify([...candidates].map(([f, c]) => [f, hex(c.events)]))}`
    assert.equal(reported.length, expectedCount, `number of events: ${show()}`)
    const seen = new Set<number>()
    for (const [fd, events] of reported) {
      assert.ok(!seen.has(fd), `fd ${fd} reported twice: ${show()}`)
      seen.add(fd)
      const candidate = candidates.get(fd)
      assert.ok(candidate, `fd ${fd} reported but not ready: ${show()}`)
      assert.equal(hex(events), hex(candidate.events), `events of fd ${fd}: ${show()}`)
    }
    model.harvest([...seen], candidates.size > max)
  }
  toString(): string {
    return this.intoLength === undefined
      ? `poll(slot ${this.slotIndex}, maxEvents ${this.maxEvents})`
      : `pollInto(slot ${this.slotIndex}, Uint32Array(${this.intoLength}))`
  }
}

class WriteCommand extends Step {
  constructor(
    readonly pipeIndex: number,
    readonly bytes: number,
  ) {
    super()
  }
  apply(world: World): void {
    const pipes = [...world.pipes].filter((p) => p.writer.open)
    const pipe = world.pick(pipes, this.pipeIndex)
    if (!pipe) return
    const n = Math.min(this.bytes, PIPE_LIMIT - pipe.buffered)
    if (n === 0) return
    const data = Buffer.alloc(n, 0x61)
    const outcome = outcomeOfIo(() => (pipe.origin === 'node' ? writeSync(pipe.writer.fd, data) : epoll.write(pipe.writer.fd, data)))
    if (!pipe.reader.open) return assert.equal(outcome, 'EPIPE')
    assert.equal(outcome, n)
    pipe.buffered += n
    // pipe_write wakes the readers' queue every time once epoll polled the pipe ("poll_usage").
    for (const slot of world.slots) slot.model.wake(pipe.reader, EPOLLIN | EPOLLRDNORM)
  }
  toString(): string {
    return `write(pipe#${this.pipeIndex}, ${this.bytes})`
  }
}

class ReadCommand extends Step {
  constructor(
    readonly pipeIndex: number,
    readonly bytes: number,
  ) {
    super()
  }
  apply(world: World): void {
    const pipes = [...world.pipes].filter((p) => p.reader.open)
    const pipe = world.pick(pipes, this.pipeIndex)
    if (!pipe) return
    const into = Buffer.alloc(this.bytes)
    const outcome = outcomeOfIo(() => (pipe.origin === 'node' ? readSync(pipe.reader.fd, into) : epoll.read(pipe.reader.fd, into)))
    if (pipe.buffered > 0) {
      const n = Math.min(this.bytes, pipe.buffered)
      assert.equal(outcome, n)
      pipe.buffered -= n
    } else assert.equal(outcome, pipe.writer.open ? 'EAGAIN' : 0)
  }
  toString(): string {
    return `read(pipe#${this.pipeIndex}, ${this.bytes})`
  }
}

/** Bytes moved, or the error code; the package's WOULD_BLOCK counts as Node's EAGAIN. */
function outcomeOfIo(fn: () => number): number | string {
  try {
    const n = fn()
    return n === epoll.WOULD_BLOCK ? 'EAGAIN' : n
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error)
  }
}

class OpenPipeCommand extends Step {
  constructor(readonly origin: Origin) {
    super()
  }
  apply(world: World): void {
    world.openPipe(this.origin)
  }
  toString(): string {
    return this.origin === 'node' ? 'openFifo()' : 'pipe()'
  }
}

class OpenEventfdCommand extends Step {
  constructor(
    readonly initial: number,
    readonly semaphore: boolean,
  ) {
    super()
  }
  apply(world: World): void {
    if (world.eventfds().length < 4) world.openEventfd(this.initial, this.semaphore)
  }
  toString(): string {
    return `eventfd(${this.initial}, { semaphore: ${this.semaphore} })`
  }
}

class CounterCommand extends Step {
  constructor(
    readonly index: number,
    /** Adds this to the counter; 0 reads it instead. */
    readonly add: number,
  ) {
    super()
  }
  apply(world: World): void {
    const file = world.pick(world.eventfds(), this.index)
    if (!file) return
    if (this.add > 0) {
      assert.equal(epoll.writeCounter(file.fd, this.add), 8)
      file.count += this.add
      // eventfd_write wakes its queue with EPOLLIN.
      for (const slot of world.slots) slot.model.wake(file, EPOLLIN)
      return
    }
    const taken = file.count === 0 ? epoll.WOULD_BLOCK : file.semaphore ? 1 : file.count
    assert.equal(epoll.readCounter(file.fd), taken, `readCounter(${file.fd})`)
    if (taken === epoll.WOULD_BLOCK) return
    file.count -= taken
    // eventfd_read wakes its queue with EPOLLOUT.
    for (const slot of world.slots) slot.model.wake(file, EPOLLOUT)
  }
  toString(): string {
    return this.add > 0 ? `writeCounter(eventfd#${this.index}, ${this.add})` : `readCounter(eventfd#${this.index})`
  }
}

class OpenRegularCommand extends Step {
  apply(world: World): void {
    world.openRegular()
  }
  toString(): string {
    return 'openRegularFile()'
  }
}

class CloseFdCommand extends Step {
  constructor(readonly fdIndex: number) {
    super()
  }
  apply(world: World): void {
    const fd = world.pick([...world.files.keys()].sort((a, b) => a - b), this.fdIndex)
    if (fd !== undefined) world.close(fd)
  }
  toString(): string {
    return `closeFd(open#${this.fdIndex}) without unregister`
  }
}

class CloseEpollCommand extends Step {
  constructor(
    readonly slotIndex: number,
    readonly reopen: boolean,
  ) {
    super()
  }
  apply(world: World): void {
    const i = this.slotIndex % world.slots.length
    const slot = world.slots[i]
    slot.real.close()
    slot.model.close()
    if (this.reopen) world.slots[i] = World.newSlot()
  }
  toString(): string {
    return `${this.reopen ? 'reopenEpoll' : 'closeEpoll'}(slot ${this.slotIndex})`
  }
}

/** Event masks: mostly meaningful combinations, sometimes any 32-bit value in either of its JS forms. */
export const eventsArbitrary: fc.Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.subarray([0x1, 0x2, 0x4, 0x8, 0x10, 0x40, 0x100, 0x2000, 0x40000000, 0x80000000]).map((bits) => bits.reduce((a, b) => (a | b) >>> 0, 0)) },
  { weight: 1, arbitrary: fc.subarray([0x1, 0x4, 0x80000000, 0x10000000]).map((bits) => bits.reduce((a, b) => (a | b) >>> 0, 0)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
  { weight: 1, arbitrary: fc.integer({ min: -0x80000000, max: -1 }) },
)

const slotArb = fc.nat(1)
const indexArb = fc.nat(31)
const fdPickArb: fc.Arbitrary<FdPick> = fc.record({
  among: fc.constantFrom<FdPick['among']>('watchable', 'watchable', 'watchable', 'universe'),
  index: indexArb,
})

export const commandArbitraries: fc.Arbitrary<WorldCommand>[] = [
  fc.tuple(fc.constantFrom('add' as const, 'mod' as const, 'del' as const), slotArb, fdPickArb, eventsArbitrary, fc.boolean()).map(
    ([op, s, f, e, d]) => new CtlCommand(op, s, f, e, op === 'add' && d),
  ),
  fc.tuple(slotArb, fdPickArb, eventsArbitrary).map(([s, f, e]) => new CtlCommand('add', s, f, e)),
  fc.tuple(slotArb, fdPickArb, eventsArbitrary).map(([s, f, e]) => new CtlCommand('mod', s, f, e)),
  ...Array.from({ length: 3 }, () =>
    fc.tuple(slotArb, fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), fc.option(fc.integer({ min: 2, max: 13 }), { nil: undefined, freq: 3 })).map(
      ([s, m, len]) => new PollCommand(s, m, len),
    ),
  ),
  fc.tuple(indexArb, fc.integer({ min: 1, max: 4096 })).map(([p, n]) => new WriteCommand(p, n)),
  fc.tuple(indexArb, fc.integer({ min: 1, max: 16 })).map(([p, n]) => new WriteCommand(p, n)),
  fc.tuple(indexArb, fc.integer({ min: 1, max: 8192 })).map(([p, n]) => new ReadCommand(p, n)),
  fc.constantFrom<Origin>('node', 'package').map((origin) => new OpenPipeCommand(origin)),
  fc.tuple(fc.nat(2), fc.boolean()).map(([initial, semaphore]) => new OpenEventfdCommand(initial, semaphore)),
  fc.tuple(indexArb, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 }))).map(([i, add]) => new CounterCommand(i, add)),
  fc.constant(new OpenRegularCommand()),
  indexArb.map((i) => new CloseFdCommand(i)),
  fc.tuple(slotArb, fc.constantFrom(true, true, true, false)).map(([s, r]) => new CloseEpollCommand(s, r)),
]

/** Runs one command sequence on a fresh world, checking the invariants after each command. */
export function runSequence(commands: Iterable<WorldCommand>): void {
  using world = new World()
  world.openPipe('node')
  world.openPipe('package')
  world.openEventfd(0, false)
  fc.modelRun(() => ({ model: world, real: world }), commands)
}

