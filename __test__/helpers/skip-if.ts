import test, { type ImplementationFn } from 'ava'

/** Declares one test: `declare(title, implementation)`. */
export type Declare = (title: string, implementation: ImplementationFn<[]>) => void

/**
 * Declares a test that runs, or, when `reason` is given, is skipped with the reason in its title (so a
 * run's list of skipped tests says why each was skipped). The reason is decided before the test runs:
 * a condition that needs probing (a system call, a child process) is computed at the spec's top level,
 * never inside the test (a test that finds it cannot run must not report a pass).
 */
export function skipIf(reason: string | false | null | undefined): Declare {
  return (title, implementation) => {
    if (reason) test.skip(`${title} (skipped: ${reason})`, implementation)
    else test(title, implementation)
  }
}

/** Declares a test that runs when `condition` holds, and is skipped with `reason` in its title otherwise. */
export function testIf(condition: boolean, reason: string): Declare {
  return skipIf(condition ? undefined : reason)
}
