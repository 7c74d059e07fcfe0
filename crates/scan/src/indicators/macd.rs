//! Moving average convergence/divergence (TA-Lib `MACD`).
//!
//! What TA-Lib 0.8 does, and we reproduce:
//!
//! * if `slow < fast` the two periods are swapped;
//! * both price EMAs are seeded on windows *ending on the same bar*, `slow - 1`: the slow
//!   EMA with the SMA of the first `slow` values, the fast EMA with the SMA of the `fast`
//!   values ending there (not of the first `fast` values, as a standalone EMA would);
//! * all EMA steps are `fma(x - prev, k, prev)` with `k = 2 / (period + 1)`, TA-Lib's
//!   own rounding ([`talib_ema_step`] says why MACD keeps it);
//! * the signal line is an EMA of the MACD line seeded with the plain average of its
//!   first `signal` values (summed from 0.0), so the first output of all three series is
//!   at index `(slow - 1) + (signal - 1)`; TA-Lib writes nothing earlier, even for the
//!   MACD line itself;
//! * a signal period of 1 means no smoothing: the signal is the MACD line itself (an
//!   explicit copy in TA-Lib, not the `k = 1` EMA step, which can differ in the last bit)
//!   and the histogram is 0.

#[cfg(target_arch = "x86_64")]
use super::ema::hardware_fma;
use super::ema::{smoothing, talib_ema_step};
use super::lanes::{Inputs, Lane, Lane4, Outputs};
use super::{check_period, ParamError, Streaming, MAX_PERIOD};
use crate::columns::{named_columns, Columns};
use std::mem::MaybeUninit;

/// One bar's MACD.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MacdValue {
    pub macd: f64,
    pub signal: f64,
    pub hist: f64,
}

impl MacdValue {
    const NAN: MacdValue = MacdValue {
        macd: f64::NAN,
        signal: f64::NAN,
        hist: f64::NAN,
    };
}

named_columns!(
    /// Whole-column MACD, one value per input bar.
    MacdSeries { macd: 0, signal: 1, hist: 2 }
);

/// Checked and ordered periods.
#[derive(Debug, Clone, Copy)]
struct Periods {
    fast: usize,
    slow: usize,
    signal: usize,
}

impl Periods {
    fn new(fast: usize, slow: usize, signal: usize) -> Result<Self, ParamError> {
        let fast = check_period(Macd::NAME, "fast", fast, 2, MAX_PERIOD)?;
        let slow = check_period(Macd::NAME, "slow", slow, 2, MAX_PERIOD)?;
        let signal = check_period(Macd::NAME, "signal", signal, 1, MAX_PERIOD)?;
        Ok(Self::ordered(fast, slow, signal))
    }

    /// Periods already checked, `fast` and `slow` swapped if `slow < fast`.
    fn ordered(fast: usize, slow: usize, signal: usize) -> Self {
        let (fast, slow) = if slow < fast {
            (slow, fast)
        } else {
            (fast, slow)
        };
        Periods { fast, slow, signal }
    }

    fn lookback(&self) -> usize {
        (self.slow - 1) + (self.signal - 1)
    }
}

/// Streaming MACD.
#[derive(Debug, Clone)]
pub struct Macd {
    periods: Periods,
    fast_k: f64,
    slow_k: f64,
    signal_k: f64,
    seen: usize,
    /// Running sums while seeding, then the EMAs.
    fast: f64,
    slow: f64,
    signal: f64,
}

impl Macd {
    pub const NAME: &'static str = "macd";

    pub fn new(fast: usize, slow: usize, signal: usize) -> Result<Self, ParamError> {
        let periods = Periods::new(fast, slow, signal)?;
        Ok(Macd {
            fast_k: smoothing(periods.fast),
            slow_k: smoothing(periods.slow),
            signal_k: smoothing(periods.signal),
            periods,
            seen: 0,
            fast: 0.0,
            slow: 0.0,
            signal: 0.0,
        })
    }
}

impl Streaming for Macd {
    type Input = f64;
    type Output = MacdValue;

    #[inline]
    fn update(&mut self, x: f64) -> MacdValue {
        let Periods { fast, slow, signal } = self.periods;
        let lookback = self.periods.lookback();
        if self.seen > lookback {
            self.fast = talib_ema_step(self.fast, x, self.fast_k);
            self.slow = talib_ema_step(self.slow, x, self.slow_k);
            let macd = self.fast - self.slow;
            self.signal = signal_step(self.signal, macd, signal, self.signal_k);
            return MacdValue {
                macd,
                signal: self.signal,
                hist: macd - self.signal,
            };
        }
        let t = self.seen;
        self.seen += 1;
        let macd = if t < slow {
            // Seeding both EMAs; the fast one only over the last `fast` bars.
            if t >= slow - fast {
                self.fast += x;
            }
            self.slow += x;
            if t < slow - 1 {
                return MacdValue::NAN;
            }
            self.slow /= slow as f64;
            self.fast /= fast as f64;
            self.fast - self.slow
        } else {
            self.fast = talib_ema_step(self.fast, x, self.fast_k);
            self.slow = talib_ema_step(self.slow, x, self.slow_k);
            self.fast - self.slow
        };
        // Seeding the signal line with the plain average of the first MACD values.
        self.signal += macd;
        if t < lookback {
            return MacdValue::NAN;
        }
        self.signal /= signal as f64;
        MacdValue {
            macd,
            signal: self.signal,
            hist: macd - self.signal,
        }
    }

    fn lookback(&self) -> usize {
        self.periods.lookback()
    }
}

/// The signal line's step: the EMA step, or with a signal period of 1 the MACD line
/// itself (TA-Lib copies it; the `k = 1` step could differ in the last bit).
#[inline(always)]
fn signal_step<L: Lane>(prev: L, line: L, signal: usize, k: L) -> L {
    if signal == 1 {
        line
    } else {
        talib_ema_step(prev, line, k)
    }
}

/// MACD of `input`; the first `(slow - 1) + (signal - 1)` bars are `NaN` in all three
/// series.
pub fn macd(
    input: &[f64],
    fast: usize,
    slow: usize,
    signal: usize,
) -> Result<MacdSeries, ParamError> {
    let periods = Periods::new(fast, slow, signal)?;
    let (n, lookback) = (input.len(), periods.lookback());
    let fill_all = |slots: Slots| {
        if n <= lookback {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if hardware_fma() {
            // SAFETY: the CPU was just checked to support the `fma` feature.
            return unsafe { fill_fma(input, periods, slots) };
        }
        fill(input, periods, slots)
    };
    // SAFETY: `fill` writes every slot whenever there are any (`n > lookback`).
    Ok(MacdSeries(unsafe { Columns::build(n, lookback, fill_all) }))
}

/// The three output columns' slots after the lookback: MACD line, signal, histogram.
type Slots<'a> = [&'a mut [MaybeUninit<f64>]; 3];

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn fill_fma(input: &[f64], periods: Periods, slots: Slots) {
    fill(input, periods, slots)
}

/// The two price EMAs, stepped together bar by bar.
struct PriceEmas<L> {
    fast: L,
    slow: L,
    fast_k: L,
    slow_k: L,
}

impl<L: Lane> PriceEmas<L> {
    /// One bar: both EMAs take `x`; returns the MACD line.
    #[inline(always)]
    fn step(&mut self, x: L) -> L {
        self.fast = talib_ema_step(self.fast, x, self.fast_k);
        self.slow = talib_ema_step(self.slow, x, self.slow_k);
        self.fast - self.slow
    }
}

/// TA-Lib's seeding, up to the first bar with all three outputs (`lookback`): the EMAs
/// as they stand there, that bar's MACD line, and the signal line's seed. `at(i)` is
/// bar `i`; the input has more than `lookback` bars.
#[inline(always)]
fn seed<L: Lane>(periods: Periods, at: impl Fn(usize) -> L) -> (PriceEmas<L>, L, L) {
    let Periods { fast, slow, signal } = periods;
    let mut slow_sum = L::splat(0.0);
    for i in 0..slow - fast {
        slow_sum += at(i);
    }
    let mut fast_sum = L::splat(0.0);
    for i in slow - fast..slow {
        let x = at(i);
        fast_sum += x;
        slow_sum += x;
    }
    let mut emas = PriceEmas {
        fast: fast_sum / L::splat(fast as f64),
        slow: slow_sum / L::splat(slow as f64),
        fast_k: L::splat(smoothing(fast)),
        slow_k: L::splat(smoothing(slow)),
    };
    let mut macd = emas.fast - emas.slow;
    let mut signal_sum = L::splat(0.0);
    signal_sum += macd;
    for i in slow..=periods.lookback() {
        macd = emas.step(at(i));
        signal_sum += macd;
    }
    (emas, macd, signal_sum / L::splat(signal as f64))
}

/// TA-Lib's single lockstep pass, writing every slot (`input.len() - lookback` of each);
/// `input.len() > periods.lookback()`.
///
/// All three series come out of one loop over the input, written straight into their
/// columns: no intermediate EMA columns (TA-Lib's C code allocates two, and a fresh
/// full-length buffer costs a page fault per 4 KiB).
#[inline(always)]
fn fill(input: &[f64], periods: Periods, [macd_out, signal_out, hist_out]: Slots) {
    let (signal, signal_k) = (periods.signal, smoothing(periods.signal));
    let (mut emas, macd, mut prev_signal) = seed(periods, |i| input[i]);
    macd_out[0].write(macd);
    signal_out[0].write(prev_signal);
    hist_out[0].write(macd - prev_signal);

    // Every slot of all three columns from the second on: the zip's length is
    // `input.len() - lookback - 1`, which all four slices have.
    let rows = input[periods.lookback() + 1..]
        .iter()
        .zip(&mut macd_out[1..])
        .zip(&mut signal_out[1..])
        .zip(&mut hist_out[1..]);
    for (((&x, m), s), h) in rows {
        let line = emas.step(x);
        prev_signal = signal_step(prev_signal, line, signal, signal_k);
        m.write(line);
        s.write(prev_signal);
        h.write(line - prev_signal);
    }
}

/// MACD of four series of equal length at once (periods as the catalogue checked
/// them), into outputs already holding `NaN`; each lane computes exactly what [`fill`]
/// does, operation for operation.
#[inline(always)]
pub(crate) fn macd_lanes<L: Lane4>(
    x: Inputs,
    (fast, slow, signal): (usize, usize, usize),
    [mut macd_out, mut signal_out, mut hist_out]: [Outputs; 3],
) {
    let periods = Periods::ordered(fast, slow, signal);
    let (n, lookback) = (x.len(), periods.lookback());
    if n <= lookback {
        return;
    }
    let (signal, signal_k) = (periods.signal, L::splat(smoothing(periods.signal)));
    // Forced inline: out of line, the closure would lose the kernel's AVX2.
    let (mut emas, macd, mut prev_signal) = seed(
        periods,
        #[inline(always)]
        |i| x.at::<L>(i),
    );
    macd_out.set(lookback, macd);
    signal_out.set(lookback, prev_signal);
    hist_out.set(lookback, macd - prev_signal);

    // Exact chunks of the interleaved columns: no bounds check per bar.
    let count = n - lookback - 1;
    let rows = x
        .bars(lookback + 1, count)
        .chunks_exact(4)
        .zip(macd_out.bars(lookback + 1, count).chunks_exact_mut(4))
        .zip(signal_out.bars(lookback + 1, count).chunks_exact_mut(4))
        .zip(hist_out.bars(lookback + 1, count).chunks_exact_mut(4));
    for (((v, m), s), h) in rows {
        let line = emas.step(L::load(v));
        prev_signal = signal_step(prev_signal, line, signal, signal_k);
        line.store(m);
        prev_signal.store(s);
        (line - prev_signal).store(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::run_streaming;
    use crate::indicators::support::AAPL_CLOSE;

    fn wiggly(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| 100.0 + ((i * 7919) % 113) as f64 * 0.37 - (i % 17) as f64 * 0.9)
            .collect()
    }

    #[test]
    fn fast_ema_is_seeded_inside_the_slow_window() {
        let input = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0];
        let out = macd(&input, 2, 3, 1).unwrap();
        assert!(out.macd()[..2].iter().all(|v| v.is_nan()));
        // Seeds at bar 2: slow = (1+2+4)/3, fast = (2+4)/2.
        assert_eq!(out.macd()[2], 3.0 - 7.0 / 3.0);
        let fast = talib_ema_step(3.0, 8.0, 2.0 / 3.0);
        let slow = talib_ema_step(7.0 / 3.0, 8.0, 0.5);
        assert_eq!(out.macd()[3], fast - slow);
        // Signal period 1: the signal is the line and the histogram zero.
        assert_eq!(out.signal()[3], out.macd()[3]);
        assert_eq!(out.hist()[3], 0.0);
    }

    /// The EMA in MACD's rounding (TA-Lib's), from its seed at `period - 1` on.
    fn talib_ema(input: &[f64], period: usize) -> Vec<f64> {
        let k = smoothing(period);
        let mut value = input[..period].iter().fold(0.0, |sum, x| sum + x) / period as f64;
        let mut out = vec![f64::NAN; period - 1];
        out.push(value);
        for &x in &input[period..] {
            value = talib_ema_step(value, x, k);
            out.push(value);
        }
        out
    }

    #[test]
    fn signal_is_seeded_by_the_average_of_the_first_lines() {
        let input = wiggly(60);
        let out = macd(&input, 3, 5, 4).unwrap();
        let lookback = 4 + 3;
        assert!(out.macd()[..lookback].iter().all(|v| v.is_nan()));
        assert!(out.signal()[..lookback].iter().all(|v| v.is_nan()));
        // The MACD line equals fast EMA - slow EMA once both run freely.
        let slow = talib_ema(&input, 5);
        let fast = talib_ema(&input[2..], 3);
        let lines: Vec<f64> = (4..=lookback).map(|i| fast[i - 2] - slow[i]).collect();
        assert_eq!(out.macd()[lookback], lines[3]);
        let seed = (((0.0 + lines[0]) + lines[1]) + lines[2]) + lines[3];
        assert_eq!(out.signal()[lookback], seed / 4.0);
        assert_eq!(
            out.hist()[lookback],
            out.macd()[lookback] - out.signal()[lookback]
        );
    }

    #[test]
    fn matches_talib_on_aapl() {
        let out = macd(&AAPL_CLOSE, 5, 13, 4).unwrap();
        assert!(out.macd()[14].is_nan() && out.signal()[14].is_nan() && out.hist()[14].is_nan());
        assert_eq!(
            (out.macd()[15], out.signal()[15], out.hist()[15]),
            (3.3793075091185756, 3.2191820475211017, 0.16012546159747387)
        );
        assert_eq!(
            (out.macd()[39], out.signal()[39], out.hist()[39]),
            (
                -0.6275390283946223,
                -0.018503811589792973,
                -0.6090352168048293
            )
        );
    }

    #[test]
    fn periods_are_swapped_when_slow_is_faster() {
        let input = wiggly(100);
        let (a, b) = (
            macd(&input, 26, 12, 9).unwrap(),
            macd(&input, 12, 26, 9).unwrap(),
        );
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(a.macd()), bits(b.macd()));
        assert_eq!(bits(a.signal()), bits(b.signal()));
        assert_eq!(bits(a.hist()), bits(b.hist()));
        assert_eq!(Macd::new(26, 12, 9).unwrap().lookback(), 33);
    }

    #[test]
    fn flat_series_is_zero() {
        let out = macd(&[42.5; 60], 12, 26, 9).unwrap();
        assert!(out.macd()[33..].iter().all(|&v| v == 0.0));
        assert!(out.hist()[33..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn short_input_is_all_nan() {
        let out = macd(&wiggly(33), 12, 26, 9).unwrap();
        assert!(out
            .macd()
            .iter()
            .chain(out.signal())
            .chain(out.hist())
            .all(|v| v.is_nan()));
        assert!(!macd(&wiggly(34), 12, 26, 9).unwrap().macd()[33].is_nan());
    }

    #[test]
    fn parameters_are_checked_as_in_talib() {
        assert_eq!(macd(&[1.0], 1, 26, 9).unwrap_err().param, "fast");
        assert_eq!(macd(&[1.0], 12, 1, 9).unwrap_err().param, "slow");
        assert_eq!(macd(&[1.0], 12, 26, 0).unwrap_err().param, "signal");
        assert_eq!(macd(&[1.0], 12, 100_001, 9).unwrap_err().param, "slow");
        assert!(macd(&[1.0], 2, 2, 1).is_ok());
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let input = wiggly(700);
        for (fast, slow, signal) in [
            (12, 26, 9),
            (26, 12, 9),
            (2, 2, 1),
            (3, 5, 1),
            (5, 5, 3),
            (2, 300, 200),
            (12, 26, 675),
            (12, 26, 676),
        ] {
            let batch = macd(&input, fast, slow, signal).unwrap();
            let streamed = run_streaming(
                Macd::new(fast, slow, signal).unwrap(),
                input.iter().copied(),
            );
            for (i, s) in streamed.iter().enumerate() {
                for (a, b) in [
                    (batch.macd()[i], s.macd),
                    (batch.signal()[i], s.signal),
                    (batch.hist()[i], s.hist),
                ] {
                    assert_eq!(
                        a.to_bits(),
                        b.to_bits(),
                        "({fast}, {slow}, {signal}) bar {i}"
                    );
                }
            }
        }
    }
}
