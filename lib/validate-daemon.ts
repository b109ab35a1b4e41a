/**
 * Argument checks shared by the daemon helpers (fd passing, ioctl, inotify, pidfd, systemd). They
 * run before any system call, so bad input throws a coded error and opens or closes nothing.
 */
import { invalidArgType, invalidArgValue } from './errors'
import { validateByteLength, validateInteger, validateView } from './validate'

/** The byte length of an `ArrayBufferView` argument; a non-view or a detached buffer is refused. */
export function toViewLength(value: unknown, name: string): number {
  validateView(value, name)
  return validateByteLength(value, name)
}

/** An integer in `min..=max` (`lib/validate.ts`). */
export const toIntegerIn = validateInteger

/** A non-empty string without NUL bytes (a path or a name the kernel reads as a C string). */
export function toCString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
  if (value.length === 0) throw invalidArgValue(name, 'must not be empty', value)
  if (value.includes('\0')) throw invalidArgValue(name, 'must be a string without null bytes', value)
  return value
}
