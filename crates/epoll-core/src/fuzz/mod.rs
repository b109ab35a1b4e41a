//! Fuzz targets for every function of the core that decodes bytes coming from outside: raw sockaddrs
//! (from JavaScript), unix paths, `SCM_RIGHTS` control messages, inotify records, the
//! `LISTEN_PID`/`LISTEN_FDS`/`LISTEN_FDNAMES` environment and `NOTIFY_SOCKET`. (The core parses no
//! netlink messages and no `SCM_CREDENTIALS`: those stay raw bytes for the caller.)
//!
//! cargo-fuzz needs a nightly compiler, so these run in `cargo test` instead (and so in `npm test`):
//! each target starts from its committed corpus (`fuzz-corpus/<target>/`), then checks a bounded
//! number of mutations of it, drawn by a xorshift generator with a fixed seed, so that every run
//! checks the same inputs and a failure names the input that caused it. `EPOLL_FUZZ_ITERATIONS`
//! raises the count for a longer local search. Each check asserts no panic and the decoder's
//! invariants.

mod targets;

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Mutations checked per target in a plain `cargo test` run (a fraction of a second each).
const DEFAULT_ITERATIONS: usize = 20_000;

/// No input grows beyond this: every decoder here reads at most a page or two.
const MAX_LEN: usize = 4096;

/// Marsaglia's xorshift64: small, fast, and the same sequence on every machine.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bytes and words that sit on the edges decoders trip over: zero, all ones, sign bits, lengths
/// around a header, separators of the text formats.
const INTERESTING_BYTES: [u8; 12] = [0, 1, 0x7f, 0x80, 0xff, 16, 17, 108, b':', b'@', b'/', b'0'];
const INTERESTING_WORDS: [u64; 10] = [
    0,
    1,
    15,
    16,
    17,
    24,
    0x7fff_ffff,
    0xffff_ffff,
    u64::MAX,
    1 << 40,
];

/// One random change to `input`, drawing on `corpus` for splices.
fn mutate_once(rng: &mut XorShift, input: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    let len = input.len();
    match rng.below(8) {
        0 if len > 0 => {
            let at = rng.below(len);
            input[at] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let at = rng.below(len);
            input[at] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())];
        }
        2 => {
            let at = rng.below(len + 1);
            input.insert(at, rng.next() as u8);
        }
        3 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below(len - at);
            input.drain(at..at + n);
        }
        4 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(64));
            let chunk = input[at..at + n].to_vec();
            let to = rng.below(len + 1);
            input.splice(to..to, chunk);
        }
        5 => {
            let other = &corpus[rng.below(corpus.len())];
            if !other.is_empty() {
                let from = rng.below(other.len());
                let to = rng.below(len + 1);
                input.truncate(to);
                input.extend_from_slice(&other[from..]);
            }
        }
        6 if len > 0 => input.truncate(rng.below(len)),
        _ => {
            let word = INTERESTING_WORDS[rng.below(INTERESTING_WORDS.len())].to_ne_bytes();
            let width = [4, 8][rng.below(2)];
            let at = rng.below(len + 1);
            let end = (at + width).min(input.len());
            input.splice(at..end, word[..width].iter().copied());
        }
    }
    input.truncate(MAX_LEN);
}

/// The committed inputs of `target`, in name order.
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz-corpus")
        .join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus of {target} ({}): {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    let inputs: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!inputs.is_empty(), "the corpus of {target} is empty");
    inputs
}

/// Checks `check` on every corpus input of `target`, then on bounded mutations of them. A panic
/// (an invariant that failed, or the decoder's own) fails the test with the input in hex.
pub fn run(target: &str, check: impl Fn(&[u8])) {
    let corpus = corpus(target);
    let iterations = std::env::var("EPOLL_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_ITERATIONS);
    // The seed is the target's name: each target draws its own fixed sequence.
    let seed = target.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut rng = XorShift::new(seed);
    let try_one = |input: &[u8], round: usize| {
        if catch_unwind(AssertUnwindSafe(|| check(input))).is_err() {
            let hex: String = input.iter().map(|b| format!("{b:02x}")).collect();
            panic!("fuzz target {target} failed at round {round} (seed {seed:#x}) on input {hex}");
        }
    };
    for (i, input) in corpus.iter().enumerate() {
        try_one(input, i);
    }
    for round in 0..iterations {
        let mut input = corpus[rng.below(corpus.len())].clone();
        for _ in 0..=rng.below(4) {
            mutate_once(&mut rng, &mut input, &corpus);
        }
        try_one(&input, corpus.len() + round);
    }
}

#[test]
fn xorshift_is_the_published_sequence_and_mutations_stay_bounded() {
    let mut rng = XorShift::new(1);
    // xorshift64 (13, 7, 17) from 1: the first outputs are fixed, whatever the machine.
    assert_eq!(rng.next(), 0x4082_2041);
    let corpus = vec![vec![0u8; 8]];
    let mut input = vec![0u8; MAX_LEN];
    for _ in 0..1000 {
        mutate_once(&mut rng, &mut input, &corpus);
        assert!(input.len() <= MAX_LEN);
    }
}
