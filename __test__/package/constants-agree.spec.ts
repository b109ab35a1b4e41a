/**
 * Every constant the TypeScript layer writes down is the core's. The core defines each family once (from
 * `libc` where libc has it) and the binding hands the tables out as `constantTables()`; the package keeps
 * typed copies (literal types, importable where the binding cannot load). For each family the copy has
 * the same names as the core's table, both ways, every value equal, and each name is also a named export
 * of the package with that value. This is the one check of them: every constant, not a sample.
 */
import test from 'ava'
import { constants as osConstants } from 'node:os'
import { getSystemErrorName } from 'node:util'

import * as epoll from '../../index.js'
import {
  ADDRESS_SLOT_SIZE,
  constants,
  DEFAULT_BACKLOG,
  DEFAULT_EVENTS,
  DEFAULT_MAX_EVENTS,
  EPOLLIN,
  EPOLLOUT,
  EPOLLPRI,
  inotifyConstants,
  IOV_MAX,
  ioctlConstants,
  MAX_EVENTS_PER_POLL,
  MAX_MESSAGES,
  META_STRIDE,
  NOT_READ,
  SCM_MAX_FD,
  socketConstants,
  WOULD_BLOCK,
} from '../../index.js'
import { MAX_TIMER_MS } from '../../lib/internal/validators.js'
import { STOP_BUDGET, STOP_EOF, STOP_ERROR_NEXT, STOP_WOULD_BLOCK } from '../../lib/io/stream-read.js'
import { ROOT } from '../helpers/child.js'

type Family = 'epoll' | 'socket' | 'inotify' | 'ioctl' | 'errno' | 'limits'
type Table = Record<string, number>

const tables = require(`${ROOT}/binding.js`).constantTables() as Record<Family, Table>
const exported = epoll as unknown as Record<string, unknown>

/** The package's table for each family the core has one for (`limits` has no table: see below). */
const TYPESCRIPT_TABLES: Record<Exclude<Family, 'limits' | 'errno'>, [name: string, table: Table]> = {
  epoll: ['constants', constants],
  socket: ['socketConstants', socketConstants],
  inotify: ['inotifyConstants', inotifyConstants],
  ioctl: ['ioctlConstants', ioctlConstants],
}

/** The limits the package exports one by one (and the validators' timer limit), by their table names. */
const LIMITS: Table = {
  DEFAULT_EVENTS,
  MAX_EVENTS_PER_POLL,
  DEFAULT_MAX_EVENTS,
  DEFAULT_BACKLOG,
  IOV_MAX,
  MAX_TIMER_MS,
  MAX_MESSAGES,
  META_STRIDE,
  ADDRESS_SLOT_SIZE,
  SCM_MAX_FD,
  NOT_READ,
  WOULD_BLOCK,
}

test('the binding hands out the six families, each a table of numbers', (t) => {
  t.deepEqual(Object.keys(tables).sort(), ['epoll', 'errno', 'inotify', 'ioctl', 'limits', 'socket'])
  for (const [family, table] of Object.entries(tables)) {
    t.true(Object.keys(table).length > 0, `${family} is not empty`)
    for (const [name, value] of Object.entries(table)) t.is(typeof value, 'number', `${family}.${name}`)
  }
})

for (const [family, [tableName, ours]] of Object.entries(TYPESCRIPT_TABLES)) {
  test(`${tableName} is the core's ${family} table: the same names both ways, every value equal, each a named export, frozen`, (t) => {
    const core = tables[family as Family]
    t.deepEqual(Object.keys(ours).filter((name) => !(name in core)).sort(), [], `in ${tableName}, missing from the core's table`)
    t.deepEqual(Object.keys(core).filter((name) => !(name in ours)).sort(), [], `in the core's table, missing from ${tableName}`)
    for (const [name, value] of Object.entries(core)) t.is(ours[name], value, `${tableName}.${name}`)
    t.deepEqual({ ...ours }, { ...core })
    for (const [name, value] of Object.entries(core)) t.is(exported[name], value, `the named export ${name}`)
    t.true(Object.isFrozen(ours), `${tableName} is frozen`)
  })
}

test("every limit the package exports is the core's limits entry of that name", (t) => {
  const core = tables.limits
  t.deepEqual(Object.keys(LIMITS).filter((name) => !(name in core)), [], "limits missing from the core's table")
  for (const [name, value] of Object.entries(LIMITS)) t.is(core[name], value, name)
  for (const [name, value] of Object.entries(LIMITS)) if (name !== 'MAX_TIMER_MS') t.is(exported[name], value, `the named export ${name}`)
  t.is(MAX_TIMER_MS, 2 ** 63 * 1000, 'the kernel holds a timer of up to 2**63 s')
  t.is(DEFAULT_EVENTS, EPOLLIN | EPOLLPRI | EPOLLOUT)
  t.is(DEFAULT_MAX_EVENTS, 1024)
  t.is(ADDRESS_SLOT_SIZE, 128, 'sizeof(struct sockaddr_storage)')
})

test("the reasons a stream's read turn stops are the core's (lib/io/stream-read.ts keeps copies, not exported)", (t) => {
  const core = tables.limits
  t.deepEqual(
    [core.STREAM_STOP_WOULD_BLOCK, core.STREAM_STOP_BUDGET, core.STREAM_STOP_EOF, core.STREAM_STOP_ERROR_NEXT],
    [STOP_WOULD_BLOCK, STOP_BUDGET, STOP_EOF, STOP_ERROR_NEXT],
  )
})

test('values every Linux ABI the package builds for shares, as a reader can check them in the headers', (t) => {
  t.deepEqual([epoll.AF_INET, epoll.AF_INET6, epoll.AF_UNIX, epoll.AF_NETLINK, epoll.AF_CAN], [2, 10, 1, 16, 29])
  t.deepEqual([epoll.SOL_SOCKET, epoll.SO_REUSEADDR, epoll.SO_RCVBUF, epoll.TCP_NODELAY, epoll.IPV6_V6ONLY], [1, 2, 8, 1, 26])
  t.is(epoll.IN_ONESHOT, 0x80000000, 'unsigned, like EPOLLET')
  t.is(epoll.IN_CLOSE, epoll.IN_CLOSE_WRITE | epoll.IN_CLOSE_NOWRITE)
  t.is(epoll.EPOLLET, 0x80000000, 'unsigned')
})

/** The name the core gives an errno value: the first entry of its table with that value (Node's spelling). */
function coreErrnoName(errno: number): string | undefined {
  return Object.entries(tables.errno).find(([, value]) => value === errno)?.[0]
}

test("the core's errno table names every errno 1..133 as Node does, and agrees with os.constants.errno", (t) => {
  const unknown = /^Unknown system error/
  const byValue = new Map<number, string[]>()
  for (const [name, value] of Object.entries(osConstants.errno)) byValue.set(value, [...(byValue.get(value) ?? []), name])
  const unnamed: number[] = []
  for (let errno = 1; errno <= 133; errno++) {
    const ours = coreErrnoName(errno)
    const node = getSystemErrorName(-errno)
    if (ours === undefined) {
      unnamed.push(errno)
      t.regex(node, unknown, `Node names ${errno} (${node}); the core does not`)
      t.false(byValue.has(errno), `os.constants.errno names ${errno}; the core does not`)
      continue
    }
    t.regex(ours, /^E[A-Z0-9]+$/, `${errno}`)
    // Where Node (libuv) knows the number, its name is the code: what Node's own fs and net throw.
    if (!unknown.test(node)) t.is(ours, node, `errno ${errno}`)
    else if (byValue.has(errno)) t.true(byValue.get(errno)!.includes(ours), `errno ${errno}: ${ours} is one of ${byValue.get(errno)}`)
  }
  t.deepEqual(unnamed, [41, 58], 'Linux leaves 41 and 58 unused on x86 and arm')
  for (const [name, value] of Object.entries(osConstants.errno)) t.is(tables.errno[name], value, `os.constants.errno.${name}`)
})
