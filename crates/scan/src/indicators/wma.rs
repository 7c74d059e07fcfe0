//! Weighted moving average (TA-Lib `WMA`): weights 1..=period, newest heaviest.
//!
//! TA-Lib does not re-weigh the window each bar. It carries `sub` (the plain sum of the
//! window) and `sum` (the weighted sum), and per bar:
//!
//! 1. `sub += x; sub -= trailing; sum += x * period;`
//! 2. every `8 * period` bars, rebuilds both from the window, oldest first with weights
//!    counting up from 1 (TA-Lib 0.8's re-anchoring, which bounds the drift of the
//!    running totals; the rebuilt bar equals the same bar of a call starting there);
//! 3. `trailing = ` the window's oldest value, output `sum / divider`, `sum -= sub`,
//!
//! with `divider = period * (period + 1) / 2` in floating point. We do exactly that.
//! Period 1 is accepted, as in TA-Lib, and returns the input unchanged.

use super::lanes::{Divisor, Inputs, Lane4, Outputs};
use super::support::{filled_column, Window};
use super::{check_period, ParamError, Streaming, MAX_PERIOD};

/// TA-Lib's `period * (period + 1) / 2`, computed in `f64` as it does.
#[inline]
fn divider(period: usize) -> f64 {
    period as f64 * (period + 1) as f64 / 2.0
}

/// The running totals of TA-Lib's WMA.
#[derive(Debug, Clone)]
struct WmaCore {
    period: usize,
    weight: f64,
    divider: f64,
    sub: f64,
    sum: f64,
    trailing: f64,
    bars_since_reseed: usize,
}

impl WmaCore {
    fn new(period: usize) -> Self {
        WmaCore {
            period,
            weight: period as f64,
            divider: divider(period),
            sub: 0.0,
            sum: 0.0,
            trailing: 0.0,
            bars_since_reseed: 8 * period,
        }
    }

    /// Adds the `nth` (1-based) of the first `period - 1` values.
    #[inline(always)]
    fn prime(&mut self, x: f64, nth: usize) {
        self.sub += x;
        self.sum += x * nth as f64;
    }

    /// Adds `x`, returns the WMA of the window ending with it. `oldest` is the window's
    /// first value and `window` the whole window, oldest first, in two slices.
    #[inline(always)]
    fn step(&mut self, x: f64, oldest: f64, window: (&[f64], &[f64])) -> f64 {
        self.sub += x;
        self.sub -= self.trailing;
        self.sum += x * self.weight;
        self.bars_since_reseed -= 1;
        if self.bars_since_reseed == 0 {
            self.bars_since_reseed = 8 * self.period;
            (self.sub, self.sum) = rebuild(window);
        }
        self.finish(oldest)
    }

    /// [`step`](Self::step) for a bar known not to be a rebuild bar (the rebuilds fall
    /// every `8 * period` bars, so a batch loop can count them out in advance); the
    /// caller accounts for the bar with [`skip`](Self::skip).
    #[inline(always)]
    fn step_between_rebuilds(&mut self, x: f64, oldest: f64) -> f64 {
        self.sub += x;
        self.sub -= self.trailing;
        self.sum += x * self.weight;
        self.finish(oldest)
    }

    /// Bars until the next rebuild, that one excluded.
    #[inline(always)]
    fn bars_before_rebuild(&self) -> usize {
        self.bars_since_reseed - 1
    }

    /// Counts `bars` stepped by [`step_between_rebuilds`](Self::step_between_rebuilds).
    #[inline(always)]
    fn skip(&mut self, bars: usize) {
        self.bars_since_reseed -= bars;
    }

    #[inline(always)]
    fn finish(&mut self, oldest: f64) -> f64 {
        self.trailing = oldest;
        let out = self.sum / self.divider;
        self.sum -= self.sub;
        out
    }
}

/// The plain and weighted sums of the window, oldest first with weights counting up
/// from 1. A free function so that the hot loop's state stays in registers.
#[cold]
#[inline(never)]
fn rebuild((a, b): (&[f64], &[f64])) -> (f64, f64) {
    let (mut sub, mut sum) = (0.0, 0.0);
    for (i, &x) in a.iter().chain(b).enumerate() {
        sub += x;
        sum += x * (i + 1) as f64;
    }
    (sub, sum)
}

/// Streaming WMA.
#[derive(Debug, Clone)]
pub struct Wma {
    core: WmaCore,
    window: Window,
    seen: usize,
}

impl Wma {
    pub const NAME: &'static str = "wma";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 1, MAX_PERIOD)?;
        Ok(Wma {
            core: WmaCore::new(period),
            window: Window::new(period),
            seen: 0,
        })
    }
}

impl Streaming for Wma {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> f64 {
        if self.core.period == 1 {
            return x;
        }
        self.window.push(x);
        if !self.window.is_full() {
            self.seen += 1;
            self.core.prime(x, self.seen);
            return f64::NAN;
        }
        self.core
            .step(x, self.window.oldest(), self.window.halves())
    }

    fn lookback(&self) -> usize {
        self.core.period - 1
    }
}

/// WMA of `input`; the first `period - 1` outputs are `NaN`.
pub fn wma(input: &[f64], period: usize) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Wma::NAME, "period", period, 1, MAX_PERIOD)?;
    if period == 1 {
        return Ok(input.to_vec());
    }
    let lookback = period - 1;
    // SAFETY: when `input.len() >= period` the zip runs over all `len - lookback` slots,
    // one per window; otherwise there are none.
    let out = unsafe {
        filled_column(input.len(), lookback, |[slots]| {
            if input.len() < period {
                return;
            }
            let mut core = WmaCore::new(period);
            for (i, &x) in input[..lookback].iter().enumerate() {
                core.prime(x, i + 1);
            }
            // Runs of bars between rebuilds, then the rebuild bar: the runs' loop has no
            // rebuild test or call in it, around which the compiler would otherwise keep
            // the window's arguments for the call on the stack, stored every bar. The
            // runs zip the new and the leaving values, as SMA does: no window slices.
            let mut first = 0; // the window start of the next slot
            while first < slots.len() {
                let run = core.bars_before_rebuild().min(slots.len() - first);
                let values = input[first + lookback..].iter().zip(&input[first..]);
                for (slot, (&x, &oldest)) in slots[first..first + run].iter_mut().zip(values) {
                    slot.write(core.step_between_rebuilds(x, oldest));
                }
                core.skip(run);
                first += run;
                let Some(slot) = slots.get_mut(first) else {
                    break;
                };
                let window = &input[first..first + period];
                slot.write(core.step(window[lookback], window[0], (window, &[])));
                first += 1;
            }
        })
    };
    Ok(out)
}

/// WMA of four series of equal length at once, into outputs already holding `NaN`;
/// each lane computes exactly what [`wma`] does. The rebuilds fall on the same bars
/// in every lane (they depend only on the bar's position), so the lanes never diverge.
/// The division by the divider goes through [`Divisor`] (the same bits; 6% faster over
/// the market than the vector division).
#[inline(always)]
pub(crate) fn wma_lanes<L: Lane4>(x: Inputs, period: usize, [mut out]: [Outputs; 1]) {
    let len = x.len();
    if period == 1 {
        for i in 0..len {
            out.set(i, x.at::<L>(i));
        }
        return;
    }
    if len < period {
        return;
    }
    let lookback = period - 1;
    let weight = L::splat(period as f64);
    let divider = Divisor::<L>::new(period * (period + 1) / 2);
    let mut sub = L::splat(0.0);
    let mut sum = L::splat(0.0);
    let mut trailing = L::splat(0.0);
    for i in 0..lookback {
        let v = x.at::<L>(i);
        sub += v;
        sum += v * L::splat((i + 1) as f64);
    }
    let rebuild_every = 8 * period;
    let count = len - lookback;
    let mut first = 0; // the window start of the next slot
    while first < count {
        // The slots up to the next rebuild bar (slot `j` rebuilds when `j + 1` is a
        // multiple of `8 * period`, as `WmaCore` counts), in exact chunks.
        let run = (rebuild_every - 1 - first % rebuild_every).min(count - first);
        let bars = x.bars(first + lookback, run).chunks_exact(4);
        let leaving = x.bars(first, run).chunks_exact(4);
        for (slot, (v, leaving)) in out
            .bars(first + lookback, run)
            .chunks_exact_mut(4)
            .zip(bars.zip(leaving))
        {
            let v = L::load(v);
            sub += v;
            sub -= trailing;
            sum += v * weight;
            divider.divide(sum).store(slot);
            trailing = L::load(leaving);
            sum -= sub;
        }
        first += run;
        if first == count {
            break;
        }
        // The rebuild bar: both totals from the window, as `rebuild` does (the running
        // update it replaces would be overwritten).
        sub = L::splat(0.0);
        sum = L::splat(0.0);
        for i in 0..period {
            let v = x.at::<L>(first + i);
            sub += v;
            sum += v * L::splat((i + 1) as f64);
        }
        out.set(first + lookback, divider.divide(sum));
        trailing = x.at(first);
        sum -= sub;
        first += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::run_streaming;
    use crate::indicators::support::AAPL_CLOSE;

    #[test]
    fn weighs_the_newest_heaviest() {
        let out = wma(&[1.0, 2.0, 3.0, 4.0, 8.0], 3).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(out[2], (1.0 + 4.0 + 9.0) / 6.0);
        assert_eq!(out[3], (2.0 + 6.0 + 12.0) / 6.0);
        assert_eq!(out[4], (3.0 + 8.0 + 24.0) / 6.0);
    }

    #[test]
    fn matches_talib_on_aapl() {
        let out = wma(&AAPL_CLOSE, 5).unwrap();
        assert_eq!(
            (out[4], out[20], out[39]),
            (107.75466664632161, 120.34733276367187, 126.15133361816406)
        );
    }

    #[test]
    fn period_one_returns_the_input() {
        let input = [3.0, -1.5, 1e300, 0.1];
        assert_eq!(wma(&input, 1).unwrap(), input);
        let streamed = run_streaming(Wma::new(1).unwrap(), input);
        assert_eq!(streamed, input);
        assert_eq!(Wma::new(1).unwrap().lookback(), 0);
    }

    #[test]
    fn flat_series_is_flat() {
        let out = wma(&[7.25; 100], 10).unwrap();
        assert!(out[9..].iter().all(|&v| v == 7.25));
    }

    #[test]
    fn short_input_is_all_nan() {
        assert!(wma(&[1.0, 2.0], 3).unwrap().iter().all(|v| v.is_nan()));
    }

    #[test]
    fn parameters_are_checked_as_in_talib() {
        assert_eq!(
            wma(&[1.0], 0).unwrap_err().to_string(),
            "wma: period must be between 1 and 100000, got 0"
        );
        assert!(wma(&[1.0], 100_001).is_err());
        assert!(wma(&[1.0], 100_000).unwrap()[0].is_nan());
    }

    #[test]
    fn rebuilds_the_totals_every_8_periods() {
        // After the rebuild at bar 8*3+1 the output is the same as a fresh start there.
        let input: Vec<f64> = (0..60)
            .map(|i| 1e6 + i as f64 * 0.1 + (i % 5) as f64 * 1e-7)
            .collect();
        let out = wma(&input, 3).unwrap();
        let rebuilt = 2 + 8 * 3 - 1;
        let fresh = wma(&input[rebuilt - 2..], 3).unwrap();
        assert_eq!(out[rebuilt].to_bits(), fresh[2].to_bits());
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let input: Vec<f64> = (0..2000)
            .map(|i| ((i * 7919) % 113) as f64 * 0.37 + 1e-3)
            .collect();
        for period in [1, 2, 3, 14, 200, 1999, 2000, 2001] {
            let batch = wma(&input, period).unwrap();
            let streamed = run_streaming(Wma::new(period).unwrap(), input.iter().copied());
            assert_eq!(batch.len(), streamed.len());
            for (a, b) in batch.iter().zip(&streamed) {
                assert_eq!(a.to_bits(), b.to_bits(), "period {period}");
            }
        }
    }
}
