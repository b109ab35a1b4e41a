/**
 * Busy polling of an epoll instance (Linux >= 6.9): the options of `Epoll#setBusyPoll` and their
 * checks. With busy polling on, `epoll_wait` spins on the network queues of the sockets it watches
 * for up to `usecs` microseconds before it sleeps: lower latency for more CPU time.
 */
import { invalidArgType } from '../internal/errors'
import { validateInteger, validateOptionalBoolean, validateOptions } from '../internal/validators'

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

/** Checks `setBusyPoll` options; an omitted field is 0 / `false`, as in a fresh instance. */
export function validateBusyPoll(value: unknown): Required<BusyPollOptions> {
  if (value === undefined) throw invalidArgType('options', 'of type object', value)
  const opts = validateOptions<BusyPollOptions>(value)
  return {
    usecs: opts.usecs === undefined ? 0 : validateInteger(opts.usecs, 'options.usecs', 0, 0x7fffffff),
    budget: opts.budget === undefined ? 0 : validateInteger(opts.budget, 'options.budget', 0, 0xffff),
    prefer: validateOptionalBoolean(opts.prefer, 'options.prefer') ?? false,
  }
}
