// The node:net peer of the accept benchmark (bench/accept.ts): every connection destroyed at once.
import { createServer } from 'node:net'

const server = createServer((socket) => socket.destroy())
server.listen({ port: Number(process.argv.at(-1)), host: '127.0.0.1', backlog: 4096 }, () => console.log(`listening ${server.address().port}`))
process.on('SIGTERM', () => process.exit(0))
