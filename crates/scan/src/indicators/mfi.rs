//! Money flow index (TA-Lib `MFI`).
//!
//! Each bar after the first has a money flow `typical * volume`, with typical price
//! `(high + low + close) / 3`, counted as positive when the typical price rose, negative
//! when it fell. MFI is `100 * positive / (positive + negative)` over the last `period`
//! flows, so the first value is at bar `period`.
//!
//! What TA-Lib 0.8.1 (the wheel's build) does, and we reproduce:
//!
//! * the flows sit in a ring and the two sums are kept by subtract-oldest-then-add,
//!   in that order;
//! * "no movement" is a scaled dead zone, `|tp - prev_tp| <= 1e-14 * (|tp| + |prev_tp|)`:
//!   such a bar's flow is 0 (not the older exact `== 0` test);
//! * an empty window is recognized by counting bars that put nothing in (no movement,
//!   or zero volume): after `period` of them in a row the sums are reset to exactly 0,
//!   dropping the add/subtract residue;
//! * the result is 0 when the total is not `> 0` (not the older "total < 1" rule, which
//!   zeroed small quotes and volumes), and the positive sum is clamped into
//!   `[0, total]` before dividing.

use super::bar_common::{common_len, is_zero_scaled, typical_price, zero_if_scaled_zero};
use super::lanes::{self, Inputs, Lane, Lane4, Outputs};
#[cfg(target_arch = "x86_64")]
use super::support::hardware_avx2_fma;
use super::support::{filled_column, BLOCK};
use super::{check_period, Hlcv, ParamError, Streaming, MAX_PERIOD};
use std::mem::MaybeUninit;

/// One bar's change of the typical price and its money flow, `typical * volume`, or 0
/// inside the dead zone.
#[inline(always)]
fn change_and_flow(typical: f64, prev: f64, volume: f64) -> (f64, f64) {
    let change = typical - prev;
    let flow = if is_zero_scaled(change, typical.abs() + prev.abs()) {
        0.0
    } else {
        typical * volume
    };
    (change, flow)
}

/// One bar's `(positive, negative)` money flow: the flow on the side the typical price
/// moved to (negative when it fell: `change < 0`, false for NaN), 0 on the other.
///
/// The side is picked with a bit mask, not a branch: the direction flips
/// unpredictably on real and random data, and a mispredicted branch per bar costs
/// more than the rest of the bar (batch MFI ran 2x slower with it). Masking a value
/// to all-zero bits gives `+0.0`, the same 0 the branch gave.
#[inline(always)]
fn money_flow(typical: f64, prev: f64, volume: f64) -> (f64, f64) {
    let (change, flow) = change_and_flow(typical, prev, volume);
    // All ones when the price fell, else all zeros. `black_box` only hides the mask's
    // origin from LLVM, which otherwise recognizes `bits & mask` as a select on the
    // comparison and emits the branch again; it does not change the value.
    let fell = std::hint::black_box(((change < 0.0) as u64).wrapping_neg());
    let bits = flow.to_bits();
    (f64::from_bits(bits & !fell), f64::from_bits(bits & fell))
}

/// [`money_flow`] as a select rather than a bit mask, for the loops the compiler
/// vectorises (where a select becomes a blend, not a branch): the same two values.
#[inline(always)]
fn money_flow_sides(typical: f64, prev: f64, volume: f64) -> (f64, f64) {
    let (change, flow) = change_and_flow(typical, prev, volume);
    if change < 0.0 {
        (0.0, flow)
    } else {
        (flow, 0.0)
    }
}

/// Adds one bar's flows to the running sums (after the oldest was subtracted) and
/// applies TA-Lib's empty-window reset: after `period` bars in a row that put nothing
/// in, the sums become exactly 0.
#[inline(always)]
fn add_flow(
    positive_sum: &mut f64,
    negative_sum: &mut f64,
    null_run: &mut usize,
    period: usize,
    (up, down): (f64, f64),
) {
    *positive_sum += up;
    *negative_sum += down;
    // The flow was 0 exactly when both sides are.
    let empty = up == 0.0 && down == 0.0;
    *null_run = if empty { *null_run + 1 } else { 0 };
    if *null_run >= period {
        *null_run = period;
        *positive_sum = 0.0;
        *negative_sum = 0.0;
    }
}

/// `100 * positive / total`, with the positive sum clamped into `[0, total]` and 0
/// for a window whose total is not `> 0`.
#[inline(always)]
fn money_flow_index(positive_sum: f64, negative_sum: f64) -> f64 {
    let total = positive_sum + negative_sum;
    let positive = if positive_sum < 0.0 {
        0.0
    } else if positive_sum > total {
        total
    } else {
        positive_sum
    };
    if total <= 0.0 {
        0.0
    } else {
        100.0 * (positive / total)
    }
}

/// Streaming MFI. Lookback `period`.
#[derive(Debug, Clone)]
pub struct Mfi {
    positive: Vec<f64>,
    negative: Vec<f64>,
    /// Ring slot of the oldest flow, where the next one goes.
    slot: usize,
    prev_typical: Option<f64>,
    positive_sum: f64,
    negative_sum: f64,
    /// Consecutive flows that were exactly 0, capped at `period`.
    null_run: usize,
    flows: usize,
}

impl Mfi {
    pub const NAME: &'static str = "mfi";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 2, MAX_PERIOD)?;
        Ok(Mfi {
            positive: vec![0.0; period],
            negative: vec![0.0; period],
            slot: 0,
            prev_typical: None,
            positive_sum: 0.0,
            negative_sum: 0.0,
            null_run: 0,
            flows: 0,
        })
    }
}

impl Streaming for Mfi {
    type Input = Hlcv;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: Hlcv) -> f64 {
        let period = self.positive.len();
        let typical = typical_price(bar.high, bar.low, bar.close);
        let Some(prev) = self.prev_typical.replace(typical) else {
            return f64::NAN;
        };
        if self.flows >= period {
            self.positive_sum -= self.positive[self.slot];
            self.negative_sum -= self.negative[self.slot];
        }
        let (up, down) = money_flow(typical, prev, bar.volume);
        self.positive[self.slot] = up;
        self.negative[self.slot] = down;
        add_flow(
            &mut self.positive_sum,
            &mut self.negative_sum,
            &mut self.null_run,
            period,
            (up, down),
        );
        self.slot += 1;
        if self.slot == period {
            self.slot = 0;
        }
        if self.flows < period {
            self.flows += 1;
            if self.flows < period {
                return f64::NAN;
            }
        }
        money_flow_index(self.positive_sum, self.negative_sum)
    }

    fn lookback(&self) -> usize {
        self.positive.len()
    }
}

/// MFI of the bars; the first `period` outputs are `NaN`. Columns of unequal length
/// are read up to the shortest.
pub fn mfi(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    period: usize,
) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Mfi::NAME, "period", period, 2, MAX_PERIOD)?;
    let n = common_len(&[high, low, close, volume]);
    let bars = [&high[..n], &low[..n], &close[..n], &volume[..n]];
    let fill_all = |[slots]: [&mut [MaybeUninit<f64>]; 1]| {
        if n <= period {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if hardware_avx2_fma() {
            // SAFETY: the CPU was just checked to support these features.
            return unsafe { fill_avx2(bars, period, slots) };
        }
        fill(bars, period, slots)
    };
    // SAFETY: `fill` writes every slot whenever there are any (`n > period`).
    Ok(unsafe { filled_column(n, period, fill_all) })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fill_avx2(bars: [&[f64]; 4], period: usize, slots: &mut [MaybeUninit<f64>]) {
    fill(bars, period, slots)
}

/// Writes all `n - period` slots of the high, low, close and volume columns `bars`, of
/// one length `n > period`: the same arithmetic as `Mfi::update`, without its per-bar
/// bookkeeping.
///
/// After the warm-up, block by block ([`BLOCK`]): the typical prices and flows, which
/// do not depend on the sums, vectorised into stack buffers; then the sums' chain,
/// through the ring of the last `period` flows; then the index, whose division is off
/// the chain, vectorised.
#[inline(always)]
fn fill([high, low, close, volume]: [&[f64]; 4], period: usize, slots: &mut [MaybeUninit<f64>]) {
    let n = high.len();
    let typical = |i: usize| typical_price(high[i], low[i], close[i]);
    let mut ring_up = vec![0.0; period];
    let mut ring_down = vec![0.0; period];
    let (mut positive_sum, mut negative_sum, mut null_run) = (0.0, 0.0, 0);

    // Bars 1..=period fill the ring; nothing leaves it yet.
    let mut prev = typical(0);
    for (slot, bar) in (1..=period).enumerate() {
        let tp = typical(bar);
        let flow = money_flow(tp, prev, volume[bar]);
        prev = tp;
        (ring_up[slot], ring_down[slot]) = flow;
        add_flow(
            &mut positive_sum,
            &mut negative_sum,
            &mut null_run,
            period,
            flow,
        );
    }
    slots[0].write(money_flow_index(positive_sum, negative_sum));

    // Each later bar replaces the oldest flow, in ring slot `oldest`.
    let mut oldest = 0;
    let mut typicals = [0.0; BLOCK + 1];
    let (mut ups, mut downs) = ([0.0; BLOCK], [0.0; BLOCK]);
    let (mut positive_sums, mut negative_sums) = ([0.0; BLOCK], [0.0; BLOCK]);
    for (out, first) in slots[1..]
        .chunks_mut(BLOCK)
        .zip((period + 1..n).step_by(BLOCK))
    {
        let len = out.len();
        // `typicals[j]` is bar `first - 1 + j`'s typical price.
        let span = first - 1..first + len;
        let prices = high[span.clone()]
            .iter()
            .zip(&low[span.clone()])
            .zip(&close[span]);
        for (tp, ((&h, &l), &c)) in typicals.iter_mut().zip(prices) {
            *tp = typical_price(h, l, c);
        }
        let moves = typicals[..=len].windows(2).zip(&volume[first..first + len]);
        for ((up, down), (pair, &v)) in ups.iter_mut().zip(downs.iter_mut()).zip(moves) {
            (*up, *down) = money_flow_sides(pair[1], pair[0], v);
        }
        let flows = ups[..len].iter().zip(&downs[..len]);
        let sums = positive_sums.iter_mut().zip(negative_sums.iter_mut());
        for ((&up, &down), (positive, negative)) in flows.zip(sums) {
            positive_sum -= ring_up[oldest];
            negative_sum -= ring_down[oldest];
            (ring_up[oldest], ring_down[oldest]) = (up, down);
            add_flow(
                &mut positive_sum,
                &mut negative_sum,
                &mut null_run,
                period,
                (up, down),
            );
            (*positive, *negative) = (positive_sum, negative_sum);
            oldest += 1;
            if oldest == period {
                oldest = 0;
            }
        }
        let sums = positive_sums.iter().zip(&negative_sums);
        for (slot, (&positive, &negative)) in out.iter_mut().zip(sums) {
            slot.write(money_flow_index(positive, negative));
        }
    }
}

/// The running sums of the lane kernel: [`add_flow`]'s state, one value per lane. The
/// run of empty bars is a whole number below `period`, exact in `f64`, so it can be
/// compared and reset with the same selects as the sums.
struct FlowSums<L> {
    positive: L,
    negative: L,
    null_run: L,
}

impl<L: Lane> FlowSums<L> {
    /// [`money_flow`] per lane: the same comparisons, as selects.
    #[inline(always)]
    fn flow(typical: L, prev: L, volume: L) -> (L, L) {
        let change = typical - prev;
        let flow = zero_if_scaled_zero(change, typical.abs() + prev.abs(), typical * volume);
        let zero = L::splat(0.0);
        // `change < 0` (false for NaN) puts the flow on the negative side.
        (
            zero.gt_or(change, zero, flow),
            zero.gt_or(change, flow, zero),
        )
    }

    /// [`add_flow`] per lane.
    #[inline(always)]
    fn add(&mut self, period: L, (up, down): (L, L)) {
        self.positive += up;
        self.negative += down;
        let zero = L::splat(0.0);
        // `up == 0 && down == 0` (false for NaN) lengthens the run, anything else ends it.
        let longer = self.null_run + L::splat(1.0);
        self.null_run = up.ne_or(zero, zero, down.ne_or(zero, zero, longer));
        // `null_run >= period`, written as `!(period > null_run)`: the run is never NaN.
        self.positive = period.gt_or(self.null_run, self.positive, zero);
        self.negative = period.gt_or(self.null_run, self.negative, zero);
        self.null_run = period.gt_or(self.null_run, self.null_run, period);
    }

    /// [`money_flow_index`] per lane.
    #[inline(always)]
    fn index(&self) -> L {
        let total = self.positive + self.negative;
        let zero = L::splat(0.0);
        // Clamped into `[0, total]`, the test against 0 first as in the scalar code.
        let positive = self.positive.gt_or(total, total, self.positive);
        let positive = zero.gt_or(self.positive, zero, positive);
        total.le_or(zero, zero, L::splat(100.0) * (positive / total))
    }
}

/// MFI of four series of equal length at once, into outputs already holding `NaN`;
/// each lane computes exactly what [`mfi`] does.
#[inline(always)]
pub(crate) fn mfi_lanes<L: Lane4>(
    [high, low, close, volume]: [Inputs; 4],
    period: usize,
    [mut out]: [Outputs; 1],
) {
    let len = high.len();
    if len <= period {
        return;
    }
    // A function, not a closure: a closure is compiled without the AVX2 features of
    // the kernel's caller unless it happens to be inlined.
    #[inline(always)]
    fn typical_at<L: Lane4>([high, low, close]: [Inputs; 3], i: usize) -> L {
        typical_price(high.at(i), low.at(i), close.at(i))
    }
    let hlc = [high, low, close];
    let zero = L::splat(0.0);
    let period_lanes = L::splat(period as f64);
    let (mut positive, mut negative) = (lanes::filled(zero, period), lanes::filled(zero, period));
    let mut sums = FlowSums {
        positive: zero,
        negative: zero,
        null_run: zero,
    };
    let mut prev = typical_at::<L>(hlc, 0);
    for bar in 1..=period {
        let tp = typical_at::<L>(hlc, bar);
        let flow = FlowSums::flow(tp, prev, volume.at(bar));
        prev = tp;
        (positive[bar - 1], negative[bar - 1]) = flow;
        sums.add(period_lanes, flow);
    }
    out.set(period, sums.index());
    // Each later bar replaces the oldest flow, in the slot it reuses.
    let mut slot = 0;
    for bar in period + 1..len {
        let tp = typical_at::<L>(hlc, bar);
        sums.positive -= positive[slot];
        sums.negative -= negative[slot];
        let flow = FlowSums::flow(tp, prev, volume.at(bar));
        prev = tp;
        (positive[slot], negative[slot]) = flow;
        sums.add(period_lanes, flow);
        out.set(bar, sums.index());
        slot += 1;
        if slot == period {
            slot = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::bar_common::{assert_bits_eq, columns, sample_bars};
    use crate::indicators::run_streaming;

    #[test]
    fn positive_share_of_the_money_flow() {
        // Typical prices 10, 11, 10.5, 12 (h = l = c), volumes 1, 2, 4, 1.
        let p = [10.0, 11.0, 10.5, 12.0];
        let v = [1.0, 2.0, 4.0, 1.0];
        let out = mfi(&p, &p, &p, &v, 2).unwrap();
        assert!(out[..2].iter().all(|x| x.is_nan()));
        // Bar 2: +22, -42.
        assert_eq!(out[2], 100.0 * (22.0 / 64.0));
        // Bar 3: 22 leaves, +12 enters: +12 (after 22 - 22 + 12), -42.
        assert_eq!(out[3], 100.0 * (12.0 / 54.0));
    }

    #[test]
    fn no_movement_or_no_volume_gives_zero() {
        let flat = [5.0; 8];
        let v = [100.0; 8];
        assert!(mfi(&flat, &flat, &flat, &v, 3).unwrap()[3..]
            .iter()
            .all(|x| *x == 0.0));
        let [high, low, close, _] = columns(&sample_bars(40));
        let none = [0.0; 40];
        assert!(mfi(&high, &low, &close, &none, 5).unwrap()[5..]
            .iter()
            .all(|x| *x == 0.0));
    }

    #[test]
    fn small_quotes_and_volumes_are_not_zeroed() {
        let [high, low, close, volume] = columns(&sample_bars(60));
        let tiny = |v: &[f64]| v.iter().map(|x| x * 1e-9).collect::<Vec<_>>();
        let a = mfi(&high, &low, &close, &volume, 14).unwrap();
        let b = mfi(&tiny(&high), &tiny(&low), &tiny(&close), &tiny(&volume), 14).unwrap();
        assert!(a[14..]
            .iter()
            .zip(&b[14..])
            .all(|(x, y)| (x - y).abs() < 1e-9));
        assert!(b[14..].iter().all(|x| *x > 0.0 && *x < 100.0));
    }

    #[test]
    fn short_inputs_and_ranges() {
        let x = [1.0, 2.0, 3.0];
        assert!(mfi(&x, &x, &x, &x, 3).unwrap().iter().all(|v| v.is_nan()));
        assert_eq!(mfi(&x, &x, &x, &x[..2], 2).unwrap().len(), 2);
        assert!(mfi(&x, &x, &x, &x, 1).is_err());
        assert!(Mfi::new(100_001).is_err());
        assert_eq!(Mfi::new(14).unwrap().lookback(), 14);
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let bars = sample_bars(300);
        let [high, low, close, volume] = columns(&bars);
        for period in [2, 3, 14, 298, 299, 300] {
            let batch = mfi(&high, &low, &close, &volume, period).unwrap();
            let streamed = run_streaming(Mfi::new(period).unwrap(), bars.iter().copied());
            assert_bits_eq(&batch, &streamed, &format!("mfi({period})"));
        }
    }
}
