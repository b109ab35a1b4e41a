import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'

/** The SHA-256 of `data`, hex. */
export function sha256(...data: Uint8Array[]): string {
  const hash = createHash('sha256')
  for (const part of data) hash.update(part)
  return hash.digest('hex')
}

/** A writable that hashes everything written to it, slowly if asked (`delayMs` per chunk). */
export class HashSink extends Writable {
  readonly #hash = createHash('sha256')
  bytes = 0
  chunks = 0
  readonly #delayMs: number

  constructor(options: { delayMs?: number; highWaterMark?: number } = {}) {
    super({ highWaterMark: options.highWaterMark })
    this.#delayMs = options.delayMs ?? 0
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.#hash.update(chunk)
    this.bytes += chunk.length
    this.chunks++
    if (this.#delayMs > 0) setTimeout(callback, this.#delayMs)
    else callback()
  }

  digest(): string {
    return this.#hash.digest('hex')
  }
}

/**
 * Resolves after the stream's `'close'` event. `closed` turns true as `destroy()` finishes, before the
 * event (emitted on the next tick): a stream already `closed` is waited for one `setImmediate`.
 */
export function closed(stream: NodeJS.EventEmitter & { closed?: boolean }): Promise<void> {
  return stream.closed ? new Promise((resolve) => setImmediate(resolve)) : new Promise((resolve) => stream.once('close', () => resolve()))
}

/** Everything the readable side gives until its end, without destroying the stream (as `for await` would). */
export function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.once('end', () => resolve(Buffer.concat(chunks)))
    stream.once('error', reject)
  })
}
