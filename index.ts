/**
 * epoll-napi: Linux epoll for Node.js and TypeScript.
 *
 * ```ts
 * import { Epoll, EPOLLIN, EPOLLET } from 'epoll-napi'
 * using ep = new Epoll()
 * ep.register(fd, EPOLLIN | EPOLLET)
 * for (const [fd, events] of ep.poll(1000)) { ... }
 * ```
 */
export * from './lib/constants'
export { describeEvents } from './lib/describe'
export { AbortError } from './lib/abort'
export { DEFAULT_MAX_EVENTS, Epoll, MAX_EVENTS_PER_POLL, type EpollEvent, type EpollOptions, type EventHandler, type WaitOptions } from './lib/epoll'
export type { ErrorCode, SystemError } from './lib/errors'
export * from './lib/io'
export { supported } from './lib/native'
export type { Fd } from './lib/validate'
