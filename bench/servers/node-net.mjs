// node:net, the way a Node user writes an echo server: on('data') -> write. Echo-server contract:
// `node node-net.mjs <port>` (0 = any), prints `listening <port>`, exits cleanly on SIGTERM.
import net from 'node:net'

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('data', (data) => socket.write(data))
  socket.on('error', () => socket.destroy())
})
server.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`listening ${server.address().port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
