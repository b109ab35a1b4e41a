//! The layout of a multishot `recvmsg` completion's buffer: a `struct io_uring_recvmsg_out`
//! header (name length, control length, payload length, flags: four `u32`), then the room asked
//! for the name, then the room asked for control messages (none here), then the payload, cut at
//! the end of the buffer. Bounds-checked: nothing past the bytes the kernel reported is read.

/// One datagram read out of its buffer.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Datagram<'a> {
    /// The sender's raw `struct sockaddr` (as long as the kernel reported, at most the room).
    pub name: &'a [u8],
    pub payload: &'a [u8],
    /// The datagram was longer than what the buffer held.
    pub truncated: bool,
}

const HEADER: usize = 16;

fn word(bytes: &[u8], at: usize) -> usize {
    u32::from_ne_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize
}

/// The datagram in `filled` (the bytes the completion reported) of a receive that asked for
/// `name_room` bytes of name and no control messages; `None` when the header does not fit.
pub(super) fn parse(filled: &[u8], name_room: usize) -> Option<Datagram<'_>> {
    let payload_at = HEADER.checked_add(name_room)?;
    if filled.len() < payload_at {
        return None;
    }
    let (name_len, payload_len, flags) = (word(filled, 0), word(filled, 8), word(filled, 12));
    let payload = &filled[payload_at..];
    let payload = &payload[..payload.len().min(payload_len)];
    Some(Datagram {
        name: &filled[HEADER..HEADER + name_len.min(name_room)],
        payload,
        truncated: flags & libc::MSG_TRUNC as usize != 0 || payload.len() < payload_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(name_len: u32, payload_len: u32, flags: u32, name: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        for w in [name_len, 0, payload_len, flags] {
            b.extend_from_slice(&w.to_ne_bytes());
        }
        let mut room = name.to_vec();
        room.resize(8, 0);
        b.extend_from_slice(&room);
        b.extend_from_slice(payload);
        b
    }

    #[test]
    fn a_datagram_is_read_with_its_sender_and_payload() {
        let b = buffer(4, 5, 0, b"addr", b"hello");
        let d = parse(&b, 8).unwrap();
        assert_eq!(
            (d.name, d.payload, d.truncated),
            (&b"addr"[..], &b"hello"[..], false)
        );
    }

    #[test]
    fn a_cut_payload_or_msg_trunc_is_truncated_and_a_long_name_is_cut_to_its_room() {
        let b = buffer(200, 9, 0, b"12345678", b"hello");
        let d = parse(&b, 8).unwrap();
        assert_eq!(
            (d.name.len(), d.payload, d.truncated),
            (8, &b"hello"[..], true)
        );
        let b = buffer(0, 2, libc::MSG_TRUNC as u32, b"", b"hi");
        assert!(parse(&b, 8).unwrap().truncated);
    }

    #[test]
    fn a_buffer_shorter_than_its_header_is_refused() {
        assert_eq!(parse(&[0; 20], 8), None);
        assert_eq!(parse(&[], 8), None);
    }
}
