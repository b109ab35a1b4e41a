/**
 * Waiting for datagrams without blocking the event loop (the peers are often `node:dgram` sockets
 * in the same process, which only make progress when the loop turns).
 */
import { createSocket, type Socket } from 'node:dgram'
import { once } from 'node:events'
import { setImmediate as turn } from 'node:timers/promises'

import { type Datagram, recvFrom, WOULD_BLOCK } from '../../index.js'

const DEADLINE_MS = 5_000

/** `recvFrom` until a datagram arrives (or the deadline passes). */
export async function receive(fd: number, buffer: Uint8Array, offset = 0, length?: number): Promise<Datagram> {
  const start = Date.now()
  for (;;) {
    const got = recvFrom(fd, buffer, offset, length)
    if (got !== null) return got
    if (Date.now() - start > DEADLINE_MS) throw new Error(`no datagram on fd ${fd} within ${DEADLINE_MS} ms`)
    await turn()
  }
}

/** Calls `op` until it returns something other than WOULD_BLOCK. */
export async function until(op: () => number): Promise<number> {
  const start = Date.now()
  for (;;) {
    const n = op()
    if (n !== WOULD_BLOCK) return n
    if (Date.now() - start > DEADLINE_MS) throw new Error(`still WOULD_BLOCK after ${DEADLINE_MS} ms`)
    await turn()
  }
}

/** A bound `node:dgram` socket on loopback. */
export async function dgramPeer(type: 'udp4' | 'udp6' = 'udp4'): Promise<Socket> {
  const socket = createSocket(type)
  socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1')
  await once(socket, 'listening')
  return socket
}

/** The byte datagram `id` holds at `offset`: distinct per datagram. */
export function pattern(id: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) out[i] = (id * 131 + i * 7 + (i >>> 8) * 13) & 0xff
  return out
}
