// The npm `epoll` package (4.0.2, C++ over nan, built by `npm run bench` into bench/.deps) driving
// fs.readSync / fs.writeSync, level-triggered, as its README shows. The raw listening and accepted
// sockets come from epoll-napi's I/O helpers, since Node has no other way to get them.
// Echo-server contract: `node npm-epoll.js <port>` (0 = any), prints `listening <port>`, exits
// cleanly on SIGTERM.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const io = require('../..')
const { Epoll } = require(path.join(__dirname, '..', '.deps', 'node_modules', 'epoll'))

const listener = io.listenTcp(Number(process.argv[2] ?? 0), '127.0.0.1', { backlog: 4096 })
const buf = Buffer.alloc(65536)

function drop(fd) {
  poller.remove(fd)
  io.close(fd)
}

const poller = new Epoll((err, fd) => {
  if (err) throw err
  if (fd === listener) {
    for (let conn = io.accept(listener); conn !== io.WOULD_BLOCK; conn = io.accept(listener)) {
      io.setNoDelay(conn)
      poller.add(conn, Epoll.EPOLLIN)
    }
    return
  }
  let n
  try {
    n = fs.readSync(fd, buf, 0, buf.length, null)
  } catch (error) {
    if (error.code === 'EAGAIN') return
    return drop(fd)
  }
  if (n === 0) return drop(fd)
  // fs.writeSync throws EAGAIN on a full socket buffer; the package offers nothing better than retrying.
  for (let off = 0; off < n; ) {
    try {
      off += fs.writeSync(fd, buf, off, n - off)
    } catch (error) {
      if (error.code !== 'EAGAIN') return drop(fd)
    }
  }
})
poller.add(listener, Epoll.EPOLLIN)
process.stdout.write(`listening ${io.localAddress(listener).port}\n`)
process.on('SIGTERM', () => {
  poller.close()
  process.exit(0)
})
