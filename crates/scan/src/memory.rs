//! Memory hints for the large `f64` columns the engine allocates, and the cache size
//! that decides whether a market-wide computation prefetches its columns.
//!
//! Both bar columns of a long history and indicator outputs over it are multi-megabyte
//! buffers that are filled once, front to back. Backing them with transparent huge
//! pages (as numpy does for its arrays) cuts the page faults and TLB misses that
//! otherwise dominate memory-bound indicators such as the true range.

/// Columns of at least this many bytes ask the kernel for transparent huge pages, as
/// numpy does for its arrays (and so for TA-Lib's outputs through the Python wheel).
const HUGE_PAGE_THRESHOLD: usize = 4 << 20;

/// Asks the kernel to back a large, fresh column with transparent huge pages.
///
/// A fresh multi-megabyte allocation is fresh memory from the kernel (glibc maps it, or
/// trims it from its heap when it is freed), and with 4 KiB pages each page faults in on
/// its first write: on the 1M-bar series, the faults of a three-column indicator cost
/// several times its arithmetic (MACD 13 ms instead of 2.3). Each 2 MiB-aligned stretch
/// inside the column then faults in once instead of 512 times; only the unaligned ends
/// stay on small pages (MACD 7 ms). Only a hint (`madvise(MADV_HUGEPAGE)` on the
/// page-aligned inside of the buffer, as numpy does), ignored where huge pages are off;
/// the values are unaffected.
#[cfg(target_os = "linux")]
pub(crate) fn advise_huge_pages(column: &mut Vec<f64>) {
    const PAGE: usize = 4096;
    const MADV_HUGEPAGE: i32 = 14;
    extern "C" {
        fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
    }
    let bytes = column.capacity() * std::mem::size_of::<f64>();
    if bytes < HUGE_PAGE_THRESHOLD {
        return;
    }
    let start = column.as_mut_ptr() as usize;
    let first_page = start.next_multiple_of(PAGE);
    let end = (start + bytes) / PAGE * PAGE;
    // SAFETY: the range lies inside the column's allocation, which we own; the advice
    // changes only how the kernel backs those pages, not their contents. Failure (for
    // example huge pages disabled) is harmless and ignored.
    unsafe {
        madvise(
            first_page as *mut std::ffi::c_void,
            end - first_page,
            MADV_HUGEPAGE,
        )
    };
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn advise_huge_pages(_column: &mut Vec<f64>) {}

/// The size in bytes of the CPU's largest cache (the last level, shared by the cores),
/// or `None` where the system does not say. Read once.
pub(crate) fn last_level_cache_bytes() -> Option<usize> {
    static SIZE: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();
    *SIZE.get_or_init(read_last_level_cache_bytes)
}

#[cfg(target_os = "linux")]
fn read_last_level_cache_bytes() -> Option<usize> {
    let caches = std::fs::read_dir("/sys/devices/system/cpu/cpu0/cache").ok()?;
    caches
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path().join("size")).ok())
        .filter_map(|size| parse_cache_size(&size))
        .max()
}

#[cfg(not(target_os = "linux"))]
fn read_last_level_cache_bytes() -> Option<usize> {
    None
}

/// A cache size as Linux writes it in sysfs: `48K`, `2048K`, `266240K`, `32M`.
fn parse_cache_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let (digits, unit) = match text.strip_suffix(['K', 'M', 'G']) {
        Some(digits) => (digits, &text[digits.len()..]),
        None => (text, ""),
    };
    let scale: usize = match unit {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        _ => 1 << 30,
    };
    digits.parse::<usize>().ok()?.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::parse_cache_size;

    #[test]
    fn reads_sysfs_cache_sizes() {
        assert_eq!(parse_cache_size("48K\n"), Some(48 << 10));
        assert_eq!(parse_cache_size("266240K"), Some(266_240 << 10));
        assert_eq!(parse_cache_size("32M"), Some(32 << 20));
        assert_eq!(parse_cache_size("1G"), Some(1 << 30));
        assert_eq!(parse_cache_size("512"), Some(512));
    }

    #[test]
    fn rejects_what_is_not_a_size() {
        assert_eq!(parse_cache_size(""), None);
        assert_eq!(parse_cache_size("K"), None);
        assert_eq!(parse_cache_size("12 KB"), None);
        assert_eq!(parse_cache_size("-4K"), None);
        assert_eq!(parse_cache_size("99999999999999999999G"), None);
    }
}
