/**
 * Issue 23, item 8: an errno the core's old short list did not name became an invented code (`'E94'`).
 * Every errno Linux defines now has its name from one table in the core (checked against Node for every
 * errno in `__test__/package/constants-agree.spec.ts`); these are the cases a user meets.
 */
import test from 'ava'
import { getSystemErrorName } from 'node:util'

import { close, listen, socket } from '../../index.js'
import { throwsSystemError } from '../helpers/errors.js'

test("socket('ipv4', 'seqpacket') throws ESOCKTNOSUPPORT, the name Node gives errno 94", (t) => {
  const error = throwsSystemError(t, () => socket('ipv4', 'seqpacket'), 'ESOCKTNOSUPPORT', 'socket')
  t.is(error?.errno, -94)
  t.is(getSystemErrorName(-94), 'ESOCKTNOSUPPORT')
})

test('an operation a socket type does not support throws ENOTSUP, the name Node gives errno 95', (t) => {
  const fd = socket('ipv4', 'dgram')
  // listen() on a datagram socket: EOPNOTSUPP, which Node (libuv) spells ENOTSUP.
  const error = throwsSystemError(t, () => listen(fd, 1), 'ENOTSUP', 'listen')
  t.is(error?.errno, -95)
  t.is(getSystemErrorName(-95), 'ENOTSUP')
  close(fd)
})
