/**
 * Errors shaped like Node's own: argument errors carry Node's `code`s and message shapes (those of
 * Node's `lib/internal/errors.js`), and the package's own conditions have `ERR_EPOLL_*` codes. Every
 * message of a given code is built here, once. System errors come from the native binding already
 * shaped (`code`, negative `errno`, `syscall`).
 */
import { constants } from 'node:os'
import { getSystemErrorMap, inspect } from 'node:util'

/** A system error as thrown by this package: what Node's `fs`/`net` throw too. */
export interface SystemError extends Error {
  /** The errno name: `'EEXIST'`, `'ENOENT'`, `'EBADF'`, `'EAGAIN'`, ... */
  code: string
  /** The errno value, negative as in Node (`-17` for `EEXIST`). */
  errno: number
  /** The system call that failed: `'epoll_ctl'`, `'epoll_wait'`, `'accept'`, `'read'`, ... */
  syscall: string
}

/** The package's own `code`s (argument, state and abort errors); system errors carry an errno name instead. */
export type ErrorCode =
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_INVALID_THIS'
  | 'ERR_SOCKET_BAD_PORT'
  | 'ERR_SOCKET_CLOSED'
  | 'ERR_UNKNOWN_SIGNAL'
  | 'ERR_EPOLL_CLOSED'
  | 'ERR_EPOLL_UNSUPPORTED_PLATFORM'
  | 'ERR_EPOLL_BINARY_MISSING'
  | 'ERR_EPOLL_PERMISSION_DENIED'
  | 'ERR_EPOLL_NOT_EPOLL'
  | 'ERR_EPOLL_FD_OWNED'
  | 'ERR_EPOLL_STALE_REGISTRATION'
  | 'ERR_EPOLL_WATCH'
  | 'ABORT_ERR'

function withCode<E extends Error>(error: E, code: string): E & { code: string } {
  Object.defineProperty(error, 'code', { value: code, enumerable: true, writable: true, configurable: true })
  return error as E & { code: string }
}

function describeReceived(value: unknown): string {
  if (value === null || value === undefined) return ` Received ${value}`
  if (typeof value === 'function') return ` Received function ${value.name || '<anonymous>'}`
  if (typeof value === 'object') {
    let name: unknown
    try {
      name = (value as object).constructor?.name
    } catch {
      // A proxy or getter that throws: the error being built must still be the coded one.
    }
    return typeof name === 'string' && name !== '' ? ` Received an instance of ${name}` : ' Received an object'
  }
  let shown = typeof value === 'symbol' ? value.toString() : String(value)
  if (typeof value === 'string') shown = `'${shown.length > 25 ? `${shown.slice(0, 25)}...` : shown}'`
  if (typeof value === 'bigint') shown += 'n'
  return ` Received type ${typeof value} (${shown})`
}

/** `TypeError [ERR_INVALID_ARG_TYPE]: The "fd" argument must be of type number. Received ...` */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  return withCode(new TypeError(`The "${name}" argument must be ${expected}.${describeReceived(actual)}`), 'ERR_INVALID_ARG_TYPE')
}

/**
 * `TypeError [ERR_INVALID_ARG_VALUE]` for a value of the right type that means nothing here, worded as
 * Node words it: `The argument 'path' must not contain null bytes. Received 'a\\x00b'` (`property`
 * instead of `argument` for a dotted name such as `options.backlog`).
 */
export function invalidArgValue(name: string, reason: string, actual: unknown): TypeError {
  let shown: string
  try {
    shown = inspect(actual)
  } catch {
    shown = `type ${typeof actual}`
  }
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`
  const kind = name.includes('.') ? 'property' : 'argument'
  return withCode(new TypeError(`The ${kind} '${name}' ${reason}. Received ${shown}`), 'ERR_INVALID_ARG_VALUE')
}

/** `RangeError [ERR_OUT_OF_RANGE]: The value of "fd" is out of range. It must be ... Received ...` */
export function outOfRange(name: string, range: string, actual: number): RangeError {
  const shown = Object.is(actual, -0) ? '-0' : String(actual)
  return withCode(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${shown}`), 'ERR_OUT_OF_RANGE')
}

/** `TypeError [ERR_INVALID_THIS]`: a method was called on an object that is not a `type`. */
export function invalidThis(type: string): TypeError {
  return withCode(new TypeError(`Value of "this" must be of type ${type}`), 'ERR_INVALID_THIS')
}

/**
 * The one wording of `ERR_EPOLL_CLOSED`, word for word the one the native binding throws (the core's
 * `Error::Closed`, `crates/epoll-core/src/error.rs`): a spec checks that they match.
 */
export const CLOSED_MESSAGE = 'The Epoll instance is closed: its fd number may already belong to something else'

/** The instance was closed; its fd number may already belong to something else (the stack names the call). */
export function closedError(): Error & { code: 'ERR_EPOLL_CLOSED' } {
  return withCode(new Error(CLOSED_MESSAGE), 'ERR_EPOLL_CLOSED') as Error & { code: 'ERR_EPOLL_CLOSED' }
}

/**
 * `RangeError [ERR_SOCKET_BAD_PORT]`, worded as Node's: `port should be > 0 and < 65536. Received
 * type number (0).` (`>=` when `allowZero`).
 */
export function socketBadPort(name: string, port: unknown, allowZero: boolean): RangeError {
  const operator = allowZero ? '>=' : '>'
  return withCode(new RangeError(`${name} should be ${operator} 0 and < 65536.${describeReceived(port)}.`), 'ERR_SOCKET_BAD_PORT')
}

/**
 * `Error [ERR_SOCKET_CLOSED]: Socket is closed`, Node's code and words: a closed `Socket` (its `fd`
 * is -1) was handed to a function, which refuses it rather than touch a number that may already
 * belong to something else.
 */
export function socketClosed(): Error & { code: 'ERR_SOCKET_CLOSED' } {
  return withCode(new Error('Socket is closed'), 'ERR_SOCKET_CLOSED') as Error & { code: 'ERR_SOCKET_CLOSED' }
}

/** `TypeError [ERR_UNKNOWN_SIGNAL]: Unknown signal: SIGFOO`, as `process.kill` throws it. */
export function unknownSignal(signal: string): TypeError & { code: string } {
  return withCode(new TypeError(`Unknown signal: ${signal}`), 'ERR_UNKNOWN_SIGNAL')
}

/** epoll does not exist here (not Linux), or the native binding could not be loaded. */
export function unsupportedPlatform(platform: string, cause: unknown): Error & { code: string } {
  const message =
    platform === 'linux'
      ? 'epoll-napi could not load its native binding for this system (see error.cause)'
      : `epoll is a Linux interface; it is not available on ${platform}`
  return withCode(new Error(message, { cause }), 'ERR_EPOLL_UNSUPPORTED_PLATFORM')
}

/** What `binaryMissing` says: the machine, and the package that holds its binary. */
export interface MissingBinary {
  /** `epoll-napi-linux-x64-gnu`: the platform package the loader looked for. */
  packageName: string
  /** The main package's version: the platform package must have the same. */
  version: string
  arch: string
  libc: 'glibc' | 'musl'
  /** Whether the release publishes a package for this machine at all. */
  published: boolean
}

/**
 * `ERR_EPOLL_BINARY_MISSING`: Linux, but the platform package holding this machine's binary is not
 * installed (or none is published for it). The message names the package and the usual causes; the
 * loader's own account, every path it tried, stays in `cause`.
 */
export function binaryMissing(missing: MissingBinary, cause: unknown): Error & { code: string } {
  const machine = `linux ${missing.arch}, ${missing.libc}`
  const message = missing.published
    ? `epoll-napi found no native binary for this machine (${machine}): the package ${missing.packageName} is not installed. ` +
      `Install it (npm install ${missing.packageName}@${missing.version}) or reinstall epoll-napi with optional dependencies. ` +
      'Likely causes: npm ran with --omit=optional (common in Dockerfiles) or the omit=optional setting; ' +
      'the lockfile was made on another OS or CPU, and npm installs only the optional packages that machine needed ' +
      '(remove node_modules and package-lock.json, then npm install); ' +
      "npm's --cpu, --os or --libc options (or those settings) named another machine than this one. " +
      'error.cause lists what the loader tried.'
    : `epoll-napi publishes no binary for this machine (${machine}): there is no package ${missing.packageName}. ` +
      'Build one from a clone of the repository (npm ci, which needs Rust) and point NAPI_RS_NATIVE_LIBRARY_PATH at the .node file. ' +
      'error.cause lists what the loader tried.'
  return withCode(new Error(message, { cause }), 'ERR_EPOLL_BINARY_MISSING')
}

/**
 * The runtime permissions loading the binding needs in Deno: `--allow-ffi` to load the `.node` file,
 * `--allow-env` for the loader's `NAPI_RS_*` variables, `--allow-read` for `/usr/bin/ldd` (how the
 * loader tells glibc from musl). `__test__/package/binary-missing.spec.ts` checks this set is enough.
 */
export const DENO_FLAGS = ['--allow-ffi', '--allow-read', '--allow-env'] as const

/**
 * `ERR_EPOLL_PERMISSION_DENIED` in Deno: a permission the loader needed was not granted. `denied` is
 * Deno's own sentence (`Requires env access to "NAPI_RS_WASI_FLAVOR"`), `flag` the flag it names.
 */
export function runtimePermissionDenied(denied: string, flag: string, cause: unknown): Error & { code: string } {
  const flags = [...DENO_FLAGS, ...(DENO_FLAGS.includes(flag as (typeof DENO_FLAGS)[number]) ? [] : [flag])].join(' ')
  const message =
    `epoll-napi could not load its native binding: Deno refused a permission (${denied}; ${flag}). ` +
    `Run with ${flags} (deno run ${flags} main.ts), or -A.`
  return withCode(new Error(message, { cause }), 'ERR_EPOLL_PERMISSION_DENIED')
}

/** `ERR_EPOLL_PERMISSION_DENIED` in Node: its permission model (`--permission`) disables native addons. */
export function nodeAddonsDisabled(cause: unknown): Error & { code: string } {
  const message =
    "epoll-napi could not load its native binding: Node's permission model (--permission) disables native addons. " +
    'Add --allow-addons.'
  return withCode(new Error(message, { cause }), 'ERR_EPOLL_PERMISSION_DENIED')
}

/**
 * The event-loop watcher failed: `epoll_wait` on the loop, or libuv's poll handle (`syscall`
 * `'uv_poll'`). Shaped like a system error, with `ERR_EPOLL_WATCH` as its code and the errno name
 * in the message.
 */
export function watchFailed(errno: number, syscall: string): Error & { code: 'ERR_EPOLL_WATCH'; errno: number; syscall: string } {
  const name = errnoName(errno)
  const error = new Error(`${name}: watching the epoll fd on the event loop failed, ${syscall}`)
  return Object.assign(withCode(error, 'ERR_EPOLL_WATCH'), { errno: -errno, syscall }) as Error & {
    code: 'ERR_EPOLL_WATCH'
    errno: number
    syscall: string
  }
}

/** `'EBADF'` for 9; `'E<n>'` for a number this runtime does not name. */
function errnoName(errno: number): string {
  return getSystemErrorMap().get(-errno)?.[0] ?? `E${errno}`
}

/**
 * A system error decided before any system call (an address the kernel could not take), shaped and
 * worded like the ones the binding throws: `ENAMETOOLONG: name too long, bind (/very/long/path)`.
 */
export function systemError(code: keyof typeof constants.errno, syscall: string, detail: string): SystemError {
  const errno = constants.errno[code]
  const description = getSystemErrorMap().get(-errno)?.[1] ?? 'unknown error'
  const error = withCode(new Error(`${code}: ${description}, ${syscall} (${detail})`), code)
  return Object.assign(error, { errno: -errno, syscall })
}

/**
 * A system call that failed inside the io_uring engine (a completion's `-errno`), shaped and worded
 * like the ones the binding throws: `ECONNRESET: connection reset by peer, recv (fd 12)`.
 */
export function completionError(errno: number, syscall: string, detail: string): SystemError {
  const code = errnoName(errno)
  const description = getSystemErrorMap().get(-errno)?.[1] ?? 'unknown error'
  const error = withCode(new Error(`${code}: ${description}, ${syscall} (${detail})`), code)
  return Object.assign(error, { errno: -errno, syscall })
}
