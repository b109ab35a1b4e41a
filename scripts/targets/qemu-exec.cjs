// Preloaded (`--require`) into a runtime running under QEMU user emulation by test:targets. Without
// binfmt_misc (not mounted in this container, and host-wide where it is), a process started under
// qemu-<cpu>-static cannot exec another binary of its own CPU: the kernel returns ENOEXEC. The suite
// starts children with `process.execPath` (fork, spawnSync, ...), so every spawn of a foreign ELF file
// is rewritten here to go through the matching QEMU. QEMU_LD_PREFIX (inherited) tells it where the
// target's libraries are; NODE_OPTIONS carries this file into the children.
'use strict'
const childProcess = require('node:child_process')
const { closeSync, openSync, readSync, statSync } = require('node:fs')
const { delimiter, isAbsolute, join } = require('node:path')
const { syncBuiltinESMExports } = require('node:module')

// ELF e_machine -> emulator.
const QEMU = { 183: 'qemu-aarch64-static', 40: 'qemu-arm-static', 243: 'qemu-riscv64-static' }

function resolve(file, env) {
  if (isAbsolute(file) || file.includes('/')) return file
  for (const dir of ((env && env.PATH) || process.env.PATH || '').split(delimiter)) {
    const candidate = join(dir, file)
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {}
  }
  return file
}

/** The emulator for an ELF file of another CPU, or undefined (a script, a host binary, no such file). */
function emulatorFor(file, env) {
  let fd
  try {
    fd = openSync(resolve(file, env), 'r')
    const header = Buffer.alloc(20)
    if (readSync(fd, header, 0, 20, 0) < 20 || header.readUInt32BE(0) !== 0x7f454c46) return undefined
    return QEMU[header.readUInt16LE(18)]
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

// Every asynchronous spawn (spawn, fork, exec, execFile) ends in ChildProcess.prototype.spawn.
const { ChildProcess } = childProcess
const spawn = ChildProcess.prototype.spawn
ChildProcess.prototype.spawn = function (options) {
  const qemu = options && emulatorFor(options.file, options.envPairs && Object.fromEntries(options.envPairs.map((pair) => pair.split(/=(.*)/s))))
  if (qemu) {
    options = { ...options, args: [qemu, resolve(options.file), ...options.args.slice(1)], file: qemu }
  }
  return spawn.call(this, options)
}

// The synchronous ones call the module's own spawnSync, so each export is wrapped.
for (const name of ['spawnSync', 'execFileSync']) {
  const original = childProcess[name]
  childProcess[name] = function (file, args, options) {
    const opts = Array.isArray(args) ? options : args
    const qemu = typeof file === 'string' && emulatorFor(file, opts && opts.env)
    if (!qemu) return original.apply(this, arguments)
    return Array.isArray(args) ? original.call(this, qemu, [resolve(file), ...args], options) : original.call(this, qemu, [resolve(file)], args)
  }
}
syncBuiltinESMExports()
