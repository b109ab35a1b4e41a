//! The fd room of the binding: reads and writes on any fd (`io.rs`), the kernel counters
//! (`counters.rs`: eventfd, timerfd), blocking mode (`blocking.rs`), the batch calls that serve many
//! fds per crossing (`batch.rs`), and a stream's read turn (`burst.rs`).

mod batch;
mod blocking;
mod burst;
mod counters;
mod io;

pub use batch::{poll_read, write_many, write_slots};
pub use burst::{read_burst, read_messages};
pub use io::{read, write};
