//! The `funnel` binary: a thin shell around the library.

mod cli;

fn main() {
    tune_allocator();
    std::process::exit(cli::run());
}

/// Asks glibc's allocator to grow its heaps 64 MiB at a time. A command
/// that loads 20,000 deals on two threads otherwise grows each thread's
/// heap 128 KiB at a time, one `mprotect` and its page-table work per step:
/// a sixth of `board`'s, `doctor`'s and `list`'s CPU time (measured with
/// `GLIBC_TUNABLES=glibc.malloc.top_pad=67108864`: board 133 -> 114 ms,
/// doctor 189 -> 156 ms, list --all 256 -> 212 ms). Address space only:
/// pages are still touched, and counted, only when used.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt sets a number in the allocator's parameters; it is
    // called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}
