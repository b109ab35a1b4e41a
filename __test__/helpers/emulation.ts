// What changes when the suite runs under QEMU user emulation, in a runtime for another CPU
// (`npm run test:targets`, scripts/targets/test.mjs, sets these variables). Natively nothing does.
import { skipIf } from './skip-if.js'

/**
 * The emulator the suite runs under (`qemu-aarch64-static 7.2.22`), or undefined when it runs natively.
 */
export const EMULATOR: string | undefined = process.env.EPOLL_NAPI_TEST_EMULATOR || undefined

/**
 * How many times slower than natively the suite runs: 1 natively, `EPOLL_NAPI_TEST_SLOWDOWN` under an
 * emulator (JavaScript there runs about ten times slower).
 */
export const SLOWDOWN: number = EMULATOR ? Number(process.env.EPOLL_NAPI_TEST_SLOWDOWN) || 10 : 1

/**
 * `ms` stretched by {@link SLOWDOWN}: for the time a scenario may take, or a margin that must outlast the
 * work done inside it. Lower bounds (a wait never ends before its timeout) are never scaled.
 */
export function scaled(ms: number): number {
  return ms * SLOWDOWN
}

/**
 * Declares a test that runs natively and is skipped under an emulator that does not emulate what it
 * checks; `gap` says what the emulator gets wrong.
 */
export function testUnlessEmulated(gap: string) {
  return skipIf(EMULATOR && `${EMULATOR} ${gap}`)
}
