// The release rehearsal's smoke server (scripts/release/rehearse.mjs copies it into each fresh project
// where `npm install epoll-napi` ran, and runs it in Node, Bun and Deno, natively or under QEMU): a TCP
// echo server written with epoll-napi alone, as a user would after reading the README. It listens on
// 127.0.0.1 (a free port), prints one JSON line `{ listening: <port>, ... }`, echoes one client until that
// client closes its side, then prints `{ echoed: <bytes> }` and exits 0. It gives up (exit 1) after
// `argv[2]` seconds (default 120), so a broken build cannot hang the rehearsal.
'use strict'
const { Buffer } = require('node:buffer')
const process = require('node:process')
const { EPOLLERR, EPOLLHUP, EPOLLIN, Epoll, WOULD_BLOCK, accept, close, listenTcp, localAddress, read, supported, write } = require('epoll-napi')

const limitMs = Number(process.argv[2] ?? 120) * 1000
const started = Date.now()
const listener = listenTcp(0, '127.0.0.1')
const ep = new Epoll()
ep.register(listener, EPOLLIN)
// Which .node file the loader took (Node and Bun keep require.cache; Deno may not list it).
const loaded = Object.keys(require.cache ?? {}).filter((path) => path.endsWith('.node'))
console.log(JSON.stringify({ listening: localAddress(listener).port, arch: process.arch, supported, loaded }))

const buffer = Buffer.alloc(64 * 1024)
let conn = -1
let echoed = 0
let done = false
while (!done) {
  if (Date.now() - started > limitMs) {
    console.log(JSON.stringify({ error: `no client finished within ${limitMs / 1000} s` }))
    process.exit(1)
  }
  for (const [fd, events] of ep.poll(1000)) {
    if (fd === listener) {
      const accepted = accept(listener)
      if (accepted === WOULD_BLOCK) continue
      conn = accepted
      ep.register(conn, EPOLLIN)
      // One client is all this server serves.
      ep.unregister(listener)
      close(listener)
    } else if (fd === conn && events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
      const n = read(conn, buffer)
      if (n === WOULD_BLOCK) continue
      if (n === 0) {
        done = true
        break
      }
      for (let written = 0; written < n; ) {
        const w = write(conn, buffer, written, n - written)
        if (w !== WOULD_BLOCK) written += w
      }
      echoed += n
    }
  }
}
ep.unregister(conn)
close(conn)
ep.close()
console.log(JSON.stringify({ echoed }))
