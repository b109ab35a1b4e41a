import { release } from 'node:os'

import { EMULATOR } from './emulation.js'

/**
 * Why waits here have only whole-millisecond precision, or undefined where they have better:
 * epoll_pwait2 (Linux 5.11) is what takes a nanosecond timeout, and QEMU 7.2's user mode answers it with
 * ENOSYS (the package then falls back to epoll_wait, rounding up).
 */
export const pwait2Unavailable: string | undefined = (() => {
  if (EMULATOR) return `${EMULATOR} has no epoll_pwait2`
  const [major, minor] = release().split('.').map(Number)
  return major < 5 || (major === 5 && minor < 11) ? `Linux ${release()} has no epoll_pwait2` : undefined
})()
