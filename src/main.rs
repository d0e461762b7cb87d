//! The `funnel` binary: a thin shell around the library.

mod cli;

fn main() {
    std::process::exit(cli::run());
}

/// mimalloc instead of the system's allocator: a command that reads every
/// deal makes a few small allocations per deal on every core (a table, its
/// keys, an ID), which mimalloc serves with less work and fewer locks than
/// glibc. At 50,000 deals, CPU: `board` 220 -> 196 ms, `doctor` 380 -> 300,
/// `check` 405 -> 315. Built without transparent huge pages (`no_thp`):
/// with them it took a third less CPU again on a quiet machine, but when
/// another program had just churned memory (a `git log --raw` of the whole
/// history) every huge page waited on the kernel compacting memory, and a
/// warm `report` took twice as long.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
