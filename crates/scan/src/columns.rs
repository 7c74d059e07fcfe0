//! An indicator's output columns over one series, held in one allocation.
//!
//! A market scan computes an indicator for thousands of short series at once; one
//! block per series instead of one per column (plus the list of columns) divides the
//! allocations and frees by up to four, and freeing 10,000 cold blocks cost as much as
//! the arithmetic of the cheaper indicators.

use std::mem::MaybeUninit;
use std::ops::Index;

/// Output columns of equal length, in the order of the indicator's outputs, stored one
/// after another in one buffer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Columns {
    values: Vec<f64>,
    count: usize,
}

impl Columns {
    /// One column, without copying it.
    pub fn single(column: Vec<f64>) -> Self {
        Columns {
            values: column,
            count: 1,
        }
    }

    /// `K` columns of `len` values each, their first `lookback` (at most `len`) `NaN`,
    /// the rest written by `fill` straight into the buffer's uninitialised room.
    ///
    /// This is how the batch loops write their outputs: each value is written once
    /// (filling with `NaN` first touches every page twice), and without `Vec::push`,
    /// whose capacity check has an out-of-line growth path around which the compiler
    /// spills the loop's running totals to the stack, lengthening the very dependency
    /// chain that bounds these loops. `fill` gets `K` slices of `len - lookback` slots
    /// (empty when `len <= lookback`).
    ///
    /// # Safety
    ///
    /// `fill` must write every slot of every slice it is given, unless it panics.
    #[inline(always)]
    pub(crate) unsafe fn build<const K: usize>(
        len: usize,
        lookback: usize,
        fill: impl FnOnce([&mut [MaybeUninit<f64>]; K]),
    ) -> Self {
        let lookback = lookback.min(len);
        let mut values = Vec::with_capacity(K * len);
        crate::memory::advise_huge_pages(&mut values);
        let room = values.spare_capacity_mut();
        let mut rest = &mut room[..K * len];
        let slots = std::array::from_fn(|_| {
            let (column, tail) = std::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            let (undefined, defined) = column.split_at_mut(lookback);
            undefined.fill(MaybeUninit::new(f64::NAN));
            defined
        });
        fill(slots);
        // SAFETY: each column's first `lookback` values were written above, the rest by
        // `fill`, as the caller guarantees; the capacity is at least `K * len`.
        unsafe { values.set_len(K * len) };
        Columns { values, count: K }
    }

    /// `count` columns of equal length, stored one after another in `values`.
    pub(crate) fn from_values(values: Vec<f64>, count: usize) -> Self {
        debug_assert!(count > 0 && values.len().is_multiple_of(count));
        Columns { values, count }
    }

    /// `count` columns of `len` values, all `value`.
    #[inline(always)]
    pub(crate) fn filled(count: usize, len: usize, value: f64) -> Self {
        Columns {
            values: vec![value; count * len],
            count,
        }
    }

    /// Column `k`, to write.
    pub(crate) fn column_mut(&mut self, k: usize) -> &mut [f64] {
        assert!(k < self.count, "column {k} of {}", self.count);
        let len = self.len();
        &mut self.values[k * len..(k + 1) * len]
    }

    /// The `K` columns, to write; `K` must be [`Columns::count`].
    #[inline(always)]
    pub(crate) fn each_mut<const K: usize>(&mut self) -> [&mut [f64]; K] {
        assert_eq!(K, self.count, "columns asked for");
        let len = self.len();
        let mut rest = &mut self.values[..];
        std::array::from_fn(|_| {
            let (column, tail) = std::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            column
        })
    }

    /// How many columns.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Values per column.
    pub fn len(&self) -> usize {
        self.values.len().checked_div(self.count).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The columns in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[f64]> + '_ {
        (0..self.count).map(move |k| &self[k])
    }

    /// The values, column after column.
    pub(crate) fn into_values(self) -> Vec<f64> {
        self.values
    }

    /// The only column, without copying; `None` unless there is exactly one.
    pub fn into_single(self) -> Option<Vec<f64>> {
        (self.count == 1).then_some(self.values)
    }
}

impl Index<usize> for Columns {
    type Output = [f64];

    /// Column `k`.
    fn index(&self, k: usize) -> &[f64] {
        assert!(k < self.count, "column {k} of {}", self.count);
        let len = self.len();
        &self.values[k * len..(k + 1) * len]
    }
}

/// A multi-output indicator's whole-series result: its [`Columns`] with an accessor per
/// output, named as in the scan language (`macd().signal`).
macro_rules! named_columns {
    ($(#[$doc:meta])* $name:ident { $($output:ident: $index:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name($crate::columns::Columns);

        impl $name {
            $(
                pub fn $output(&self) -> &[f64] {
                    &self.0[$index]
                }
            )+

            /// The columns in output order.
            pub fn into_columns(self) -> $crate::columns::Columns {
                self.0
            }
        }
    };
}
pub(crate) use named_columns;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_writes_the_lookback_as_nan_and_keeps_columns_apart() {
        // SAFETY: the closure writes every slot it is given.
        let c = unsafe {
            Columns::build::<2>(4, 1, |[a, b]| {
                for (i, (a, b)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
                    a.write(i as f64);
                    b.write(10.0 + i as f64);
                }
            })
        };
        assert_eq!((c.count(), c.len()), (2, 4));
        assert!(c[0][0].is_nan() && c[1][0].is_nan());
        assert_eq!(
            (&c[0][1..], &c[1][1..]),
            (&[0.0, 1.0, 2.0][..], &[10.0, 11.0, 12.0][..])
        );
        assert_eq!(c.iter().count(), 2);
        assert_eq!(c.into_single(), None);
    }

    #[test]
    fn a_lookback_past_the_end_leaves_only_nan() {
        // SAFETY: there are no slots to write.
        let c = unsafe {
            Columns::build::<3>(2, 5, |slots| assert!(slots.iter().all(|s| s.is_empty())))
        };
        assert_eq!(c.len(), 2);
        assert!(c.iter().flatten().all(|v| v.is_nan()));
    }

    #[test]
    fn a_single_column_round_trips_without_copying() {
        let column = vec![1.0, 2.0];
        let ptr = column.as_ptr();
        let back = Columns::single(column).into_single().expect("one column");
        assert_eq!(back.as_ptr(), ptr);
    }

    #[test]
    fn empty_columns_have_no_values() {
        let c = Columns::single(Vec::new());
        assert_eq!((c.count(), c.len(), c.is_empty()), (1, 0, true));
        assert!(c[0].is_empty());
    }
}
