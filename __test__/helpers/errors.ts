import type { ExecutionContext } from 'ava'

/** Asserts that `fn` throws a Node-style system error: `code`, negative `errno`, `syscall`. */
export function throwsSystemError(t: ExecutionContext, fn: () => unknown, code: string, syscall: string) {
  const error = t.throws(fn, { code, instanceOf: Error }) as (Error & { errno?: number; syscall?: string }) | undefined
  if (!error) return undefined
  t.is(error.syscall, syscall)
  t.is(typeof error.errno, 'number')
  t.true(error.errno! < 0, 'errno is negative, as in Node')
  t.true(error.message.startsWith(`${code}: `), error.message)
  return error
}
