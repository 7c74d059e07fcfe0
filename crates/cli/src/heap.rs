//! Heap tuning for a process that computes columns over and over.
//!
//! A market-wide computation allocates thousands of output columns (5,000 series × 250
//! bars is 10 MB), uses them and frees them. By default glibc hands freed memory at the
//! top of its heap back to the kernel and serves blocks over its (adaptive) mmap
//! threshold with fresh mappings, so the next computation pays a page fault for every
//! 4 KiB it writes — more than the arithmetic of most indicators. Keeping freed memory
//! in the heap lets the next computation reuse pages that are already mapped; the
//! process's peak footprint is unchanged, it is just not returned early.

/// Keeps freed heap memory for reuse instead of returning it to the kernel, and serves
/// columns up to glibc's largest mmap threshold (32 MiB: a 4M-bar column) from the heap.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    const M_TRIM_THRESHOLD: i32 = -1;
    const M_MMAP_THRESHOLD: i32 = -3;
    extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    // SAFETY: `mallopt` only changes allocator tunables; it is called before any other
    // thread exists. A refusal (returned 0) leaves the defaults, which is harmless.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}
