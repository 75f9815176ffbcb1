//! Cache hints: ask the processor to start fetching memory that is about
//! to be read, so that several fetches overlap instead of each stalling in
//! turn. Used where a loop walks ids whose records lie at random places
//! (relation inserts, rows of a hop). A hint never faults and changes no
//! state, so a wrong one only costs its own time.

/// Asks the CPU to bring the cache line at `p` closer (a no-op where the
/// target has no such hint).
#[inline]
pub fn prefetch<T: ?Sized>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it reads nothing the program sees and
    // never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
