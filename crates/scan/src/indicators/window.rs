//! The last `period` inputs of a streaming state, for the indicators whose TA-Lib
//! algorithm reads values leaving the window or rescans the whole window.

/// A ring buffer holding the last `period` values, oldest first when read as two slices.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    values: Vec<f64>,
    /// Next write position; once full, also the oldest value.
    next: usize,
    len: usize,
}

impl Window {
    pub(crate) fn new(period: usize) -> Self {
        Window {
            values: vec![0.0; period],
            next: 0,
            len: 0,
        }
    }

    /// Appends `x`, dropping the oldest value once full.
    #[inline]
    pub(crate) fn push(&mut self, x: f64) {
        self.values[self.next] = x;
        self.next += 1;
        if self.next == self.values.len() {
            self.next = 0;
        }
        if self.len < self.values.len() {
            self.len += 1;
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.values.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len == self.values.len()
    }

    /// The oldest value; meaningful once full.
    #[inline]
    pub(crate) fn oldest(&self) -> f64 {
        self.values[self.next]
    }

    /// The full window, oldest first, as two slices.
    #[inline]
    pub(crate) fn halves(&self) -> (&[f64], &[f64]) {
        let (newer, older) = self.values.split_at(self.next);
        (older, newer)
    }
}
