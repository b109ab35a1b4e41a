// Bun's own TCP server (`Bun.listen`): data -> write, keeping what a short write leaves for `drain`.
// Echo-server contract: `bun bun-listen.ts <port>` (0 = any), prints `listening <port>`, exits
// cleanly on SIGTERM.
declare const Bun: any

const backlog = new Map<any, Uint8Array>()

function send(socket: any, data: Uint8Array): void {
  const written = socket.write(data)
  if (written < data.length) backlog.set(socket, data.slice(Math.max(written, 0)))
}

const server = Bun.listen({
  hostname: '127.0.0.1',
  port: Number(process.argv[2] ?? 0),
  socket: {
    open(socket: any) {
      socket.setNoDelay?.(true)
    },
    data(socket: any, data: Uint8Array) {
      const queued = backlog.get(socket)
      if (queued === undefined) return send(socket, data)
      const joined = new Uint8Array(queued.length + data.length)
      joined.set(queued)
      joined.set(data, queued.length)
      backlog.set(socket, joined)
    },
    drain(socket: any) {
      const queued = backlog.get(socket)
      if (queued === undefined) return
      backlog.delete(socket)
      send(socket, queued)
    },
    close(socket: any) {
      backlog.delete(socket)
    },
    error(socket: any) {
      backlog.delete(socket)
    },
  },
})
console.log(`listening ${server.port}`)
process.on('SIGTERM', () => process.exit(0))
