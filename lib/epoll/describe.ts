import { validateEvents } from '../internal/validators'
import { constants } from './flags'

const FLAG_ENTRIES = Object.entries(constants) as [keyof typeof constants, number][]
const KNOWN_BITS = FLAG_ENTRIES.reduce((all, [, bit]) => (all | bit) >>> 0, 0)

/**
 * The names of the bits set in an event mask, in bit order, for logs:
 * `describeEvents(EPOLLIN | EPOLLET)` is `['EPOLLIN', 'EPOLLET']`. Unknown bits appear as one hex string.
 *
 * @param mask An event mask as `poll`, a handler or `wait()` report it (signed or unsigned).
 */
export function describeEvents(mask: number): string[] {
  const bits = validateEvents(mask, 'mask')
  const names: string[] = []
  for (const [name, bit] of FLAG_ENTRIES) if ((bits & bit) >>> 0 !== 0) names.push(name)
  const unknown = (bits & ~KNOWN_BITS) >>> 0
  if (unknown !== 0) names.push(`0x${unknown.toString(16)}`)
  return names
}
