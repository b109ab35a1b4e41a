import { execFileSync } from 'node:child_process'
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Named pipes made once (one `mkfifo` call) and opened many times: a property test opens and closes
 * hundreds of pipes, and a FIFO whose ends are all closed is a fresh, empty pipe when opened again.
 */
export class FifoPool implements Disposable {
  readonly #dir: string
  readonly #free: string[]

  constructor(size: number) {
    this.#dir = mkdtempSync(join(tmpdir(), 'epoll-napi-pool-'))
    this.#free = Array.from({ length: size }, (_, i) => join(this.#dir, `fifo${i}`))
    execFileSync('mkfifo', this.#free)
  }

  /** Opens a free FIFO non-blocking at both ends, or returns `undefined` when all are in use. */
  open(): { readFd: number; writeFd: number; path: string } | undefined {
    const path = this.#free.pop()
    if (path === undefined) return undefined
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
    const writeFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK)
    return { readFd, writeFd, path }
  }

  /** Gives a FIFO back once both of its ends are closed. */
  release(path: string): void {
    this.#free.push(path)
  }

  [Symbol.dispose](): void {
    rmSync(this.#dir, { recursive: true, force: true })
  }
}

/** Closes an fd, ignoring EBADF (already closed by the test). */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EBADF') throw error
  }
}
