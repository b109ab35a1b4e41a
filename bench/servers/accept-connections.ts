/**
 * The epoll-napi peer of the accept benchmark (bench/accept.ts): `for await (const { socket } of
 * connections(listener)) socket.close()`. Contract: prints `listening <port>`, SIGTERM ends it.
 */
import { connections, Socket } from 'epoll-napi'

const listener = Socket.listenTcp(Number(process.argv.at(-1)), '127.0.0.1', { backlog: 4096 })
console.log(`listening ${(listener.localAddress() as { port: number }).port}`)

async function serve(): Promise<void> {
  for await (const { socket } of connections(listener)) socket.close()
}

serve().catch((error) => {
  console.error(error)
  process.exit(1)
})
