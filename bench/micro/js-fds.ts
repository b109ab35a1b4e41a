/**
 * Ready (or idle) eventfds for the JavaScript micro-benchmarks, made with the package's own helpers;
 * the C and Python sides make the same kind.
 */
export type FdKind = 'eventfd'

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const pkg = require('../..')

export interface ReadyFds {
  kind: FdKind
  fds: number[]
  close(): void
}

/** `count` eventfds that are (level-triggered) readable, or idle when `ready` is false. */
export function openFds(count: number, ready = true): ReadyFds {
  const fds: number[] = []
  for (let i = 0; i < count; i++) fds.push(pkg.eventfd(ready ? 1 : 0))
  return { kind: 'eventfd', fds, close: () => fds.forEach((fd) => pkg.close(fd)) }
}

export { median } from '../lib/stats'
