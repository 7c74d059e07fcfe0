//! Average true range (TA-Lib `ATR`) and normalized ATR (TA-Lib `NATR`).
//!
//! Seeded with the plain average of the first `period` true ranges (bars `1..=period`,
//! summed from 0.0 in bar order, then divided), so the first value is at bar `period`.
//! After that, Wilder smoothing with TA-Lib 0.8.1's weights, `beta = (period - 1) /
//! period` and `alpha = 1 - beta` (in that order, so they add to exactly 1). TA-Lib
//! steps every bar with one fused multiply-add, `fma(beta, atr, alpha * tr)`, a chain
//! whose latency is the whole cost on a long series. We take the smoothed bars in pairs
//! ([`Wilder`]): the first bar of a pair is TA-Lib's step, bit for bit; the second is
//! computed from the ATR before the pair, `fma(beta², atr, fma(beta, alpha * tr₁,
//! alpha * tr₂))`, so the chain has one fused multiply-add per two bars. It is the same
//! average rounded differently, within a few units in the last place of TA-Lib's
//! (docs/indicators.md). [`f64::mul_add`] is the correctly rounded operation in
//! hardware or software alike, so the results do not depend on the CPU.
//!
//! Period 1 needs no special case: the weights are exactly (1, 0), so the ATR is the
//! true range itself, as TA-Lib's period-1 `TRANGE` shortcut returns.

use super::bar_common::common_len;
use super::lanes::{Inputs, Lane, Lane4, Outputs};
#[cfg(target_arch = "x86_64")]
use super::support::hardware_avx2_fma;
use super::support::{self, column};
use super::trange::true_range;
use super::{check_period, Hlcv, ParamError, Streaming, MAX_PERIOD};

/// Wilder's smoothing of the true ranges, two bars per step on the chain, for one
/// series (`f64`) or several at once (a [`Lane`] vector).
#[derive(Debug, Clone, Copy)]
struct Wilder<L> {
    /// TA-Lib's weights: `beta = (period - 1) / period`, computed first, and `1 - beta`.
    alpha: L,
    beta: L,
    /// `beta * beta`: the weight of the ATR before a pair in the pair's second value.
    beta2: L,
}

impl<L: Lane> Wilder<L> {
    #[inline(always)]
    fn new(period: usize) -> Self {
        let beta = (period - 1) as f64 / period as f64;
        Wilder {
            alpha: L::splat(1.0 - beta),
            beta: L::splat(beta),
            beta2: L::splat(beta * beta),
        }
    }

    /// A bar's share of the new ATR: `alpha * tr`.
    #[inline(always)]
    fn weigh(&self, tr: L) -> L {
        self.alpha * tr
    }

    /// The ATR after the first bar of a pair (or a last, unpaired bar), from the ATR
    /// before it and the bar's [`weigh`](Self::weigh)ed true range: TA-Lib's step.
    #[inline(always)]
    fn first(&self, atr: L, share: L) -> L {
        self.beta.mul_add(atr, share)
    }

    /// The ATR after the second bar of a pair, from `atr` before the pair and the two
    /// bars' weighed true ranges.
    #[inline(always)]
    fn second(&self, atr: L, share1: L, share2: L) -> L {
        self.beta2.mul_add(atr, self.beta.mul_add(share1, share2))
    }
}

/// Streaming ATR; volume is ignored.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    wilder: Wilder<f64>,
    prev_close: Option<f64>,
    /// True ranges taken into the seed so far (stops at `period`).
    seen: usize,
    /// The running sum while seeding, then the current ATR.
    value: f64,
    /// Inside a pair of smoothed bars: the ATR before the pair and the first bar's
    /// weighed true range.
    pair: Option<(f64, f64)>,
}

impl Atr {
    pub const NAME: &'static str = "atr";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 1, MAX_PERIOD)?;
        Ok(Self::new_unchecked(period))
    }

    fn new_unchecked(period: usize) -> Self {
        Atr {
            period,
            wilder: Wilder::new(period),
            prev_close: None,
            seen: 0,
            value: 0.0,
            pair: None,
        }
    }
}

impl Streaming for Atr {
    type Input = Hlcv;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: Hlcv) -> f64 {
        let Some(prev_close) = self.prev_close.replace(bar.close) else {
            return f64::NAN;
        };
        let tr = true_range(bar.high, bar.low, prev_close);
        if self.seen < self.period {
            self.seen += 1;
            self.value += tr;
            if self.seen < self.period {
                return f64::NAN;
            }
            self.value /= self.period as f64;
            return self.value;
        }
        let share = self.wilder.weigh(tr);
        self.value = match self.pair.take() {
            None => {
                self.pair = Some((self.value, share));
                self.wilder.first(self.value, share)
            }
            Some((before, share1)) => self.wilder.second(before, share1, share),
        };
        self.value
    }

    fn lookback(&self) -> usize {
        self.period
    }
}

/// Streaming NATR: the ATR as a percentage of the bar's close.
#[derive(Debug, Clone)]
pub struct Natr {
    atr: Atr,
}

impl Natr {
    pub const NAME: &'static str = "natr";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 1, MAX_PERIOD)?;
        Ok(Natr {
            atr: Atr::new_unchecked(period),
        })
    }
}

/// TA-Lib's normalization: `(atr / close) * 100`, 0 for a close of exactly zero (an
/// exact test in 0.8.1, not the old `1e-8` band, so tiny quotes are not zeroed). With
/// period 1 TA-Lib returns the raw true range, *not* normalized — reproduced.
#[inline(always)]
fn normalize<L: Lane>(atr: L, close: L, period: usize) -> L {
    if period == 1 {
        return atr;
    }
    let zero = L::splat(0.0);
    close.ne_or(zero, (atr / close) * L::splat(100.0), zero)
}

impl Streaming for Natr {
    type Input = Hlcv;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: Hlcv) -> f64 {
        let atr = self.atr.update(bar);
        if atr.is_nan() {
            return atr;
        }
        normalize(atr, bar.close, self.atr.period)
    }

    fn lookback(&self) -> usize {
        self.atr.period
    }
}

/// Bars per block of the batch loop, short for the reason given at [`support::BLOCK`]:
/// the out-of-order core computes one block's true ranges beside the previous block's
/// chain. With 256-bar blocks it could not, and on a Zen 1 EPYC (docs/BENCHMARKS.md)
/// ATR over 1M bars took 2.7 ms instead of 2.3 ms; NATR, which also divides each block
/// after its chain, measured 1.55 ms instead of 2.0 ms on a Xeon.
const BLOCK: usize = support::BLOCK;

// Every block but the last starts a pair of smoothed bars, as the streaming state does.
const _: () = assert!(BLOCK.is_multiple_of(2));

/// The batch loop: ATR (or NATR) of the columns, one output per bar.
///
/// Always inlined into its callers below so the `mul_add` is compiled once for the
/// baseline target (a call to libm's `fma`) and with the FMA instruction enabled (with
/// and without AVX2). Both are the same correctly rounded operation, so the results
/// are identical; the instruction is about three times faster on this dependency chain.
///
/// The smoothing is one long chain of fused multiply-adds, one per pair of bars
/// ([`Wilder`]), so its speed is the FMA latency. NATR's division by the close is off
/// that chain, but a scalar division costs more than the chain's step, so the bars go
/// in blocks: the chain fills a block of the output, then one vectorized pass divides
/// the whole block ([`BLOCK`]). The true ranges are computed first, block by
/// block: beside the chain, the compiler paired them into vectors and took their
/// maximum with a branch per bar.
/// Every output is appended once; nothing is filled first and rewritten.
#[inline(always)]
fn atr_columns(high: &[f64], low: &[f64], close: &[f64], period: usize, natr: bool) -> Vec<f64> {
    let n = common_len(&[high, low, close]);
    let mut out = column(n, period);
    if n <= period {
        return out;
    }
    let (high, low, close) = (&high[..n], &low[..n], &close[..n]);
    let mut total = 0.0;
    for i in 1..=period {
        total += true_range(high[i], low[i], close[i - 1]);
    }
    let mut atr = total / period as f64;
    out.push(if natr {
        normalize(atr, close[period], period)
    } else {
        atr
    });
    let wilder = Wilder::<f64>::new(period);
    let normalized = natr && period > 1;
    let mut shares = [0.0; BLOCK];
    let mut start = period + 1;
    while start < n {
        let end = (start + BLOCK).min(n);
        // First the block's weighed true ranges, vectorised; then the chain over them.
        // Zipped slices rather than indices: no bounds checks, so `atr` stays in a
        // register across the loop. Plain loops, not `extend` with a closure: a
        // closure is compiled without the caller's FMA feature unless it happens to
        // be inlined, and then `mul_add` becomes a call to libm's software `fma`.
        let shares = &mut shares[..end - start];
        let bars = high[start..end]
            .iter()
            .zip(&low[start..end])
            .zip(&close[start - 1..end - 1]);
        for (share, ((&h, &l), &prev_close)) in shares.iter_mut().zip(bars) {
            *share = wilder.weigh(true_range(h, l, prev_close));
        }
        let mut slots = out.spare_capacity_mut()[..end - start].chunks_exact_mut(2);
        let mut pairs = shares.chunks_exact(2);
        for (slot, pair) in slots.by_ref().zip(pairs.by_ref()) {
            slot[0].write(wilder.first(atr, pair[0]));
            atr = wilder.second(atr, pair[0], pair[1]);
            slot[1].write(atr);
        }
        if let ([slot], [share]) = (slots.into_remainder(), pairs.remainder()) {
            atr = wilder.first(atr, *share);
            slot.write(atr);
        }
        // SAFETY: the capacity is at least `n` (from `column`); the loop just initialized
        // the `end - start` slots following the current length `start`.
        unsafe { out.set_len(end) };
        if normalized {
            for (value, &close) in out[start..end].iter_mut().zip(&close[start..end]) {
                *value = normalize(*value, close, period);
            }
        }
        start = end;
    }
    out
}

/// [`atr_columns`] compiled with the FMA instruction.
///
/// # Safety
/// The CPU must support FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn atr_columns_fma(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
    natr: bool,
) -> Vec<f64> {
    atr_columns(high, low, close, period, natr)
}

/// [`atr_columns`] compiled with AVX2 as well as FMA: NATR's division pass then takes
/// four bars per instruction instead of two, which matters because it runs after the
/// chain of each block, not beside it.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn atr_columns_avx2(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
    natr: bool,
) -> Vec<f64> {
    atr_columns(high, low, close, period, natr)
}

fn atr_batch(high: &[f64], low: &[f64], close: &[f64], period: usize, natr: bool) -> Vec<f64> {
    #[cfg(target_arch = "x86_64")]
    if hardware_avx2_fma() {
        // SAFETY: the CPU was just checked to support AVX2 and FMA.
        return unsafe { atr_columns_avx2(high, low, close, period, natr) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: FMA, the only feature `atr_columns_fma` enables, was just detected.
        return unsafe { atr_columns_fma(high, low, close, period, natr) };
    }
    atr_columns(high, low, close, period, natr)
}

/// ATR of the bars; the first `period` outputs are `NaN`. Columns of unequal length
/// are read up to the shortest.
pub fn atr(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Atr::NAME, "period", period, 1, MAX_PERIOD)?;
    Ok(atr_batch(high, low, close, period, false))
}

/// NATR of the bars; the first `period` outputs are `NaN`.
pub fn natr(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Natr::NAME, "period", period, 1, MAX_PERIOD)?;
    Ok(atr_batch(high, low, close, period, true))
}

/// ATR (or NATR) of four series of equal length at once, into outputs already holding
/// `NaN`; each lane computes exactly what [`atr`] (or [`natr`]) does: the same seed,
/// the same pairs of smoothed bars, the same normalization.
#[inline(always)]
pub(crate) fn atr_lanes<L: Lane4>(
    [high, low, close]: [Inputs; 3],
    period: usize,
    natr: bool,
    [mut out]: [Outputs; 1],
) {
    let len = high.len();
    if len <= period {
        return;
    }
    let mut total = L::splat(0.0);
    for i in 1..=period {
        total += true_range::<L>(high.at(i), low.at(i), close.at(i - 1));
    }
    let mut atr = total / L::splat(period as f64);
    let wilder = Wilder::<L>::new(period);
    // A function, not a closure: a closure is compiled without the AVX2 features of
    // the kernel's caller unless it happens to be inlined.
    #[inline(always)]
    fn finish<L: Lane>(atr: L, close: L, period: usize, natr: bool) -> L {
        if natr {
            normalize(atr, close, period)
        } else {
            atr
        }
    }
    out.set(period, finish(atr, close.at(period), period, natr));
    // Exact chunks of the interleaved columns (two bars of four lanes): no bounds check
    // per bar.
    let count = len - period - 1;
    let bars = high
        .bars(period + 1, count)
        .chunks_exact(8)
        .zip(low.bars(period + 1, count).chunks_exact(8))
        .zip(close.bars(period, count).chunks_exact(8))
        .zip(close.bars(period + 1, count).chunks_exact(8));
    let mut slots = out.bars(period + 1, count).chunks_exact_mut(8);
    for (slot, (((h, l), prev_close), c)) in slots.by_ref().zip(bars) {
        let share1 = wilder.weigh(true_range(L::load(h), L::load(l), L::load(prev_close)));
        let (h, l, prev_close, c2) = (&h[4..], &l[4..], &prev_close[4..], &c[4..]);
        let share2 = wilder.weigh(true_range(L::load(h), L::load(l), L::load(prev_close)));
        let (slot1, slot2) = slot.split_at_mut(4);
        finish(wilder.first(atr, share1), L::load(c), period, natr).store(slot1);
        atr = wilder.second(atr, share1, share2);
        finish(atr, L::load(c2), period, natr).store(slot2);
    }
    if count % 2 == 1 {
        let i = len - 1;
        let tr = true_range::<L>(high.at(i), low.at(i), close.at(i - 1));
        atr = wilder.first(atr, wilder.weigh(tr));
        out.set(i, finish(atr, close.at(i), period, natr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::bar_common::{assert_bits_eq, columns, sample_bars};
    use crate::indicators::run_streaming;
    use crate::indicators::trange::trange;

    #[test]
    fn seeds_with_the_average_then_smooths() {
        // True ranges of bars 1..=3: 2, 1, 4.
        let high = [10.0, 11.0, 11.0, 14.0];
        let low = [9.0, 9.0, 10.0, 10.0];
        let close = [10.0, 10.0, 10.5, 12.0];
        let out = atr(&high, &low, &close, 2).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(out[2], 1.5);
        assert_eq!(out[3], 0.5f64.mul_add(1.5, 0.5 * 4.0));
        assert_eq!(out[3], 2.75);
    }

    #[test]
    fn period_one_is_the_true_range() {
        let [high, low, close, _] = columns(&sample_bars(200));
        let tr = trange(&high, &low, &close);
        assert_bits_eq(&atr(&high, &low, &close, 1).unwrap(), &tr, "atr(1)");
        // TA-Lib's NATR(1) is the raw true range too, not a percentage.
        assert_bits_eq(&natr(&high, &low, &close, 1).unwrap(), &tr, "natr(1)");
    }

    #[test]
    fn natr_is_a_percentage_of_the_close_and_zero_on_a_zero_close() {
        let high = [10.0, 11.0, 11.0, 14.0];
        let low = [9.0, 9.0, 10.0, 10.0];
        let close = [10.0, 10.0, 10.5, 0.0];
        let out = natr(&high, &low, &close, 2).unwrap();
        assert_eq!(out[2], (1.5 / 10.5) * 100.0);
        assert_eq!(out[3], 0.0);
        // Tiny quotes are not mistaken for zero.
        let scale = |v: &[f64]| v.iter().map(|x| x * 1e-9).collect::<Vec<_>>();
        let tiny = natr(&scale(&high), &scale(&low), &scale(&close), 2).unwrap();
        assert!((tiny[2] - out[2]).abs() < 1e-9);
    }

    #[test]
    fn too_short_inputs_are_all_nan() {
        let high = [2.0, 3.0, 4.0];
        let out = atr(&high, &high, &high, 3).unwrap();
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|v| v.is_nan()));
        assert!(atr(&[], &[], &[], 1).unwrap().is_empty());
        assert_eq!(atr(&high, &high[..2], &high, 1).unwrap().len(), 2);
    }

    #[test]
    fn period_range_is_talibs() {
        assert!(atr(&[1.0], &[1.0], &[1.0], 0).is_err());
        assert!(Natr::new(100_001).is_err());
        assert!(Atr::new(100_000).is_ok());
        assert_eq!(
            natr(&[1.0], &[1.0], &[1.0], 0).unwrap_err().to_string(),
            "natr: period must be between 1 and 100000, got 0"
        );
    }

    #[test]
    fn fma_instruction_and_portable_paths_agree() {
        let [high, low, close, _] = columns(&sample_bars(300));
        for (period, natr) in [(1, false), (14, false), (14, true), (299, true)] {
            let portable = atr_columns(&high, &low, &close, period, natr);
            let dispatched = atr_batch(&high, &low, &close, period, natr);
            assert_bits_eq(&portable, &dispatched, &format!("({period}, {natr})"));
        }
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let bars = sample_bars(400);
        let [high, low, close, _] = columns(&bars);
        for period in [1, 2, 3, 14, 398, 399, 400, 401] {
            let batch = atr(&high, &low, &close, period).unwrap();
            let streamed = run_streaming(Atr::new(period).unwrap(), bars.iter().copied());
            assert_bits_eq(&batch, &streamed, &format!("atr({period})"));
            let batch = natr(&high, &low, &close, period).unwrap();
            let streamed = run_streaming(Natr::new(period).unwrap(), bars.iter().copied());
            assert_bits_eq(&batch, &streamed, &format!("natr({period})"));
            assert_eq!(Atr::new(period).unwrap().lookback(), period);
        }
    }
}
