import { execFileSync } from 'node:child_process'
import { closeSync, constants, mkdtempSync, openSync, readlinkSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A named pipe opened non-blocking at both ends, made with nothing but Node's `fs`. */
export interface Fifo extends Disposable {
  readFd: number
  writeFd: number
  write(bytes?: number): void
  drain(): number
  close(): void
}

export function fifo(): Fifo {
  const dir = mkdtempSync(join(tmpdir(), 'epoll-napi-'))
  const path = join(dir, 'fifo')
  execFileSync('mkfifo', [path])
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  const writeFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK)
  rmSync(dir, { recursive: true })
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    closeSync(readFd)
    closeSync(writeFd)
  }
  return {
    readFd,
    writeFd,
    write: (bytes = 1) => void writeSync(writeFd, Buffer.alloc(bytes, 120)),
    drain: () => {
      const buf = Buffer.alloc(65536)
      let total = 0
      for (;;) {
        try {
          const n = readSync(readFd, buf)
          if (n === 0) return total
          total += n
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return total
          throw error
        }
      }
    },
    close,
    [Symbol.dispose]: close,
  }
}

/** What an fd number of this process refers to (`anon_inode:[eventpoll]`, `pipe:[123]`...), or null. */
export function fdTarget(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    return null
  }
}

/** Whether an fd number is open in this process. */
export function isOpen(fd: number): boolean {
  return fdTarget(fd) !== null
}

/** Whether an fd number is an open epoll instance. */
export function isEpollFd(fd: number): boolean {
  return fdTarget(fd) === 'anon_inode:[eventpoll]'
}
