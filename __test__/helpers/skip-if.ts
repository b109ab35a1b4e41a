import test, { type ImplementationFn } from 'ava'

/**
 * Declares a test that runs, or, when `reason` is given, is skipped with the reason in its title (so a
 * run's list of skipped tests says why each was skipped).
 */
export function skipIf(reason: string | undefined) {
  return (title: string, implementation: ImplementationFn<[]>) => {
    if (reason) test.skip(`${title} (skipped: ${reason})`, implementation)
    else test(title, implementation)
  }
}
