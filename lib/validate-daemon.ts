/**
 * Argument checks shared by the daemon helpers (fd passing, ioctl, inotify, pidfd, systemd). They
 * run before any system call, so bad input throws a coded error and opens or closes nothing.
 */
import { invalidArgType, invalidArgValue, outOfRange } from './errors'

/** The byte length of an `ArrayBufferView` argument; a non-view or a detached buffer is refused. */
export function toViewLength(value: unknown, name: string): number {
  if (!ArrayBuffer.isView(value)) throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', value)
  let size = 0
  try {
    size = value.byteLength
  } catch {
    // A DataView over a detached buffer throws from its getter: reported as detached below.
  }
  if (size === 0 && isDetached(value.buffer)) throw invalidArgValue(name, 'must not be a view of a detached ArrayBuffer', value)
  return size
}

function isDetached(buffer: ArrayBufferLike): boolean {
  if ('detached' in buffer) return (buffer as { detached: boolean }).detached
  try {
    new Uint8Array(buffer)
    return false
  } catch {
    return true
  }
}

/** An integer in `min..=max`. */
export function toIntegerIn(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < min || value > max) throw outOfRange(name, `an integer >= ${min} and <= ${max}`, value)
  return value
}

/** A non-empty string without NUL bytes (a path or a name the kernel reads as a C string). */
export function toCString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
  if (value.length === 0) throw invalidArgValue(name, 'must not be empty', value)
  if (value.includes('\0')) throw invalidArgValue(name, 'must be a string without null bytes', value)
  return value
}
