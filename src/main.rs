//! The `funnel` binary: a thin shell around the library.

mod cli;

fn main() {
    std::process::exit(cli::run());
}

/// mimalloc instead of the system's allocator: a command that reads every
/// deal makes a few small allocations per deal on every core (a table, its
/// keys, an ID), and glibc's allocator took each new 4 KiB page in a page
/// fault; mimalloc asks for transparent huge pages where the system allows
/// them (2 MiB, one fault for 512 pages). At 50,000 deals `board` takes
/// 235 -> 175 ms of CPU, `check` 430 -> 260, `doctor` 410-450 -> 250-310,
/// and a cold `report` at 20,000 deals 4.7 -> 3.4 s (peak 185 -> 216 MB;
/// at 50,000 deals its peak is 333 MB).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
