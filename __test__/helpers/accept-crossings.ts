/**
 * Counts the crossings into the binding that accept connections (`acceptFd`, `acceptFrom`,
 * `acceptMany`) by wrapping those exports of `binding.js`. The package looks its hot calls up once,
 * when it loads: import this BEFORE anything that imports the package.
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'

const binding = createRequire(__filename)(join(__dirname, '..', '..', 'binding.js')) as Record<string, unknown>
let crossings = 0
for (const name of ['acceptFd', 'acceptFrom', 'acceptMany']) {
  const call = binding[name]
  if (typeof call !== 'function') continue
  binding[name] = (...args: unknown[]) => {
    crossings++
    return call(...args)
  }
}

/** How many accepting crossings were made so far. */
export const acceptCrossings = (): number => crossings
