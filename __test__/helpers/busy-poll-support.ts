import { Epoll } from '../../index.js'

/**
 * Why an epoll instance's busy-poll parameters cannot be read here: the error code of a first try
 * (`ENOTTY` before Linux 6.9; `ENOSYS` under QEMU 7.2's user mode, which does not know the ioctl), or
 * undefined where they can.
 */
export const busyPollUnavailable: string | undefined = (() => {
  using ep = new Epoll()
  try {
    ep.getBusyPoll()
    return undefined
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException
    if (code === 'ENOTTY' || code === 'ENOSYS') return code
    throw error
  }
})()
