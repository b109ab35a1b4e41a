/**
 * Loads the native binding once. A platform without epoll (or a missing binary) must not make the
 * import fail: `supported` is false there and constructing an `Epoll` throws
 * `ERR_EPOLL_UNSUPPORTED_PLATFORM`.
 */
import type * as Binding from '../binding'
import { unsupportedPlatform } from './errors'

/**
 * The hot calls, registered by hand in `crates/epoll-napi/src/fast.rs` (outside napi-rs's generated
 * bindings, so not in `binding.d.ts`): `epoll_wait` into `[fd, events]` pairs, and `read`/`write` that
 * return -1 instead of throwing when they would block.
 */
interface FastPaths {
  epollWaitInto(epfd: number, out: Uint32Array, timeout: number): number
  read(fd: number, buffer: ArrayBufferView, offset: number, length: number): number
  write(fd: number, buffer: ArrayBufferView, offset: number, length: number): number
  /** `accept(2)`: the connection's fd, or -1 when none is pending. */
  acceptFd(fd: number): number
}

export type NativeBinding = Omit<typeof Binding, keyof FastPaths> & FastPaths

let binding: NativeBinding | null = null
let loadError: unknown = null

if (process.platform === 'linux') {
  try {
    binding = require('../binding.js') as NativeBinding
  } catch (error) {
    loadError = error
  }
} else {
  loadError = new Error(`no epoll on ${process.platform}`)
}

/** True where epoll exists and the native binding loaded. */
export const supported: boolean = binding !== null

/** The binding, or the `ERR_EPOLL_UNSUPPORTED_PLATFORM` error explaining why there is none. */
export function requireNative(): NativeBinding {
  if (binding === null) throw unsupportedPlatform(process.platform, loadError)
  return binding
}
