//! The bytes each round trip sends: different for every connection and every round, so that an echo
//! from another connection, a stale echo or a flipped byte cannot pass the check.

/// Fills `out` with the message of round `seq` on connection `conn` (xorshift64 over a per-round seed).
pub fn fill(out: &mut [u8], conn: usize, seq: u64) {
    let mut state = (conn as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ seq.wrapping_mul(0xD1B5_4A32_D192_ED03)
        | 1;
    for chunk in out.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let bytes = state.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differs_between_rounds_and_between_connections() {
        let (mut a, mut b, mut c) = ([0u8; 64], [0u8; 64], [0u8; 64]);
        fill(&mut a, 3, 10);
        fill(&mut b, 3, 11);
        fill(&mut c, 4, 10);
        assert_ne!(a, b);
        assert_ne!(a, c);
        let mut again = [0u8; 64];
        fill(&mut again, 3, 10);
        assert_eq!(a, again);
    }
}
