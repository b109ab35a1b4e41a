// Deno's own TCP server (`Deno.listen`): one read/write-all loop per connection. Echo-server
// contract: `deno run --allow-net deno-listen.ts <port>` (0 = any), prints `listening <port>`,
// exits cleanly on SIGTERM.
declare const Deno: any
export {}

async function serve(conn: any): Promise<void> {
  conn.setNoDelay(true)
  const buf = new Uint8Array(65536)
  try {
    for (;;) {
      const n = await conn.read(buf)
      if (n === null) break
      let off = 0
      while (off < n) off += await conn.write(buf.subarray(off, n))
    }
  } catch {
    // a reset peer ends this connection only
  } finally {
    try {
      conn.close()
    } catch {
      // already closed
    }
  }
}

const listener = Deno.listen({ hostname: '127.0.0.1', port: Number(Deno.args[0] ?? 0) })
console.log(`listening ${listener.addr.port}`)
Deno.addSignalListener('SIGTERM', () => Deno.exit(0))
for await (const conn of listener) serve(conn)
