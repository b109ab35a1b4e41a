/**
 * Property tests of `readable()`/`writable()` mixed with the caller's register/unregister (with
 * handlers), pipe writes and drains, aborts, and closing a pipe without unregistering and opening
 * another that gets the same numbers: the model of helpers/model/readiness-world.ts says what must
 * happen (issue 23: nothing done for an old fd may reach a new fd with the same number).
 */
import test from 'ava'
import fc from 'fast-check'

import { EPOLLIN } from '../../index.js'
import { type Direction, drain, ended, fill, ReadinessWorld, stats, type Waiter } from '../helpers/model/readiness-world.js'

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? 100)
const REPLAY = process.env.FAST_CHECK_SEED === undefined ? {} : { seed: Number(process.env.FAST_CHECK_SEED), path: process.env.FAST_CHECK_PATH }

type World = ReadinessWorld
type Cmd = fc.AsyncCommand<World, World, true>

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

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (error) {
    return (error as { code?: string }).code ?? String(error)
  }
}

/** Pending promises on `fd` made for another pipe than the current one: their registration may end now. */
function markOlder(world: World, fd: number, gen: number): void {
  for (const w of world.waiters) if (w.outcome === null && w.fd === fd && w.gen !== gen) ended.add(w.id)
}

class Wait extends Step {
  constructor(
    readonly slot: number,
    readonly direction: Direction,
    readonly timeout: number | undefined,
    readonly abortable: boolean,
  ) {
    super()
  }
  apply(world: World): void {
    const slot = world.slotOf(this.slot)
    const fd = this.direction === 'readable' ? slot.r : slot.w
    const reg = world.caller.get(fd)
    // The caller registered this very pipe's read end: the kernel says EEXIST.
    const refused = reg !== undefined && reg.gen === slot.gen ? 'EEXIST' : undefined
    markOlder(world, fd, slot.gen)
    const abort = this.abortable ? new AbortController() : null
    const waiter: Waiter = {
      id: world.nextId(),
      slot: this.slot % world.slots.length,
      gen: slot.gen,
      fd,
      direction: this.direction,
      timeout: this.timeout,
      started: performance.now(),
      abort,
      outcome: null,
      genAtSettle: 0,
    }
    const options = { timeout: this.timeout, signal: abort?.signal }
    world.track(waiter, this.direction === 'readable' ? world.ep.readable(fd, options) : world.ep.writable(fd, options))
    expectedRefusals.set(waiter.id, refused)
  }
  toString(): string {
    return `${this.direction}(slot ${this.slot}, { timeout: ${this.timeout}${this.abortable ? ', signal' : ''} })`
  }
}

const expectedRefusals = new Map<number, string | undefined>()

class Register extends Step {
  constructor(readonly slot: number) {
    super()
  }
  apply(world: World): void {
    const slot = world.slotOf(this.slot)
    const current = world.caller.get(slot.r)
    const busy = (current !== undefined && current.gen === slot.gen) || world.pendingOn(slot.r, slot.gen).length > 0
    const reg = { id: world.nextId(), gen: slot.gen }
    const code = codeOf(() => world.ep.register(slot.r, EPOLLIN, world.handlerFor(reg, slot.r)))
    if (code !== (busy ? 'EEXIST' : undefined)) world.violations.push(`${this}: ${code ?? 'ok'}, expected ${busy ? 'EEXIST' : 'ok'}`)
    if (code !== undefined) return
    markOlder(world, slot.r, slot.gen)
    world.caller.set(slot.r, reg)
  }
  toString(): string {
    return `register(slot ${this.slot} read end, EPOLLIN, handler)`
  }
}

class Unregister extends Step {
  constructor(readonly slot: number) {
    super()
  }
  apply(world: World): void {
    const slot = world.slotOf(this.slot)
    const current = world.caller.get(slot.r)
    const live = (current !== undefined && current.gen === slot.gen) || world.pendingOn(slot.r, slot.gen).length > 0
    for (const w of world.waiters) if (w.outcome === null && w.fd === slot.r) ended.add(w.id)
    const code = codeOf(() => world.ep.unregister(slot.r))
    if (code !== (live ? undefined : 'ENOENT')) world.violations.push(`${this}: ${code ?? 'ok'}, expected ${live ? 'ok' : 'ENOENT'}`)
    world.caller.delete(slot.r)
  }
  toString(): string {
    return `unregister(slot ${this.slot} read end)`
  }
}

class Write extends Step {
  constructor(
    readonly slot: number,
    readonly bytes: number,
  ) {
    super()
  }
  apply(world: World): void {
    const slot = world.slotOf(this.slot)
    if (this.bytes === 0) drain(slot)
    else if (slot.buffered < 60_000) fill(slot, this.bytes)
  }
  toString(): string {
    return this.bytes === 0 ? `drain(slot ${this.slot})` : `write(slot ${this.slot}, ${this.bytes})`
  }
}

class Reopen extends Step {
  constructor(readonly slot: number) {
    super()
  }
  apply(world: World): void {
    world.reopen(this.slot)
  }
  toString(): string {
    return `close slot ${this.slot} without unregister, open a pipe that gets its numbers`
  }
}

class Abort extends Step {
  constructor(readonly pick: number) {
    super()
  }
  apply(world: World): void {
    const pending = world.waiters.filter((w) => w.outcome === null && w.abort !== null)
    if (pending.length > 0) pending[this.pick % pending.length].abort!.abort()
  }
  toString(): string {
    return `abort a pending promise (#${this.pick})`
  }
}

/** Lets the loop turn until what is due happened (bounded), then checks liveness. */
class Turn extends Step {
  async apply(world: World): Promise<void> {
    const due = () =>
      world.waiters.filter((w) => {
        if (w.outcome !== null) return false
        if (expectedRefusals.get(w.id) !== undefined) return true
        const slot = world.slots[w.slot]
        if (slot.gen !== w.gen) return false
        return w.direction === 'writable' || slot.buffered > 0
      })
    const handlers = () =>
      world.slots.filter((s) => {
        const reg = world.caller.get(s.r)
        return reg !== undefined && reg.gen === s.gen && s.buffered > 0 && !world.handled.has(reg.id)
      })
    world.handled.clear()
    const until = performance.now() + 1000
    for (let i = 0; i < 3 || ((due().length > 0 || handlers().length > 0) && performance.now() < until); i++) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    for (const w of due()) world.violations.push(`promise ${w.id} (${w.direction} of pipe ${w.gen}, fd ${w.fd}) is ready but still pending`)
    for (const s of handlers()) world.violations.push(`the handler of pipe ${s.gen} (fd ${s.r}) holds data but did not run`)
    for (const w of world.waiters) {
      if (w.outcome === null || !expectedRefusals.has(w.id)) continue
      const refused = expectedRefusals.get(w.id)
      expectedRefusals.delete(w.id)
      const code = 'code' in w.outcome ? w.outcome.code : undefined
      // Aborts reject with an AbortError; nothing else may reject a promise that was not refused.
      if (refused === undefined ? code !== undefined && code !== 'ABORT_ERR' : code !== refused) {
        world.violations.push(`promise ${w.id}: ${JSON.stringify(w.outcome)}, expected ${refused ?? 'events or 0'}`)
      }
    }
    // The caller's registrations of the current pipes are still there, whatever happened to older ones.
    for (const s of world.slots) {
      const reg = world.caller.get(s.r)
      if (reg !== undefined && reg.gen === s.gen && !world.ep.has(s.r)) world.violations.push(`the caller's registration ${reg.id} of fd ${s.r} was removed`)
    }
  }
  toString(): string {
    return 'turn of the event loop'
  }
}

const slot = fc.nat(2)
const commands: fc.Arbitrary<Cmd>[] = [
  fc
    .tuple(slot, fc.constantFrom<Direction>('readable', 'readable', 'writable'), fc.constantFrom(undefined, 0, 1, 15), fc.boolean())
    .map(([s, d, t, a]) => new Wait(s, d, t, a)),
  fc.tuple(slot, fc.constantFrom<Direction>('readable'), fc.constant(undefined), fc.constant(true)).map(([s, d, t, a]) => new Wait(s, d, t, a)),
  slot.map((s) => new Register(s)),
  slot.map((s) => new Unregister(s)),
  fc.tuple(slot, fc.constantFrom(0, 1, 100)).map(([s, n]) => new Write(s, n)),
  slot.map((s) => new Reopen(s)),
  fc.nat(5).map((n) => new Abort(n)),
  fc.constant(new Turn()),
]

for (const watcher of ['libuv', 'thread'] as const) {
  test.serial(`random readable()/writable() sequences with register, unregister, close and reuse of numbers keep every promise and handler to its own fd (${watcher} watcher)`, async (t) => {
    Object.assign(stats, { commands: 0, waiters: 0, reused: 0, handlerCalls: 0, resolvedReady: 0 })
    const details = await fc.check(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 30, size: 'max' }), async (cmds) => {
        ended.clear()
        expectedRefusals.clear()
        const world = new ReadinessWorld(3, watcher)
        try {
          await fc.asyncModelRun(() => ({ model: world, real: world }), cmds)
          await new Turn().run(world, world)
        } finally {
          // Closing settles every promise still pending (old pipes' ones without a timeout included).
          world[Symbol.dispose]()
          await new Promise((resolve) => setImmediate(resolve))
        }
        const open = world.waiters.filter((w) => w.outcome === null)
        if (open.length > 0) throw new Error(`promises ${open.map((w) => w.id).join(', ')} never settled`)
      }),
      { numRuns: watcher === 'thread' ? Math.ceil(RUNS / 5) : RUNS, ...REPLAY },
    )
    t.false(details.failed, `${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}`)
    t.true(stats.reused > 0, 'some runs reused a closed pipe’s numbers')
    t.log(`${details.numRuns} runs, ${stats.commands} commands, ${stats.waiters} promises (${stats.resolvedReady} resolved ready), ${stats.handlerCalls} handler calls, ${stats.reused} reused numbers`)
  })
}
