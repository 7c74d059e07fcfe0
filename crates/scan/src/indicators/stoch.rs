//! Stochastic oscillators: TA-Lib `STOCH` (slow %K, slow %D) and `STOCHF` (fast %K,
//! fast %D), with TA-Lib's default SMA smoothing.
//!
//! Fast %K over `fastk_period` bars is `((close - lowest) / (highest - lowest)) * 100`,
//! in that order: the wheel's TA-Lib 0.8.1 divides by the range itself and scales
//! after (older releases divided by `range / 100`, which rounds differently on most
//! bars). It is not clamped: a close outside its window's range gives a value outside
//! [0, 100], as in TA-Lib. A flat window gives 0, and "flat" is TA-Lib 0.8.1's scaled
//! test: the range within `1e-14 * (|highest| + |lowest|)` (a machine-flat window
//! yields 0 instead of noise, while a tiny quote is not flat).
//!
//! The smoothing is TA-Lib's SMA (identity for period 1, as TA-Lib's `TA_MA` copies the
//! input) with TA-Lib's own running total ([`KAverage`]): slow %K is the SMA of fast %K,
//! slow %D the SMA of slow %K; fast %D the SMA of fast %K. TA-Lib
//! outputs both lines from the *total* lookback only, so the leading line is `NaN`
//! until the trailing one is defined, as here.

use super::bar_common::{common_len, zero_if_scaled_zero};
use super::lanes::{Divisor, Inputs, Lane, Lane4, Outputs};
use super::support::Window;
use super::window_range::{for_each_window_block_lanes, for_each_window_range, WindowRange};
use super::{check_period, Hlcv, ParamError, Streaming, MAX_PERIOD};
use crate::columns::{named_columns, Columns};

/// Fast %K of one bar given its window's extremes.
#[inline(always)]
fn fast_k<L: Lane>(close: L, highest: L, lowest: L) -> L {
    let range = highest - lowest;
    let value = ((close - lowest) / range) * L::splat(100.0);
    zero_if_scaled_zero(range, highest.abs() + lowest.abs(), value)
}

/// TA-Lib's SMA in TA-Lib's order: add the new value, divide, then subtract the value
/// leaving the window. [`Sma`](super::Sma) adds the difference of the two instead,
/// which rounds differently; averages of %K sit near 0 whenever closes are at the low
/// of their range, where a last-place difference is a large share of the value (with
/// the SMA's order, 9% of the parity bound's absolute floor on the shared dataset), so
/// STOCH keeps TA-Lib's rounding, bit for bit.
#[derive(Debug, Clone)]
struct KAverage {
    window: Window,
    total: f64,
}

impl KAverage {
    fn new(period: usize) -> Self {
        KAverage {
            window: Window::new(period),
            total: 0.0,
        }
    }

    #[inline(always)]
    fn update(&mut self, x: f64) -> f64 {
        self.window.push(x);
        self.total += x;
        if !self.window.is_full() {
            return f64::NAN;
        }
        let out = self.total / self.window.capacity() as f64;
        self.total -= self.window.oldest();
        out
    }
}

/// An SMA of fast %K followed by an SMA of that (STOCH), or by nothing (STOCHF).
#[derive(Debug, Clone)]
struct Smoothing {
    first: KAverage,
    first_period: usize,
    second: Option<KAverage>,
    /// Fast %K values fed so far.
    fed: usize,
    /// How many fast %K values make both output lines defined.
    ready_at: usize,
}

impl Smoothing {
    fn new(first_period: usize, second_period: Option<usize>) -> Self {
        Smoothing {
            first: KAverage::new(first_period),
            first_period,
            second: second_period.map(KAverage::new),
            fed: 0,
            ready_at: first_period + second_period.map_or(0, |p| p - 1),
        }
    }

    /// Feeds one fast %K; returns `(line, signal)` once both are defined: the first
    /// SMA and its SMA (STOCH), or the fast %K itself and its SMA (STOCHF).
    #[inline(always)]
    fn feed(&mut self, k: f64) -> Option<(f64, f64)> {
        let first = self.first.update(k);
        self.fed += 1;
        let pair = match &mut self.second {
            None => (k, first),
            Some(second) => {
                if self.fed < self.first_period {
                    return None;
                }
                (first, second.update(first))
            }
        };
        (self.fed >= self.ready_at).then_some(pair)
    }
}

/// One bar of [`Stoch`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StochOutput {
    pub slowk: f64,
    pub slowd: f64,
}

named_columns!(
    /// [`stoch`] over whole columns.
    StochSeries { slowk: 0, slowd: 1 }
);

/// One bar of [`Stochf`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StochfOutput {
    pub fastk: f64,
    pub fastd: f64,
}

named_columns!(
    /// [`stochf`] over whole columns.
    StochfSeries { fastk: 0, fastd: 1 }
);

fn check_stoch(
    fastk_period: usize,
    slowk_period: usize,
    slowd_period: usize,
) -> Result<(usize, usize, usize), ParamError> {
    let name = Stoch::NAME;
    Ok((
        check_period(name, "fastk_period", fastk_period, 1, MAX_PERIOD)?,
        check_period(name, "slowk_period", slowk_period, 1, MAX_PERIOD)?,
        check_period(name, "slowd_period", slowd_period, 1, MAX_PERIOD)?,
    ))
}

fn check_stochf(fastk_period: usize, fastd_period: usize) -> Result<(usize, usize), ParamError> {
    let name = Stochf::NAME;
    Ok((
        check_period(name, "fastk_period", fastk_period, 1, MAX_PERIOD)?,
        check_period(name, "fastd_period", fastd_period, 1, MAX_PERIOD)?,
    ))
}

/// Streaming slow stochastic (TA-Lib `STOCH`, SMA smoothing); volume is ignored.
#[derive(Debug, Clone)]
pub struct Stoch {
    window: WindowRange,
    smoothing: Smoothing,
    lookback: usize,
}

impl Stoch {
    pub const NAME: &'static str = "stoch";

    pub fn new(
        fastk_period: usize,
        slowk_period: usize,
        slowd_period: usize,
    ) -> Result<Self, ParamError> {
        let (fastk, slowk, slowd) = check_stoch(fastk_period, slowk_period, slowd_period)?;
        Ok(Stoch {
            window: WindowRange::new(fastk),
            smoothing: Smoothing::new(slowk, Some(slowd)),
            lookback: (fastk - 1) + (slowk - 1) + (slowd - 1),
        })
    }
}

impl Streaming for Stoch {
    type Input = Hlcv;
    type Output = StochOutput;

    #[inline]
    fn update(&mut self, bar: Hlcv) -> StochOutput {
        let out = self
            .window
            .push(bar.high, bar.low)
            .and_then(|(hh, ll)| self.smoothing.feed(fast_k(bar.close, hh, ll)));
        match out {
            Some((slowk, slowd)) => StochOutput { slowk, slowd },
            None => StochOutput {
                slowk: f64::NAN,
                slowd: f64::NAN,
            },
        }
    }

    fn lookback(&self) -> usize {
        self.lookback
    }
}

/// Streaming fast stochastic (TA-Lib `STOCHF`, SMA smoothing); volume is ignored.
#[derive(Debug, Clone)]
pub struct Stochf {
    window: WindowRange,
    smoothing: Smoothing,
    lookback: usize,
}

impl Stochf {
    pub const NAME: &'static str = "stochf";

    pub fn new(fastk_period: usize, fastd_period: usize) -> Result<Self, ParamError> {
        let (fastk, fastd) = check_stochf(fastk_period, fastd_period)?;
        Ok(Stochf {
            window: WindowRange::new(fastk),
            smoothing: Smoothing::new(fastd, None),
            lookback: (fastk - 1) + (fastd - 1),
        })
    }
}

impl Streaming for Stochf {
    type Input = Hlcv;
    type Output = StochfOutput;

    #[inline]
    fn update(&mut self, bar: Hlcv) -> StochfOutput {
        let out = self
            .window
            .push(bar.high, bar.low)
            .and_then(|(hh, ll)| self.smoothing.feed(fast_k(bar.close, hh, ll)));
        match out {
            Some((fastk, fastd)) => StochfOutput { fastk, fastd },
            None => StochfOutput {
                fastk: f64::NAN,
                fastd: f64::NAN,
            },
        }
    }

    fn lookback(&self) -> usize {
        self.lookback
    }
}

/// Runs the window scan and the smoothing over the columns into the two output columns.
fn run_batch(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    fastk: usize,
    mut smoothing: Smoothing,
) -> Columns {
    let n = common_len(&[high, low, close]);
    let mut out = Columns::filled(2, n, f64::NAN);
    let [line, signal] = out.each_mut();
    for_each_window_range(high, low, n, fastk, |i, hh, ll| {
        if let Some((a, b)) = smoothing.feed(fast_k(close[i], hh, ll)) {
            line[i] = a;
            signal[i] = b;
        }
    });
    out
}

/// Slow stochastic of the bars; both lines are `NaN` for the first
/// `(fastk_period - 1) + (slowk_period - 1) + (slowd_period - 1)` bars.
pub fn stoch(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    fastk_period: usize,
    slowk_period: usize,
    slowd_period: usize,
) -> Result<StochSeries, ParamError> {
    let (fastk, slowk, slowd) = check_stoch(fastk_period, slowk_period, slowd_period)?;
    let smoothing = Smoothing::new(slowk, Some(slowd));
    Ok(StochSeries(run_batch(high, low, close, fastk, smoothing)))
}

/// Fast stochastic of the bars; both lines are `NaN` for the first
/// `(fastk_period - 1) + (fastd_period - 1)` bars.
pub fn stochf(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    fastk_period: usize,
    fastd_period: usize,
) -> Result<StochfSeries, ParamError> {
    let (fastk, fastd) = check_stochf(fastk_period, fastd_period)?;
    let smoothing = Smoothing::new(fastd, None);
    Ok(StochfSeries(run_batch(high, low, close, fastk, smoothing)))
}

/// [`KAverage`]'s running total over values computed per lane: the average of each window
/// of `period` values, for the windows ending at `period - 1..` in order. The same
/// additions and subtractions in the same order as the streaming state.
#[inline(always)]
fn moving_average<L: Lane>(values: &[L], period: usize) -> Vec<L> {
    let Some(count) = (values.len() + 1).checked_sub(period) else {
        return Vec::new();
    };
    let lookback = period - 1;
    let divisor = Divisor::<L>::new(period);
    let mut total = L::splat(0.0);
    for &x in &values[..lookback] {
        total += x;
    }
    // Written through a zip, not pushed: around `push`'s growth path the compiler kept
    // the running total on the stack, a store and a load on the chain of every bar. Into
    // spare capacity, not a filled vector: the compiler turned filling it with zeros
    // into a call to `memset`, a pass over the whole block for nothing.
    let mut out = Vec::with_capacity(count);
    let slots = out.spare_capacity_mut()[..count].iter_mut();
    for ((slot, &x), &leaving) in slots.zip(&values[lookback..]).zip(values) {
        total += x;
        slot.write(divisor.divide(total));
        total -= leaving;
    }
    // SAFETY: `values[lookback..]` holds `count` values, so the loop initialised all
    // `count` slots.
    unsafe { out.set_len(count) };
    out
}

/// STOCH (`second: Some(slowd)`, outputs slow %K and slow %D) or STOCHF (`None`,
/// outputs fast %K and fast %D) of four series of equal length at once, into outputs
/// already holding `NaN`; each lane computes exactly what [`stoch`] or [`stochf`] does.
#[inline(always)]
pub(crate) fn stoch_lanes<L: Lane4>(
    [high, low, close]: [Inputs; 3],
    fastk: usize,
    first: usize,
    second: Option<usize>,
    [mut line, mut signal]: [Outputs; 2],
) {
    let windows = (high.len() + 1).saturating_sub(fastk);
    if windows == 0 {
        return;
    }
    // Fast %K straight from each block of window extremes, appended in order (the
    // blocks come in order), into spare capacity as in [`moving_average`].
    let mut k = Vec::with_capacity(windows);
    for_each_window_block_lanes::<L>(
        high,
        low,
        fastk,
        #[inline(always)]
        |first, highest, lowest| {
            let count = highest.len();
            let closes = close.bars(first, count).chunks_exact(4);
            let slots = k.spare_capacity_mut()[..count].iter_mut();
            for (slot, ((close, &hh), &ll)) in slots.zip(closes.zip(highest).zip(lowest)) {
                slot.write(fast_k(L::load(close), hh, ll));
            }
            // SAFETY: `closes`, `highest` and `lowest` each hold `count` bars, so the
            // loop initialised the `count` slots after the current length.
            unsafe { k.set_len(k.len() + count) };
        },
    );
    let first_average = moving_average(&k, first);
    // The lines, from the first bar where both are defined (the bar of fast %K
    // `lookback`), through exact chunks of the interleaved outputs.
    let (line_values, signal_values, lookback) = match second {
        None => (k, first_average, first - 1),
        Some(second) => {
            let second_average = moving_average(&first_average, second);
            let lookback = first - 1 + second - 1;
            (first_average, second_average, lookback)
        }
    };
    let (bar, count) = (lookback + fastk - 1, signal_values.len());
    if count == 0 {
        return;
    }
    let lines = line_values[line_values.len() - count..]
        .iter()
        .zip(&signal_values);
    let slots = line
        .bars(bar, count)
        .chunks_exact_mut(4)
        .zip(signal.bars(bar, count).chunks_exact_mut(4));
    for ((line, signal), (&l, &s)) in slots.zip(lines) {
        l.store(line);
        s.store(signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::bar_common::{assert_bits_eq, columns, sample_bars};
    use crate::indicators::run_streaming;

    const HIGH: [f64; 5] = [10.0, 12.0, 11.0, 13.0, 12.0];
    const LOW: [f64; 5] = [8.0, 9.0, 10.0, 11.0, 9.0];
    const CLOSE: [f64; 5] = [9.0, 11.0, 10.5, 12.5, 10.0];

    #[test]
    fn fast_k_and_its_average() {
        let f = stochf(&HIGH, &LOW, &CLOSE, 2, 2).unwrap();
        assert!(f.fastk()[1].is_nan() && f.fastd()[1].is_nan());
        // Fast %K, windows of 2: bar1 (11-8)/4, bar2 (10.5-9)/3, bar3 (12.5-10)/3,
        // bar4 (10-9)/4, each times 100.
        let k = [
            (3.0 / 4.0) * 100.0,
            (1.5 / 3.0) * 100.0,
            (2.5 / 3.0) * 100.0,
            25.0,
        ];
        assert_eq!(&f.fastk()[2..], &k[1..]);
        assert_eq!(f.fastd()[2], (k[0] + k[1]) / 2.0);
        assert_eq!(
            f.fastd()[4],
            ((k[0] + k[1] - k[0]) + k[2] - k[1] + k[3]) / 2.0
        );
    }

    #[test]
    fn slow_lines_are_averages_of_averages() {
        let s = stoch(&HIGH, &LOW, &CLOSE, 2, 2, 2).unwrap();
        let f = stochf(&HIGH, &LOW, &CLOSE, 2, 2).unwrap();
        assert!(s.slowk()[2].is_nan() && s.slowd()[2].is_nan());
        // Slow %K is fast %D; slow %D its SMA.
        assert_eq!(&s.slowk()[3..], &f.fastd()[3..]);
        assert_eq!(s.slowd()[3], (f.fastd()[2] + f.fastd()[3]) / 2.0);
    }

    #[test]
    fn period_one_smoothing_is_the_identity() {
        let [high, low, close, _] = columns(&sample_bars(100));
        let f = stochf(&high, &low, &close, 5, 1).unwrap();
        assert_bits_eq(f.fastk(), f.fastd(), "fastd(1)");
        let s = stoch(&high, &low, &close, 5, 1, 1).unwrap();
        assert_bits_eq(s.slowk(), f.fastk(), "slowk(1)");
        assert_bits_eq(s.slowd(), f.fastk(), "slowd(1)");
        // Fast %K period 1: the bar's own range.
        let one = stochf(&HIGH, &LOW, &CLOSE, 1, 1).unwrap();
        assert_eq!(one.fastk()[0], 50.0);
        // Not clamped: a close above its bar's high.
        let out = stochf(&[10.0], &[8.0], &[12.0], 1, 1).unwrap();
        assert_eq!(out.fastk()[0], 200.0);
    }

    #[test]
    fn flat_windows_give_zero_but_tiny_quotes_do_not() {
        let flat = [7.25; 10];
        let s = stoch(&flat, &flat, &flat, 3, 2, 2).unwrap();
        assert!(s.slowk()[4..]
            .iter()
            .chain(&s.slowd()[4..])
            .all(|v| *v == 0.0));
        // A range of a few ulps at 1e9 is machine-flat.
        let high = [1e9 + 1.2e-7; 6];
        let low = [1e9; 6];
        assert!(stochf(&high, &low, &high, 2, 1).unwrap().fastk()[1..]
            .iter()
            .all(|v| *v == 0.0));
        let tiny = |v: &[f64]| v.iter().map(|x| x * 1e-12).collect::<Vec<_>>();
        let t = stochf(&tiny(&HIGH), &tiny(&LOW), &tiny(&CLOSE), 2, 1).unwrap();
        let f = stochf(&HIGH, &LOW, &CLOSE, 2, 1).unwrap();
        for (a, b) in t.fastk()[1..].iter().zip(&f.fastk()[1..]) {
            assert!((a - b).abs() < 1e-9);
        }
    }

    #[test]
    fn short_inputs_and_ranges() {
        let s = stoch(&HIGH, &LOW, &CLOSE, 3, 2, 2).unwrap();
        assert_eq!(s.slowk().len(), 5);
        assert!(s.slowk()[..4].iter().all(|v| v.is_nan()) && !s.slowk()[4].is_nan());
        let s = stoch(&HIGH, &LOW, &CLOSE, 3, 2, 3).unwrap();
        assert!(s.slowk().iter().chain(s.slowd()).all(|v| v.is_nan()));
        assert!(stoch(&[], &[], &[], 1, 1, 1).unwrap().slowk().is_empty());
        assert_eq!(
            stochf(&HIGH, &LOW[..3], &CLOSE, 1, 1)
                .unwrap()
                .fastk()
                .len(),
            3
        );
        assert!(stoch(&HIGH, &LOW, &CLOSE, 0, 1, 1).is_err());
        assert!(stoch(&HIGH, &LOW, &CLOSE, 1, 0, 1).is_err());
        assert!(stoch(&HIGH, &LOW, &CLOSE, 1, 1, 0).is_err());
        assert!(Stochf::new(1, 100_001).is_err());
        assert_eq!(
            Stoch::new(5, 0, 3).unwrap_err().to_string(),
            "stoch: slowk_period must be between 1 and 100000, got 0"
        );
        assert_eq!(Stoch::new(5, 3, 3).unwrap().lookback(), 8);
        assert_eq!(Stochf::new(5, 3).unwrap().lookback(), 6);
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let bars = sample_bars(400);
        let [high, low, close, _] = columns(&bars);
        for (fk, sk, sd) in [
            (1, 1, 1),
            (5, 3, 3),
            (14, 1, 5),
            (200, 100, 100),
            (399, 1, 2),
        ] {
            let batch = stoch(&high, &low, &close, fk, sk, sd).unwrap();
            let streamed = run_streaming(Stoch::new(fk, sk, sd).unwrap(), bars.iter().copied());
            let k: Vec<f64> = streamed.iter().map(|o| o.slowk).collect();
            let d: Vec<f64> = streamed.iter().map(|o| o.slowd).collect();
            assert_bits_eq(batch.slowk(), &k, &format!("slowk({fk},{sk},{sd})"));
            assert_bits_eq(batch.slowd(), &d, &format!("slowd({fk},{sk},{sd})"));
            let lookback = Stoch::new(fk, sk, sd).unwrap().lookback();
            assert_eq!(
                batch.slowd().iter().position(|v| !v.is_nan()),
                Some(lookback)
            );

            let batch = stochf(&high, &low, &close, fk, sd).unwrap();
            let streamed = run_streaming(Stochf::new(fk, sd).unwrap(), bars.iter().copied());
            let k: Vec<f64> = streamed.iter().map(|o| o.fastk).collect();
            let d: Vec<f64> = streamed.iter().map(|o| o.fastd).collect();
            assert_bits_eq(batch.fastk(), &k, &format!("fastk({fk},{sd})"));
            assert_bits_eq(batch.fastd(), &d, &format!("fastd({fk},{sd})"));
        }
    }
}
