import test from 'ava'

import { Epoll } from '../../index.js'
import { pwait2Unavailable } from '../helpers/pwait2.js'
import { skipIf } from '../helpers/skip-if.js'

const preciseTest = skipIf(pwait2Unavailable)

/** The median of `tries` blocking waits of `ms` on an idle instance, and the shortest, in ms. */
function measure(wait: () => void, tries = 15) {
  const took: number[] = []
  for (let i = 0; i < tries; i++) {
    const start = process.hrtime.bigint()
    wait()
    took.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  took.sort((a, b) => a - b)
  return { min: took[0], median: took[tries >> 1] }
}

// Measured here (Linux 6.18, epoll_pwait2): poll(0.1) took 0.17 ms (median of 15), poll(3.1) 3.22 ms.
// Waits in whole milliseconds rounded up (Python's select.epoll here: 1.07 ms and 4.06 ms at least) can
// never take less than 1 and 4 ms: the shortest of several tries tells the two apart even on a loaded
// machine, where a median can drift up by a scheduling delay.
preciseTest('poll(0.1) takes well under a millisecond, and never less than 0.1 ms', (t) => {
  using ep = new Epoll()
  const { min, median } = measure(() => ep.poll(0.1))
  t.log(`poll(0.1): min ${min.toFixed(3)} ms, median ${median.toFixed(3)} ms`)
  t.true(min >= 0.1, `min ${min}`)
  t.true(min < 0.5, `min ${min}`)
  t.true(median < 1, `median ${median}`)
})

preciseTest('poll(3.1) takes at least 3.1 ms and not a whole extra millisecond', (t) => {
  using ep = new Epoll()
  const { min, median } = measure(() => ep.poll(3.1), 9)
  t.log(`poll(3.1): min ${min.toFixed(3)} ms, median ${median.toFixed(3)} ms`)
  t.true(min >= 3.1, `min ${min}`)
  t.true(min < 4, `min ${min}: not rounded up to 4 ms`)
  t.true(median < 5, `median ${median}`)
})

preciseTest('pollInto passes fractions of a millisecond through as well', (t) => {
  using ep = new Epoll()
  const out = new Uint32Array(8)
  const { min, median } = measure(() => ep.pollInto(out, 0.25))
  t.log(`pollInto(0.25): min ${min.toFixed(3)} ms, median ${median.toFixed(3)} ms`)
  t.true(min >= 0.25, `min ${min}`)
  t.true(median < 1, `median ${median}`)
})

test('with or without epoll_pwait2, a fractional timeout never ends a wait early', (t) => {
  using ep = new Epoll()
  const out = new Uint32Array(8)
  for (const [timeout, wait] of [
    [0.1, () => ep.poll(0.1)],
    [3.1, () => ep.poll(3.1)],
    [0.25, () => ep.pollInto(out, 0.25)],
  ] as const) {
    const { min } = measure(wait, 5)
    t.true(min >= timeout, `a wait of ${timeout} ms took ${min} ms`)
  }
})
