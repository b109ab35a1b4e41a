//! The io_uring engine's binding: the thread's one ring (`ringOpen`) and its turn (`ringTurn`,
//! hand-made in `calls.rs`: operations in, completions out, one crossing and one `io_uring_enter`).
//!
//! One ring per JavaScript thread, kept here in a thread-local: the ring is `SINGLE_ISSUER`, and
//! the thread that made it is the one whose event loop watches its fd. It lives until the thread
//! ends (a worker's thread-local is dropped with it, which cancels and waits for what is in flight).
//! `ringClose` closes it earlier; the package itself never needs to (nothing in `lib/` calls it).

mod turn;

use std::cell::RefCell;

use epoll_core::uring::{Ring, RingSize};
use napi_derive::napi;

pub use turn::ring_turn;

thread_local! {
    /// This thread's ring, once `ringOpen` made it.
    static RING: RefCell<Option<Ring>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's ring (`None` before `ringOpen` or after `ringClose`).
fn with_ring<T>(f: impl FnOnce(Option<&mut Ring>) -> T) -> T {
    RING.with(|ring| f(ring.borrow_mut().as_mut()))
}

/// What `ringOpen` made: the ring's fd and setup, or why there is no ring (`fd` -1).
#[napi(object)]
pub struct RingOpened {
    /// The ring's fd (it polls readable while completions wait), or -1.
    pub fd: i32,
    /// The setup flags the kernel accepted (`SINGLE_ISSUER+COOP_TASKRUN+TASKRUN_FLAG`), or ''.
    pub setup: String,
    /// Why there is no ring, or ''.
    pub reason: String,
    /// The errno of the refused call, or 0.
    pub errno: i32,
    /// Bytes of one receive buffer: the room a turn needs per receive completion.
    pub buffer_size: u32,
}

/// `ringOpen()`: this thread's ring, made on the first call (later calls report the same ring).
#[napi(catch_unwind)]
pub fn ring_open() -> RingOpened {
    RING.with(|slot| {
        let mut slot = slot.borrow_mut();
        let size = RingSize::default();
        if slot.is_none() {
            match Ring::new(size) {
                Ok(ring) => *slot = Some(ring),
                Err(why) => {
                    return RingOpened {
                        fd: -1,
                        setup: String::new(),
                        reason: why.reason,
                        errno: why.errno.unwrap_or(0),
                        buffer_size: 0,
                    }
                }
            }
        }
        let ring = slot.as_ref().expect("made above");
        RingOpened {
            fd: ring.fd(),
            setup: ring.setup().to_string(),
            reason: String::new(),
            errno: 0,
            buffer_size: size.buffer_size,
        }
    })
}

/// `ringClose()`: cancels what is in flight, waits for it, and closes this thread's ring.
#[napi(catch_unwind)]
pub fn ring_close() {
    // Taken out of the cell first: dropping the ring waits for the kernel.
    let ring = RING.with(|slot| slot.borrow_mut().take());
    drop(ring);
}
