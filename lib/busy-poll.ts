/**
 * Busy polling of an epoll instance (Linux >= 6.9): the options of `Epoll#setBusyPoll` and their
 * checks. With busy polling on, `epoll_wait` spins on the network queues of the sockets it watches
 * for up to `usecs` microseconds before it sleeps: lower latency for more CPU time.
 */
import { invalidArgType, outOfRange } from './errors'
import { toOptions } from './validate'

/**
 * The busy-poll parameters of an epoll instance (`struct epoll_params`), as `Epoll#setBusyPoll` takes them
 * (an omitted field is 0 / `false`) and `Epoll#getBusyPoll` returns them (every field). A fresh instance
 * reads back all zeros.
 */
export interface BusyPollOptions {
  /** Microseconds `epoll_wait` busy-polls before sleeping; `0` turns busy polling off. At most 2**31 - 1. */
  usecs?: number
  /**
   * Packets handled per busy-poll round; `0` is the kernel's default (8). Above
   * {@link BUSY_POLL_BUDGET_UNPRIVILEGED} (64) needs `CAP_NET_ADMIN`: without it the kernel refuses with
   * `EPERM` and the parameters stay as they were.
   */
  budget?: number
  /** Prefer busy polling over interrupts (`prefer_busy_poll`; works with the device's `napi_defer_hard_irqs`). */
  prefer?: boolean
}

/** The largest `budget` a process without `CAP_NET_ADMIN` may set (the kernel's `NAPI_POLL_WEIGHT`). */
export const BUSY_POLL_BUDGET_UNPRIVILEGED = 64

function toInteger(value: unknown, name: string, max: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < 0 || value > max) throw outOfRange(name, `an integer >= 0 and <= ${max}`, value)
  return value
}

/** Checks `setBusyPoll` options; an omitted field is 0 / `false`, as in a fresh instance. */
export function toBusyPoll(value: unknown): Required<BusyPollOptions> {
  if (value === undefined) throw invalidArgType('options', 'of type object', value)
  const opts = toOptions<BusyPollOptions>(value)
  const prefer = opts.prefer ?? false
  if (typeof prefer !== 'boolean') throw invalidArgType('options.prefer', 'of type boolean', prefer)
  return {
    usecs: toInteger(opts.usecs, 'options.usecs', 0x7fffffff, 0),
    budget: toInteger(opts.budget, 'options.budget', 0xffff, 0),
    prefer,
  }
}
