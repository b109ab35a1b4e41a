/**
 * Loads the native binding once. A platform without epoll (or a missing binary) must not make the
 * import fail: `supported` is false there and constructing an `Epoll` throws the error
 * `explainLoadFailure` chose (`ERR_EPOLL_UNSUPPORTED_PLATFORM`, `ERR_EPOLL_BINARY_MISSING`,
 * `ERR_EPOLL_PERMISSION_DENIED`).
 *
 * `binding.d.ts` types every export of the binding: napi-rs generates it, and the build appends the
 * hand-made calls from the binding's one registration table (`crates/epoll-napi/src/calls.rs`).
 */
import type * as Binding from '../../binding'
import { explainLoadFailure } from './load-failure'

/** The native binding's exports. */
export type NativeBinding = typeof Binding

let binding: NativeBinding | null = null
let loadError: unknown = null

if (process.platform === 'linux') {
  try {
    binding = require('../../binding.js') as NativeBinding
  } catch (error) {
    loadError = error
  }
} else {
  loadError = new Error(`no epoll on ${process.platform}`)
}

/** True where epoll exists and the native binding loaded. */
export const supported: boolean = binding !== null

/** The binding, or the error explaining why there is none (worked out when a call needs it). */
export function requireNative(): NativeBinding {
  if (binding === null) throw explainLoadFailure(process.platform, loadError)
  return binding
}

/** What a hot call is where the binding did not load: importing works everywhere, calling does not. */
function unsupported(): never {
  requireNative()
  throw new Error('unreachable: requireNative() returned without a binding')
}

/**
 * A function of the binding, looked up once at load time rather than per call: a property load on
 * the binding object is measurable on a path that runs per event (bench/micro/calls-js.ts).
 */
export function hotCall<K extends keyof NativeBinding>(name: K): NativeBinding[K] {
  return binding !== null ? binding[name] : (unsupported as unknown as NativeBinding[K])
}
