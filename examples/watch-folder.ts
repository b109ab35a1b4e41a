/**
 * Watches a folder with inotify and says what happened to its files, with what `fs.watch` cannot
 * tell: when a written file is complete (`IN_CLOSE_WRITE`), and which rename went from which name to
 * which (`IN_MOVED_FROM`/`IN_MOVED_TO` pairs share a cookie). The inotify fd is an `Epoll` handler.
 *
 *   node --import tsx examples/watch-folder.ts <folder>     # prints one line per event until Ctrl-C
 *   node --import tsx examples/watch-folder.ts --self-test  # works in a temp folder, prints JSON
 */
import { closeSync, mkdtempSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  addWatch,
  close,
  Epoll,
  EPOLLIN,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_DELETE,
  IN_ISDIR,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  inotify,
  readInotifyEvents,
} from '../index.js'

/** Watches `folder`, calling `report` with one line per change; returns a function that stops. */
export function watchFolder(folder: string, report: (line: string) => void): () => void {
  const fd = inotify()
  addWatch(fd, folder, IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE)
  const ep = new Epoll()
  ep.register(fd, EPOLLIN, () => {
    const movedFrom = new Map<number, string>()
    for (let events = readInotifyEvents(fd); events !== null; events = readInotifyEvents(fd)) {
      for (const { mask, cookie, name } of events) {
        const kind = mask & IN_ISDIR ? 'folder' : 'file'
        if (mask & IN_CREATE) report(`created ${kind} ${name}`)
        if (mask & IN_CLOSE_WRITE) report(`complete ${name}`)
        if (mask & IN_DELETE) report(`deleted ${kind} ${name}`)
        if (mask & IN_MOVED_FROM) movedFrom.set(cookie, name)
        if (mask & IN_MOVED_TO) {
          const from = movedFrom.get(cookie)
          movedFrom.delete(cookie)
          report(from === undefined ? `moved in ${name}` : `renamed ${from} -> ${name}`)
        }
      }
    }
    // A rename's two halves are queued together: a lone IN_MOVED_FROM left the folder.
    for (const name of movedFrom.values()) report(`moved out ${name}`)
  })
  return () => {
    ep.close()
    close(fd)
  }
}

async function selfTest(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'watch-folder-'))
  const outside = mkdtempSync(join(tmpdir(), 'watch-folder-outside-'))
  const lines: string[] = []
  const stop = watchFolder(folder, (line) => lines.push(line))
  const file = openSync(join(folder, 'report.txt'), 'w')
  writeSync(file, 'first half, ')
  writeSync(file, 'second half')
  closeSync(file)
  renameSync(join(folder, 'report.txt'), join(folder, 'final.txt'))
  renameSync(join(folder, 'final.txt'), join(outside, 'gone.txt'))
  closeSync(openSync(join(folder, 'scratch'), 'w'))
  unlinkSync(join(folder, 'scratch'))
  const deadline = Date.now() + 5000
  while (!lines.includes('deleted file scratch') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  stop()
  rmSync(folder, { recursive: true, force: true })
  rmSync(outside, { recursive: true, force: true })
  console.log(JSON.stringify({ lines }))
}

if (require.main === module) {
  if (process.argv.includes('--self-test')) {
    void selfTest()
  } else {
    const folder = process.argv[2]
    if (!folder) {
      console.error('usage: watch-folder.ts <folder> | --self-test')
      process.exit(2)
    }
    const stop = watchFolder(folder, (line) => console.log(line))
    console.log(`watching ${folder}`)
    process.on('SIGINT', () => {
      stop()
      process.exit(0)
    })
  }
}
