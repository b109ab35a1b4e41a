/**
 * Values nobody should pass to the package, for boundary fuzzing: fast-check's `anything()` plus the
 * cases it does not make on its own (negative zero, huge and fractional numbers, bigints, symbols,
 * proxies whose every trap throws, getters that throw, detached and shared buffers, lying
 * `length`/`byteLength`, functions).
 */
import fc from 'fast-check'

/** What our own traps and getters throw: a call may let it through, untouched, and nothing else. */
export class Sentinel extends Error {
  constructor(where: string) {
    super(`sentinel thrown by ${where}`)
  }
}

function detached(): ArrayBuffer {
  const buffer = new ArrayBuffer(16)
  structuredClone(buffer, { transfer: [buffer] })
  return buffer
}

function throwingProxy(target: object): object {
  const trap = (name: string) => () => {
    throw new Sentinel(`proxy ${name} trap`)
  }
  return new Proxy(target, {
    get: trap('get'),
    has: trap('has'),
    getPrototypeOf: trap('getPrototypeOf'),
    ownKeys: trap('ownKeys'),
    getOwnPropertyDescriptor: trap('getOwnPropertyDescriptor'),
    apply: trap('apply'),
  })
}

/** Makers of fresh special values (a detached buffer must be detached anew each time). */
const specials: [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['-0', () => -0],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['2**31', () => 2 ** 31],
  ['2**32 + 3', () => 2 ** 32 + 3],
  ['2**53', () => 2 ** 53],
  ['-(2**31) - 1', () => -(2 ** 31) - 1],
  ['Number.MAX_VALUE', () => Number.MAX_VALUE],
  ['Number.MIN_VALUE', () => Number.MIN_VALUE],
  ['1.5', () => 1.5],
  ['-1', () => -1],
  ['3n', () => 3n],
  ['2n ** 70n', () => 2n ** 70n],
  ['Symbol()', () => Symbol('hostile')],
  ['Symbol.iterator', () => Symbol.iterator],
  ["'3'", () => '3'],
  ["''", () => ''],
  ['new Number(3)', () => new Number(3)],
  ['{ valueOf: 3 }', () => ({ valueOf: () => 3, toString: () => '3' })],
  ['{ [Symbol.toPrimitive] throws }', () => ({ [Symbol.toPrimitive]: () => { throw new Sentinel('toPrimitive') } })],
  ['{ get fd() throws }', () => ({ get fd() { throw new Sentinel('fd getter') } })],
  ['{ fd: 2**32 + 3 }', () => ({ fd: 2 ** 32 + 3 })],
  ['{ fd: -1 }', () => ({ fd: -1 })],
  ["{ fd: '3' }", () => ({ fd: '3' })],
  ['{ fd: 3n }', () => ({ fd: 3n })],
  ['{ get closeOnExec() throws }', () => ({ get closeOnExec() { throw new Sentinel('closeOnExec getter') } })],
  ['{ closeOnExec: 1 }', () => ({ closeOnExec: 1 })],
  ['{ get timeout() throws }', () => ({ get timeout() { throw new Sentinel('timeout getter') } })],
  ['{ get initial() throws }', () => ({ get initial() { throw new Sentinel('initial getter') } })],
  ['{ initial: -1 }', () => ({ initial: -1 })],
  ['{ get backlog() throws }', () => ({ get backlog() { throw new Sentinel('backlog getter') } })],
  ['{ semaphore: "yes" }', () => ({ semaphore: 'yes' })],
  ['proxy of {}', () => throwingProxy({})],
  ['proxy of []', () => throwingProxy([])],
  ['proxy of Uint32Array', () => throwingProxy(new Uint32Array(4))],
  ['proxy of function', () => throwingProxy(() => 0)],
  ['Object.create(null)', () => Object.create(null)],
  ['function', () => function fd() {}],
  ['class', () => class Fd {}],
  ['Uint32Array(0)', () => new Uint32Array(0)],
  ['Uint32Array(1)', () => new Uint32Array(1)],
  ['Uint32Array on a detached buffer', () => {
    const buffer = new ArrayBuffer(16)
    const view = new Uint32Array(buffer)
    structuredClone(buffer, { transfer: [buffer] })
    return view
  }],
  ['Uint8Array on a detached buffer', () => {
    const buffer = new ArrayBuffer(16)
    const view = new Uint8Array(buffer)
    structuredClone(buffer, { transfer: [buffer] })
    return view
  }],
  ['detached ArrayBuffer', detached],
  ['Uint32Array on a SharedArrayBuffer', () => new Uint32Array(new SharedArrayBuffer(64))],
  ['Uint8Array on a SharedArrayBuffer', () => new Uint8Array(new SharedArrayBuffer(64))],
  ['Int32Array(8)', () => new Int32Array(8)],
  ['Float64Array(2)', () => new Float64Array(2)],
  ['BigUint64Array(1)', () => new BigUint64Array(1)],
  ['DataView(8)', () => new DataView(new ArrayBuffer(8))],
  ['DataView on a detached buffer', () => {
    const buffer = new ArrayBuffer(16)
    const view = new DataView(buffer)
    structuredClone(buffer, { transfer: [buffer] })
    return view
  }],
  ['Buffer(3)', () => Buffer.alloc(3)],
  ['Uint32Array(0) lying length 1000', () => Object.defineProperty(new Uint32Array(0), 'length', { value: 1000 })],
  ['Uint8Array(1) lying byteLength 4096', () => Object.defineProperty(new Uint8Array(1), 'byteLength', { value: 4096 })],
  ['Uint32Array subclass', () => new (class extends Uint32Array {})(4)],
  ['ArrayBuffer(8)', () => new ArrayBuffer(8)],
  ['[Buffer, 3]', () => [Buffer.alloc(2), 3]],
  ['array of 2000 Buffers', () => Array.from({ length: 2000 }, () => Buffer.alloc(1))],
  ['sparse array', () => [, Buffer.alloc(1)]], // eslint-disable-line no-sparse-arrays
  ['array with a throwing element getter', () => Object.defineProperty([Buffer.alloc(1)], 1, { get() { throw new Sentinel('element getter') }, enumerable: true })],
  ['AbortSignal.abort()', () => AbortSignal.abort()],
  ["'::1'", () => '::1'],
  ["'localhost'", () => 'localhost'],
  ["'read'", () => 'read'],
  ['long string', () => 'x'.repeat(5000)],
]

/**
 * A recipe for a hostile value. fast-check inspects generated values (to clone and print them), which
 * would spring the traps of a proxy; so it generates recipes and the test makes the value at call time.
 */
export class Hostile {
  constructor(
    readonly label: string,
    readonly make: () => unknown,
  ) {}
  [fc.toStringMethod](): string {
    return this.label
  }
}

const plain = (arbitrary: fc.Arbitrary<unknown>) => arbitrary.map((value) => new Hostile(show(value), () => value))

/** Any value: fast-check's `anything()` (with every option on), or one of the special cases above. */
export const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  {
    weight: 3,
    arbitrary: plain(fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withObjectString: true,
      withNullPrototype: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
      withUnicodeString: true,
    })),
  },
  { weight: 3, arbitrary: fc.constantFrom(...specials).map(([label, make]) => new Hostile(label, make)) },
  { weight: 1, arbitrary: plain(fc.double()) },
  { weight: 1, arbitrary: plain(fc.integer({ min: -(2 ** 31), max: 2 ** 32 })) },
  { weight: 1, arbitrary: plain(fc.bigInt()) },
)

/** Argument lists of 0 to 5 hostile values (recipes: call `make()` on each). */
export const hostileArgs: fc.Arbitrary<Hostile[]> = fc.array(hostile, { maxLength: 5 })

/** A short, readable description of a value for failure messages (never throws). */
export function show(value: unknown): string {
  try {
    if (typeof value === 'bigint') return `${value}n`
    if (typeof value === 'symbol') return value.toString()
    if (Object.is(value, -0)) return '-0'
    if (typeof value === 'function') return `function ${value.name}`
    if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as Uint8Array).length ?? value.byteLength})`
    return fc.stringify(value).slice(0, 200)
  } catch {
    return `<${typeof value}>`
  }
}

/**
 * Why a thrown value is not an acceptable rejection, or `undefined` if it is: a `TypeError`/`RangeError`
 * with a Node `ERR_*` code, another `Error` with an `ERR_*` code (the package's own conditions), a
 * system error (`code`, negative `errno`, `syscall`), or our own sentinel passed through untouched.
 */
export function badRejection(error: unknown): string | undefined {
  if (error instanceof Sentinel) return undefined
  if (!(error instanceof Error)) return `threw a non-Error: ${show(error)}`
  const { code, errno, syscall } = error as Error & { code?: unknown; errno?: unknown; syscall?: unknown }
  if (typeof code !== 'string') return `${error.name} without a code: ${error.message}`
  if (code.startsWith('ERR_')) {
    if ((code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_INVALID_ARG_VALUE') && !(error instanceof TypeError)) {
      return `${code} is not a TypeError: ${error.message}`
    }
    if (code === 'ERR_OUT_OF_RANGE' && !(error instanceof RangeError)) return `${code} is not a RangeError: ${error.message}`
    return undefined
  }
  if (typeof errno !== 'number' || errno >= 0 || typeof syscall !== 'string') {
    return `system error ${code} without a negative errno and a syscall: ${error.message}`
  }
  return undefined
}

/** Every special value above as a recipe, for sweeps that try each one at each argument position. */
export const specialRecipes: Hostile[] = specials.map(([label, make]) => new Hostile(label, make))

/**
 * Why an error thrown by the native binding carries a `code` no user may see, or `undefined` if its
 * code is one: Node's `ERR_*` codes and the package's `ERR_EPOLL_*`, `ABORT_ERR`, or an errno name
 * (`errnoNames`: Node's and the core's table). napi-rs's status names (`NumberExpected`, `InvalidArg`,
 * `GenericFailure`, ...) and invented `E<n>` codes are what this catches. Our own sentinel passes.
 */
export function foreignCode(error: unknown, errnoNames: ReadonlySet<string>): string | undefined {
  if (error instanceof Sentinel) return undefined
  if (!(error instanceof Error)) return `threw a non-Error: ${show(error)}`
  const { code } = error as Error & { code?: unknown }
  if (typeof code !== 'string') return `${error.name} without a code: ${error.message}`
  if (code.startsWith('ERR_') || code === 'ABORT_ERR' || errnoNames.has(code)) return undefined
  return `code ${JSON.stringify(code)} is neither Node's nor the package's: ${error.message}`
}
