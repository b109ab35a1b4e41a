// Preloaded (`--require`) into a runtime running under QEMU user emulation by test:targets. Without
// binfmt_misc (not mounted in this container, and host-wide where it is), a process started under
// qemu-<cpu>-static cannot exec another binary of its own CPU: the kernel returns ENOEXEC. The suite
// starts children with `process.execPath` (fork, spawnSync, ...), so every spawn of a foreign ELF file
// is rewritten here to go through the matching QEMU. QEMU_LD_PREFIX (inherited) tells it where the
// target's libraries are; NODE_OPTIONS carries this file into the children.
//
// A foreign ELF file can also be started by a host program: `sh -c 'ulimit -n 64 && exec "$0"'
// <process.execPath>`. Such an argument is replaced by a shell script that runs it through QEMU, which
// the host kernel executes by its `#!` line; the same script, named `node`, leads PATH.
'use strict'
const childProcess = require('node:child_process')
const { createHash } = require('node:crypto')
const { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { basename, delimiter, dirname, isAbsolute, join } = require('node:path')
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
    const path = resolve(file, env)
    if (!statSync(path).isFile()) return undefined // never open a FIFO or a device: that could block
    fd = openSync(path, 'r')
    const header = Buffer.alloc(20)
    if (readSync(fd, header, 0, 20, 0) < 20 || header.readUInt32BE(0) !== 0x7f454c46) return undefined
    return QEMU[header.readUInt16LE(18)]
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

const quote = (text) => `'${text.replaceAll("'", `'\\''`)}'`

/** Where the scripts for `file` under `qemu` go: one folder per emulator, file and loader prefix. */
function scriptDir(file, qemu) {
  const key = createHash('sha256').update(`${qemu}\0${file}\0${process.env.QEMU_LD_PREFIX ?? ''}`).digest('hex').slice(0, 16)
  return join(tmpdir(), 'epoll-napi-qemu-exec', key)
}

/** `<scriptDir>/<name>`: a `#!/bin/sh` script that runs the foreign ELF `file` through `qemu`, written once. */
function wrapperFor(file, qemu, name = 'run') {
  const dir = scriptDir(file, qemu)
  const script = join(dir, name)
  if (existsSync(script)) return script
  mkdirSync(dir, { recursive: true })
  const prefix = process.env.QEMU_LD_PREFIX ? `QEMU_LD_PREFIX=${quote(process.env.QEMU_LD_PREFIX)} ` : ''
  const partial = `${script}.${process.pid}`
  writeFileSync(partial, `#!/bin/sh\n${prefix}exec ${qemu} ${quote(file)} "$@"\n`, { mode: 0o755 })
  renameSync(partial, script) // atomic: a concurrent child sees no file or the whole one
  return script
}

/** `args` with every absolute path of a foreign ELF file replaced by its QEMU wrapper script. */
function wrapForeignArgs(args) {
  return args.map((arg) => {
    const qemu = typeof arg === 'string' && isAbsolute(arg) && emulatorFor(arg)
    return qemu ? wrapperFor(arg, qemu) : arg
  })
}

// Every asynchronous spawn (spawn, fork, exec, execFile) ends in ChildProcess.prototype.spawn.
const { ChildProcess } = childProcess
const spawn = ChildProcess.prototype.spawn
ChildProcess.prototype.spawn = function (options) {
  const qemu = options && emulatorFor(options.file, options.envPairs && Object.fromEntries(options.envPairs.map((pair) => pair.split(/=(.*)/s))))
  if (qemu) {
    options = { ...options, args: [qemu, resolve(options.file), ...options.args.slice(1)], file: qemu }
  } else if (options && Array.isArray(options.args)) {
    options = { ...options, args: [options.args[0], ...wrapForeignArgs(options.args.slice(1))] }
  }
  return spawn.call(this, options)
}

// The synchronous ones call the module's own spawnSync, so each export is wrapped.
for (const name of ['spawnSync', 'execFileSync']) {
  const original = childProcess[name]
  childProcess[name] = function (file, args, options) {
    const opts = Array.isArray(args) ? options : args
    const qemu = typeof file === 'string' && emulatorFor(file, opts && opts.env)
    if (!qemu) {
      if (!Array.isArray(args)) return original.apply(this, arguments)
      return original.call(this, file, wrapForeignArgs(args), options)
    }
    return Array.isArray(args) ? original.call(this, qemu, [resolve(file), ...args], options) : original.call(this, qemu, [resolve(file)], args)
  }
}
syncBuiltinESMExports()

// Programs that start `node` by name (`npm run` scripts, `#!/usr/bin/env node`) find this runtime first
// on PATH, as they would on the target machine.
const self = emulatorFor(process.execPath)
if (self) {
  const bin = wrapperFor(process.execPath, self, basename(process.execPath))
  const dir = dirname(bin)
  if (!(process.env.PATH ?? '').split(delimiter).includes(dir)) process.env.PATH = `${dir}${delimiter}${process.env.PATH ?? ''}`
}
