import test from 'ava'
import { networkInterfaces } from 'node:os'

import { AF_CAN, AF_NETLINK, bind, CAN_RAW, localAddress, NETLINK_ROUTE, sendTo, socket } from '../../index.js'
import { receive } from '../helpers/datagrams.js'
import { closeAll, fdFlags } from '../helpers/readiness.js'
import { testIf } from '../helpers/skip-if.js'

const RTM_GETLINK = 18
const RTM_NEWLINK = 16
const NLMSG_DONE = 3
const NLMSG_ERROR = 2
const NLM_F_REQUEST = 0x1
const NLM_F_DUMP = 0x300
const IFLA_IFNAME = 3

/** A `struct sockaddr_nl`: family, padding, port id, multicast groups (native byte order). */
function sockaddrNl(pid = 0, groups = 0): Uint8Array {
  const bytes = new Uint8Array(12)
  const view = new DataView(bytes.buffer)
  view.setUint16(0, AF_NETLINK, true)
  view.setUint32(4, pid, true)
  view.setUint32(8, groups, true)
  return bytes
}

/** An `RTM_GETLINK` dump request: `nlmsghdr` + `ifinfomsg`. */
function getLinkRequest(seq: number): Buffer {
  const message = Buffer.alloc(32)
  message.writeUInt32LE(32, 0)
  message.writeUInt16LE(RTM_GETLINK, 4)
  message.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6)
  message.writeUInt32LE(seq, 8)
  return message
}

/** The interface names in a batch of `RTM_NEWLINK` messages; `done` once `NLMSG_DONE` came. */
function parseLinks(data: Buffer, names: string[]): boolean {
  for (let at = 0; at + 16 <= data.length; ) {
    const length = data.readUInt32LE(at)
    const type = data.readUInt16LE(at + 4)
    if (type === NLMSG_DONE) return true
    if (type === NLMSG_ERROR) throw new Error(`netlink error ${data.readInt32LE(at + 16)}`)
    if (type === RTM_NEWLINK) {
      for (let attr = at + 32; attr + 4 <= at + length; ) {
        const attrLength = data.readUInt16LE(attr)
        if (attrLength < 4) break
        if (data.readUInt16LE(attr + 2) === IFLA_IFNAME) names.push(data.toString('utf8', attr + 4, attr + attrLength).replace(/\0+$/, ''))
        attr += (attrLength + 3) & ~3
      }
    }
    at += (length + 3) & ~3
  }
  return false
}

test('an AF_NETLINK NETLINK_ROUTE socket lists the interfaces through raw sockaddrs; the reply names lo', async (t) => {
  const fd = socket('netlink', 'raw', NETLINK_ROUTE)
  t.teardown(() => closeAll(fd))
  t.deepEqual(fdFlags(fd), { nonBlocking: true, closeOnExec: true })
  bind(fd, sockaddrNl())
  const local = localAddress<Uint8Array>(fd)
  t.true(local instanceof Uint8Array, 'a family the package does not decode comes back raw')
  t.is(local.byteLength, 12)
  const view = new DataView(local.buffer, local.byteOffset)
  t.is(view.getUint16(0, true), AF_NETLINK)
  t.not(view.getUint32(4, true), 0, 'the kernel assigned a port id')
  t.is(sendTo(fd, getLinkRequest(1), sockaddrNl(0)), 32)
  const names: string[] = []
  const buffer = Buffer.alloc(32 * 1024)
  for (let done = false; !done; ) {
    const got = await receive(fd, buffer)
    t.false(got.truncated)
    t.true(got.address instanceof Uint8Array)
    t.is(new DataView((got.address as Uint8Array).buffer).getUint32(4, true), 0, 'from the kernel (port id 0)')
    done = parseLinks(buffer.subarray(0, got.bytes), names)
  }
  t.true(names.includes('lo'), names.join(', '))
  for (const name of Object.keys(networkInterfaces())) t.true(names.includes(name), `${name} is listed too`)
})

/** The error a CAN_RAW socket is refused with here (the can and can-raw modules are not loaded), or undefined. */
const canRefusal = (() => {
  try {
    closeAll(socket(AF_CAN, 'raw', CAN_RAW))
    return undefined
  } catch (error) {
    return error as NodeJS.ErrnoException
  }
})()

testIf(canRefusal !== undefined, 'this kernel has CAN support, so there is no refusal to see')('AF_CAN: without the can kernel module a CAN_RAW socket is a coded EAFNOSUPPORT or EPROTONOSUPPORT from socket', (t) => {
  const error = t.throws(() => socket(AF_CAN, 'raw', CAN_RAW)) as NodeJS.ErrnoException
  t.is(error.syscall, 'socket')
  t.true(error.code === 'EAFNOSUPPORT' || error.code === 'EPROTONOSUPPORT', String(error.code))
})

// No SocketCAN traffic is tested: that needs a vcan interface, which needs root and the vcan module.
testIf(canRefusal === undefined, `this kernel has no CAN support (${canRefusal?.code}: the can/can-raw modules are not loaded)`)('AF_CAN: where the kernel has CAN support a CAN_RAW socket opens non-blocking and close-on-exec', (t) => {
  const fd = socket(AF_CAN, 'raw', CAN_RAW)
  t.teardown(() => closeAll(fd))
  t.deepEqual(fdFlags(fd), { nonBlocking: true, closeOnExec: true })
})
