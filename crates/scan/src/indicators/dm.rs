//! Directional movement: TA-Lib `PLUS_DI`, `MINUS_DI` and `ADX`.
//!
//! Wilder's system as TA-Lib 0.8.1 computes it:
//!
//! * one-bar moves `up = high - prev_high`, `down = prev_low - low`; `+DM1 = up` when
//!   `up > 0 && up > down`, `-DM1 = down` when `down > 0 && up < down`, else 0 (equal
//!   moves give neither);
//! * the first `period - 1` one-bar `+DM1`, `-DM1` and true ranges are plainly summed
//!   (bars `1..period`); from bar `period` on each sum `s` becomes `s - s/period + x`
//!   (see below for how we evaluate it);
//! * `DI = 100 * (DM / TR)`, 0 when the smoothed true range is not `> 0` (an exact test
//!   in 0.8.1, so tiny quotes keep their DI);
//! * `DX = 100 * (|-DI - +DI| / (-DI + +DI))`, skipped when the DI sum is inside
//!   TA-Lib's `1e-14` band; ADX seeds with the mean of the first `period` DX and then
//!   `(adx * (period - 1) + dx) / period` (see below). A bar whose DX is skipped leaves
//!   ADX unchanged (it is not decayed), and a skipped DX in the seed simply adds
//!   nothing while the divisor stays `period` — both reproduced.
//!
//! With period 1, TA-Lib's `PLUS_DI`/`MINUS_DI` take a separate path: the raw
//! `DM1 / TR1` **as a ratio, not multiplied by 100**, 0 when the true range is not
//! `> 0`. Reproduced as is. ADX needs period ≥ 2.
//!
//! The two smoothing steps are where we depart from TA-Lib's operations. TA-Lib
//! evaluates `s - s/period + x` left to right (a division, a subtraction, an addition)
//! and `(adx * (period - 1) + dx) / period` (a multiply, an add, a division): each sum
//! and the ADX wait on three dependent roundings per bar, a division among them, and
//! those chains bound the whole series. We take one fused multiply-add per bar on each
//! chain ([`Smoothing`]): `fma(s, (period - 1) / period, x)` and
//! `fma(adx, (period - 1) / period, dx * (1 / period))`, as RSI does. The same averages
//! rounded differently; the recurrences damp each rounding by `(period - 1) / period`
//! per bar, so they stay within a few units in the last place of TA-Lib's, far inside
//! the 1e-9 parity bound (docs/indicators.md).

use super::bar_common::{common_len, is_zero_band, TA_EPSILON};
use super::lanes::{Inputs, Lane, Lane4, Outputs};
#[cfg(target_arch = "x86_64")]
use super::support::hardware_avx2_fma;
use super::support::{column, BLOCK};
use super::trange::true_range;
use super::{check_period, Hlcv, ParamError, Streaming, MAX_PERIOD};

/// Wilder's smoothing steps of the DM and TR sums and of the ADX, one fused multiply-add
/// on each chain per bar (see the module's note), for one series (`f64`) or several at
/// once (see `lanes`). The streaming states, the batch loops and the lane kernels all
/// step through it, so they agree bit for bit.
#[derive(Debug, Clone, Copy)]
struct Smoothing<L> {
    /// `(period - 1) / period`, the share of the previous value kept at each bar.
    retain: L,
    inv_period: L,
}

impl<L: Lane> Smoothing<L> {
    fn new(period: usize) -> Self {
        Smoothing {
            retain: L::splat((period - 1) as f64 / period as f64),
            inv_period: L::splat(1.0 / period as f64),
        }
    }

    /// TA-Lib's `sum - sum / period + amount`.
    #[inline(always)]
    fn sum(self, sum: L, amount: L) -> L {
        sum.mul_add(self.retain, amount)
    }

    /// TA-Lib's `(adx * (period - 1) + dx) / period`.
    #[inline(always)]
    fn average(self, adx: L, dx: L) -> L {
        adx.mul_add(self.retain, dx * self.inv_period)
    }
}

/// The running +DM, -DM and TR sums shared by the three indicators.
#[derive(Debug, Clone)]
struct DmCore {
    period: usize,
    divisor: f64,
    smoothing: Smoothing<f64>,
    prev: Option<(f64, f64, f64)>,
    /// One-bar moves summed so far, up to `period - 1`.
    summed: usize,
    plus_dm: f64,
    minus_dm: f64,
    tr: f64,
}

/// One bar's moves, which DM1 they make, and its true range.
struct Move {
    up: f64,
    down: f64,
    plus: bool,
    minus: bool,
    tr: f64,
}

impl DmCore {
    fn new(period: usize) -> Self {
        DmCore {
            period,
            divisor: period as f64,
            smoothing: Smoothing::new(period),
            prev: None,
            summed: 0,
            plus_dm: 0.0,
            minus_dm: 0.0,
            tr: 0.0,
        }
    }

    #[inline(always)]
    fn next_move(&mut self, high: f64, low: f64, close: f64) -> Option<Move> {
        let (prev_high, prev_low, prev_close) = self.prev.replace((high, low, close))?;
        let up = high - prev_high;
        let down = prev_low - low;
        Some(Move {
            up,
            down,
            plus: up > 0.0 && up > down,
            minus: down > 0.0 && up < down,
            tr: true_range(high, low, prev_close),
        })
    }

    /// Feeds one bar; true once the sums are Wilder-smoothed (from bar `period` on).
    /// `PLUS`/`MINUS` select which DM sums are kept, as each TA-Lib function keeps
    /// only the ones it needs.
    #[inline(always)]
    fn update<const PLUS: bool, const MINUS: bool>(
        &mut self,
        high: f64,
        low: f64,
        close: f64,
    ) -> bool {
        let Some(m) = self.next_move(high, low, close) else {
            return false;
        };
        if self.summed + 1 < self.period {
            self.summed += 1;
            if PLUS && m.plus {
                self.plus_dm += m.up;
            }
            if MINUS && m.minus {
                self.minus_dm += m.down;
            }
            self.tr += m.tr;
            return false;
        }
        // A bar that makes no DM adds -0.0, as in the batch loops' selects.
        let smoothing = self.smoothing;
        if PLUS {
            let amount = if m.plus { m.up } else { -0.0 };
            self.plus_dm = smoothing.sum(self.plus_dm, amount);
        }
        if MINUS {
            let amount = if m.minus { m.down } else { -0.0 };
            self.minus_dm = smoothing.sum(self.minus_dm, amount);
        }
        self.tr = smoothing.sum(self.tr, m.tr);
        true
    }

    /// TA-Lib's period-1 DI: the one-bar move over the one-bar true range, unscaled.
    #[inline(always)]
    fn single_bar_di<const PLUS: bool>(&mut self, high: f64, low: f64, close: f64) -> f64 {
        let Some(m) = self.next_move(high, low, close) else {
            return f64::NAN;
        };
        let (applies, amount) = if PLUS {
            (m.plus, m.up)
        } else {
            (m.minus, m.down)
        };
        if applies && m.tr > 0.0 {
            amount / m.tr
        } else {
            0.0
        }
    }

    /// The DX of the current sums, `None` where TA-Lib skips it.
    #[inline(always)]
    fn dx(&self) -> Option<f64> {
        let (dx, counted) = dx_counted(self.plus_dm, self.minus_dm, self.tr);
        counted.then_some(dx)
    }
}

/// The DX of smoothed +DM, -DM and TR sums, and whether TA-Lib counts it: it skips the
/// DX unless `tr > 0` and the DI sum is outside its `1e-14` band. Computed either way,
/// so that the batch loops select rather than branch.
#[inline(always)]
fn dx_counted(plus_dm: f64, minus_dm: f64, tr: f64) -> (f64, bool) {
    let minus_di = 100.0 * (minus_dm / tr);
    let plus_di = 100.0 * (plus_dm / tr);
    let sum = minus_di + plus_di;
    let dx = 100.0 * ((minus_di - plus_di).abs() / sum);
    (dx, tr > 0.0 && !is_zero_band(sum))
}

/// `100 * DM / TR`, 0 unless the smoothed true range is positive.
#[inline(always)]
fn di<L: Lane>(dm: L, tr: L) -> L {
    let zero = L::splat(0.0);
    tr.gt_or(zero, L::splat(100.0) * (dm / tr), zero)
}

/// One bar's +DM1 and -DM1 (each -0.0 when the bar does not make it) and true range,
/// in the lane kernel, as the scalar loop's `moves` in [`dm_columns`] computes them.
/// The batch loops call it too, in a pass of its own over a block of bars (see
/// [`di_blocks`] and [`adx_blocks`]); interleaved with the smoothing, through these
/// shared helpers, the compiler once made the -DI loop twice as slow.
///
/// On a random walk whether a bar makes +DM1, -DM1 or neither is a
/// coin toss, so a branch would mispredict on about every other bar; the selects
/// compile to compare masks. Adding -0.0 leaves every value (even -0.0) unchanged, so
/// the sums are those of the streaming code's `if`s.
#[inline(always)]
fn bar_moves<L: Lane>(high: L, low: L, prev_high: L, prev_low: L, prev_close: L) -> (L, L, L) {
    let up = high - prev_high;
    let down = prev_low - low;
    let (zero, none) = (L::splat(0.0), L::splat(-0.0));
    // `up > 0 && up > down`, and `down > 0 && up < down`.
    let plus = up.gt_or(zero, up.gt_or(down, up, none), none);
    let minus = down.gt_or(zero, down.gt_or(up, down, none), none);
    (plus, minus, true_range(high, low, prev_close))
}

/// The running +DM, -DM and TR sums of the batch loops, for one series (`f64`) or
/// several at once (see `lanes`).
#[derive(Clone, Copy)]
struct DmSums<L> {
    plus_dm: L,
    minus_dm: L,
    tr: L,
}

impl<L: Lane> DmSums<L> {
    #[inline(always)]
    fn new() -> Self {
        let zero = L::splat(0.0);
        DmSums {
            plus_dm: zero,
            minus_dm: zero,
            tr: zero,
        }
    }

    /// Adds one of the first `period - 1` bars' moves.
    #[inline(always)]
    fn add(&mut self, (plus, minus, range): (L, L, L)) {
        self.plus_dm += plus;
        self.minus_dm += minus;
        self.tr += range;
    }

    /// Wilder smoothing ([`Smoothing::sum`]) of only the sums `LINE` needs.
    #[inline(always)]
    fn smooth<const LINE: u8>(&mut self, by: Smoothing<L>, (plus, minus, range): (L, L, L)) {
        if LINE != MINUS_DI {
            self.plus_dm = by.sum(self.plus_dm, plus);
        }
        if LINE != PLUS_DI {
            self.minus_dm = by.sum(self.minus_dm, minus);
        }
        self.tr = by.sum(self.tr, range);
    }

    /// The DI of `LINE` (`PLUS_DI` or `MINUS_DI`).
    #[inline(always)]
    fn di<const LINE: u8>(&self) -> L {
        di(
            if LINE == PLUS_DI {
                self.plus_dm
            } else {
                self.minus_dm
            },
            self.tr,
        )
    }

    /// The DX of the sums and the DI sum it divides by, computed unconditionally
    /// (see [`if_counted`]).
    #[inline(always)]
    fn dx(&self) -> (L, L) {
        let minus_di = L::splat(100.0) * (self.minus_dm / self.tr);
        let plus_di = L::splat(100.0) * (self.plus_dm / self.tr);
        let sum = minus_di + plus_di;
        (L::splat(100.0) * ((minus_di - plus_di).abs() / sum), sum)
    }
}

/// `then` where TA-Lib counts the bar's DX, else `otherwise`: it skips the DX unless
/// `tr > 0` and the DI sum is outside its `1e-14` band. A select, not a branch: a
/// division whose result is discarded costs less than a mispredicted branch.
#[inline(always)]
fn if_counted<L: Lane>(tr: L, di_sum: L, then: L, otherwise: L) -> L {
    let (zero, band) = (L::splat(0.0), L::splat(TA_EPSILON));
    // Inside the band is `-1e-14 < sum && sum < 1e-14`.
    let outside_band = di_sum.gt_or(
        L::splat(-TA_EPSILON),
        band.gt_or(di_sum, otherwise, then),
        then,
    );
    tr.gt_or(zero, outside_band, otherwise)
}

macro_rules! directional_index {
    ($(#[$doc:meta])* $state:ident, $name:literal, $plus:literal, $field:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $state {
            core: DmCore,
        }

        impl $state {
            pub const NAME: &'static str = $name;

            pub fn new(period: usize) -> Result<Self, ParamError> {
                let period = check_period(Self::NAME, "period", period, 1, MAX_PERIOD)?;
                Ok($state {
                    core: DmCore::new(period),
                })
            }
        }

        impl Streaming for $state {
            type Input = Hlcv;
            type Output = f64;

            #[inline]
            fn update(&mut self, bar: Hlcv) -> f64 {
                if self.core.period == 1 {
                    return self.core.single_bar_di::<$plus>(bar.high, bar.low, bar.close);
                }
                if self
                    .core
                    .update::<$plus, { !$plus }>(bar.high, bar.low, bar.close)
                {
                    di(self.core.$field, self.core.tr)
                } else {
                    f64::NAN
                }
            }

            fn lookback(&self) -> usize {
                self.core.period
            }
        }
    };
}

directional_index!(
    /// Streaming +DI (TA-Lib `PLUS_DI`); volume is ignored. Lookback `period`.
    PlusDi, "plus_di", true, plus_dm
);
directional_index!(
    /// Streaming -DI (TA-Lib `MINUS_DI`); volume is ignored. Lookback `period`.
    MinusDi, "minus_di", false, minus_dm
);

/// Streaming ADX; volume is ignored. Lookback `2 * period - 1`.
#[derive(Debug, Clone)]
pub struct Adx {
    core: DmCore,
    /// DX bars taken into the seed so far (stops at `period`).
    seeded: usize,
    /// The running DX sum while seeding, then the current ADX.
    value: f64,
}

impl Adx {
    pub const NAME: &'static str = "adx";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 2, MAX_PERIOD)?;
        Ok(Adx {
            core: DmCore::new(period),
            seeded: 0,
            value: 0.0,
        })
    }
}

impl Streaming for Adx {
    type Input = Hlcv;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: Hlcv) -> f64 {
        if !self.core.update::<true, true>(bar.high, bar.low, bar.close) {
            return f64::NAN;
        }
        let dx = self.core.dx();
        let period = self.core.period;
        if self.seeded < period {
            self.seeded += 1;
            if let Some(dx) = dx {
                self.value += dx;
            }
            if self.seeded < period {
                return f64::NAN;
            }
            self.value /= self.core.divisor;
            return self.value;
        }
        if let Some(dx) = dx {
            self.value = self.core.smoothing.average(self.value, dx);
        }
        self.value
    }

    fn lookback(&self) -> usize {
        2 * self.core.period - 1
    }
}

/// Runs a streaming state over columns (only the period-1 DI path uses this).
fn run_columns<S: Streaming<Input = Hlcv, Output = f64>>(
    mut state: S,
    high: &[f64],
    low: &[f64],
    close: &[f64],
) -> Vec<f64> {
    let n = common_len(&[high, low, close]);
    let bars = high[..n].iter().zip(&low[..n]).zip(&close[..n]);
    bars.map(|((&high, &low), &close)| {
        state.update(Hlcv {
            high,
            low,
            close,
            volume: 0.0,
        })
    })
    .collect()
}

/// Which line [`dm_columns`] outputs: a const parameter, so each instance computes
/// only the sums its line needs.
pub(crate) const PLUS_DI: u8 = 0;
pub(crate) const MINUS_DI: u8 = 1;
pub(crate) const ADX: u8 = 2;

/// The batch form of [`DmCore`] plus the DI or ADX on top, period ≥ 2: the same
/// arithmetic in the same order, shaped for speed.
///
/// On a random walk whether a bar makes +DM1, -DM1 or neither is a coin toss, so the
/// streaming code's `if` would mispredict on about every other bar. Here every bar
/// adds a *selected* amount to each sum, and the selects compile to compare masks.
/// A bar that makes no DM adds -0.0, which leaves every value (even -0.0) unchanged,
/// so the sums are the branchy code's bits. Likewise the DI, DX and ADX rules are
/// selects between values computed unconditionally (a division whose result is
/// discarded costs less than a mispredicted branch).
#[inline(always)]
fn dm_columns<const LINE: u8>(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Vec<f64> {
    let n = common_len(&[high, low, close]);
    let lookback = dm_lookback::<LINE>(period);
    let mut out = column(n, lookback);
    if n <= lookback {
        return out;
    }
    let (high, low, close) = (&high[..n], &low[..n], &close[..n]);
    let smoothing = Smoothing::new(period);
    let (mut plus_dm, mut minus_dm, mut tr) = (0.0, 0.0, 0.0);
    // Bar `i`'s one-bar +DM1, -DM1 (each -0.0 when not made) and true range.
    let moves = |i: usize| {
        let up = high[i] - high[i - 1];
        let down = low[i - 1] - low[i];
        let plus = if up > 0.0 && up > down { up } else { -0.0 };
        let minus = if down > 0.0 && up < down { down } else { -0.0 };
        (plus, minus, true_range(high[i], low[i], close[i - 1]))
    };
    for i in 1..period {
        let (plus, minus, range) = moves(i);
        plus_dm += plus;
        minus_dm += minus;
        tr += range;
    }
    // Wilder smoothing of the sums at bar `i`.
    let mut smooth = |i: usize| {
        let (plus, minus, range) = moves(i);
        if LINE != MINUS_DI {
            plus_dm = smoothing.sum(plus_dm, plus);
        }
        if LINE != PLUS_DI {
            minus_dm = smoothing.sum(minus_dm, minus);
        }
        tr = smoothing.sum(tr, range);
        (plus_dm, minus_dm, tr)
    };
    if LINE != ADX {
        let dm = if LINE == PLUS_DI { plus_dm } else { minus_dm };
        di_blocks::<LINE>([high, low, close], period, (dm, tr), &mut out);
        return out;
    }
    let mut adx = 0.0;
    for i in period..lookback + 1 {
        let (plus_dm, minus_dm, tr) = smooth(i);
        let (dx, counted) = dx_counted(plus_dm, minus_dm, tr);
        adx += if counted { dx } else { -0.0 };
    }
    adx /= period as f64;
    out.push(adx);
    adx_blocks(
        [high, low, close],
        period,
        [plus_dm, minus_dm, tr],
        adx,
        &mut out,
    );
    out
}

/// One block of bars in [`adx_blocks`]: their one-bar moves, then (in place) the
/// smoothed sums, then each bar's DX and whether TA-Lib counts it.
struct DxBlock {
    len: usize,
    /// +DM, -DM and TR: first the bars' one-bar amounts, then the smoothed sums.
    sums: [[f64; BLOCK]; 3],
    dx: [f64; BLOCK],
    counted: [bool; BLOCK],
}

impl DxBlock {
    fn new() -> Self {
        DxBlock {
            len: 0,
            sums: [[0.0; BLOCK]; 3],
            dx: [0.0; BLOCK],
            counted: [false; BLOCK],
        }
    }

    /// Takes the one-bar moves of bars `start..start + len` (independent from bar to
    /// bar, so vectorised).
    #[inline(always)]
    fn take_moves(&mut self, [high, low, close]: [&[f64]; 3], start: usize, len: usize) {
        self.len = len;
        let end = start + len;
        let bars = high[start..end].iter().zip(&low[start..end]);
        let previous = high[start - 1..end - 1]
            .iter()
            .zip(&low[start - 1..end - 1])
            .zip(&close[start - 1..end - 1]);
        let [plus, minus, range] = &mut self.sums;
        let amounts = plus[..len]
            .iter_mut()
            .zip(minus[..len].iter_mut())
            .zip(range[..len].iter_mut());
        for (((&h, &l), ((&ph, &pl), &pc)), ((plus, minus), range)) in
            bars.zip(previous).zip(amounts)
        {
            (*plus, *minus, *range) = bar_moves(h, l, ph, pl, pc);
        }
    }

    /// Wilder smoothing of the running `sums` by bar `j`'s moves; the bar keeps the
    /// smoothed sums.
    #[inline(always)]
    fn smooth(&mut self, j: usize, sums: &mut [f64; 3], by: Smoothing<f64>) {
        for (sum, amount) in sums.iter_mut().zip(self.sums.iter_mut()) {
            *sum = by.sum(*sum, amount[j]);
            amount[j] = *sum;
        }
    }

    /// Every bar's DX and whether TA-Lib counts it (vectorised).
    #[inline(always)]
    fn take_dx(&mut self) {
        let len = self.len;
        let [plus, minus, range] = &self.sums;
        let sums = plus[..len].iter().zip(&minus[..len]).zip(&range[..len]);
        let dx = self.dx[..len]
            .iter_mut()
            .zip(self.counted[..len].iter_mut());
        for (((&plus_dm, &minus_dm), &tr), (dx, counted)) in sums.zip(dx) {
            (*dx, *counted) = dx_counted(plus_dm, minus_dm, tr);
        }
    }

    /// The ADX after bar `j`, given the one before.
    #[inline(always)]
    fn adx(&self, j: usize, adx: f64, by: Smoothing<f64>) -> f64 {
        let next = by.average(adx, self.dx[j]);
        if self.counted[j] {
            next
        } else {
            adx
        }
    }
}

/// ADX's batch loop after its seed: appends the ADX of every bar from `out.len()` on,
/// given the smoothed +DM, -DM and TR sums and the ADX of the bar before. `out` has
/// room for all.
///
/// Two chains bound the loop: the three Wilder sums, and the ADX on top of them. Run
/// bar after bar they queue behind each other and behind the DX's three divisions. So
/// the bars go in blocks, software-pipelined: a block's moves (vectorised), then its
/// sums' chains *in the same loop as* the previous block's ADX chain, so the two
/// overlap, then its DX (vectorised). The values are the same operations in the same
/// order; only when each runs changes.
#[inline(always)]
fn adx_blocks(
    hlc: [&[f64]; 3],
    period: usize,
    mut sums: [f64; 3],
    mut adx: f64,
    out: &mut Vec<f64>,
) {
    let n = hlc[0].len();
    let smoothing = Smoothing::new(period);
    let mut blocks = [DxBlock::new(), DxBlock::new()];
    let [mut behind, mut ahead] = blocks.each_mut();
    let mut start = out.len();
    behind.take_moves(hlc, start, BLOCK.min(n - start));
    for j in 0..behind.len {
        behind.smooth(j, &mut sums, smoothing);
    }
    behind.take_dx();
    start += behind.len;
    while behind.len > 0 {
        ahead.take_moves(hlc, start, BLOCK.min(n - start));
        let slots = &mut out.spare_capacity_mut()[..behind.len];
        for (j, slot) in slots.iter_mut().enumerate() {
            if j < ahead.len {
                ahead.smooth(j, &mut sums, smoothing);
            }
            adx = behind.adx(j, adx, smoothing);
            slot.write(adx);
        }
        // SAFETY: the loop just initialised the `behind.len` slots after the current
        // length; `out` has room for all `n` values.
        unsafe { out.set_len(out.len() + behind.len) };
        ahead.take_dx();
        start += ahead.len;
        (behind, ahead) = (ahead, behind);
    }
}

/// The smoothed part of a DI line's batch loop, from bar `period` on, given the sums of
/// the first `period - 1` moves (`dm` for the line's direction, `tr`): appends the DI
/// of every bar to `out`, which holds the `period` values before it and has room for
/// all.
///
/// In three passes per block of bars, so that only the two Wilder chains stay serial:
/// first every bar's one-bar move and true range (independent from bar to bar, so
/// vectorised), then the chains (each bar's sums into the block's outputs), then the
/// DI's own division over the whole block (vectorised), off the chains. The values
/// are the same operations in the same order; only when each runs changes.
#[inline(always)]
fn di_blocks<const LINE: u8>(
    [high, low, close]: [&[f64]; 3],
    period: usize,
    (mut dm, mut tr): (f64, f64),
    out: &mut Vec<f64>,
) {
    let n = high.len();
    let smoothing = Smoothing::new(period);
    let (mut moves, mut ranges) = ([0.0; BLOCK], [0.0; BLOCK]);
    let mut start = period;
    while start < n {
        let end = (start + BLOCK).min(n);
        let len = end - start;
        let (moves, ranges) = (&mut moves[..len], &mut ranges[..len]);
        let bars = high[start..end].iter().zip(&low[start..end]);
        let previous = high[start - 1..end - 1]
            .iter()
            .zip(&low[start - 1..end - 1])
            .zip(&close[start - 1..end - 1]);
        let buffers = moves.iter_mut().zip(ranges.iter_mut());
        for (((&h, &l), ((&ph, &pl), &pc)), (mv, range)) in bars.zip(previous).zip(buffers) {
            let (plus, minus, tr) = bar_moves(h, l, ph, pl, pc);
            *mv = if LINE == PLUS_DI { plus } else { minus };
            *range = tr;
        }
        let slots = &mut out.spare_capacity_mut()[..len];
        for (slot, (&mv, range)) in slots.iter_mut().zip(moves.iter().zip(ranges.iter_mut())) {
            dm = smoothing.sum(dm, mv);
            tr = smoothing.sum(tr, *range);
            slot.write(dm);
            *range = tr;
        }
        // SAFETY: the loop just initialised the `len` slots after the current length
        // (`start`); `out` has room for all `n` values.
        unsafe { out.set_len(end) };
        for (value, &tr) in out[start..end].iter_mut().zip(ranges.iter()) {
            *value = di(*value, tr);
        }
        start = end;
    }
}

/// [`dm_columns`] compiled with AVX2, so that the vectorised passes of [`di_blocks`]
/// and [`adx_blocks`] take four bars per instruction.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dm_columns_avx2<const LINE: u8>(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Vec<f64> {
    dm_columns::<LINE>(high, low, close, period)
}

/// The batch loop of `LINE` (period ≥ 2), with AVX2 where the CPU has it.
fn batch_columns<const LINE: u8>(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Vec<f64> {
    #[cfg(target_arch = "x86_64")]
    if hardware_avx2_fma() {
        // SAFETY: the CPU was just checked to support AVX2 and FMA.
        return unsafe { dm_columns_avx2::<LINE>(high, low, close, period) };
    }
    dm_columns::<LINE>(high, low, close, period)
}

/// The first bar with a value: `2 * period - 1` for ADX, `period` for the DIs.
#[inline(always)]
fn dm_lookback<const LINE: u8>(period: usize) -> usize {
    if LINE == ADX {
        2 * period - 1
    } else {
        period
    }
}

/// [`dm_columns`] over four series of equal length at once (period ≥ 2), into outputs
/// already holding `NaN`; each lane computes exactly what the scalar loop does.
#[inline(always)]
pub(crate) fn dm_lanes<L: Lane4, const LINE: u8>(
    hlc: [Inputs; 3],
    period: usize,
    [mut out]: [Outputs; 1],
) {
    let len = hlc[0].len();
    let lookback = dm_lookback::<LINE>(period);
    if len <= lookback {
        return;
    }
    // A function, not a closure: a closure is compiled without the AVX2 features of
    // the kernel's caller unless it happens to be inlined.
    #[inline(always)]
    fn moves<L: Lane4>([high, low, close]: [Inputs; 3], i: usize) -> (L, L, L) {
        let (prev_high, prev_low) = (high.at(i - 1), low.at(i - 1));
        bar_moves(high.at(i), low.at(i), prev_high, prev_low, close.at(i - 1))
    }
    let smoothing = Smoothing::<L>::new(period);
    let mut sums = DmSums::<L>::new();
    for i in 1..period {
        sums.add(moves(hlc, i));
    }
    if LINE != ADX {
        // Exact chunks of the interleaved columns: no bounds check per bar.
        let [high, low, close] = hlc;
        let count = len - period;
        let bars = high
            .bars(period, count)
            .chunks_exact(4)
            .zip(low.bars(period, count).chunks_exact(4));
        let previous = high
            .bars(period - 1, count)
            .chunks_exact(4)
            .zip(low.bars(period - 1, count).chunks_exact(4));
        let prev_closes = close.bars(period - 1, count).chunks_exact(4);
        let bars = bars.zip(previous).zip(prev_closes);
        for (slot, (((h, l), (ph, pl)), pc)) in
            out.bars(period, count).chunks_exact_mut(4).zip(bars)
        {
            let (h, l) = (L::load(h), L::load(l));
            let moves = bar_moves(h, l, L::load(ph), L::load(pl), L::load(pc));
            sums.smooth::<LINE>(smoothing, moves);
            sums.di::<LINE>().store(slot);
        }
        return;
    }
    let mut adx = L::splat(0.0);
    for i in period..lookback + 1 {
        sums.smooth::<ADX>(smoothing, moves(hlc, i));
        let (dx, di_sum) = sums.dx();
        adx += if_counted(sums.tr, di_sum, dx, L::splat(-0.0));
    }
    adx /= L::splat(period as f64);
    out.set(lookback, adx);
    for i in lookback + 1..len {
        sums.smooth::<ADX>(smoothing, moves(hlc, i));
        let (dx, di_sum) = sums.dx();
        adx = if_counted(sums.tr, di_sum, smoothing.average(adx, dx), adx);
        out.set(i, adx);
    }
}

/// +DI of the bars; the first `period` outputs are `NaN` (1 for period 1).
pub fn plus_di(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Result<Vec<f64>, ParamError> {
    let state = PlusDi::new(period)?;
    if period == 1 {
        return Ok(run_columns(state, high, low, close));
    }
    Ok(batch_columns::<PLUS_DI>(high, low, close, period))
}

/// -DI of the bars; the first `period` outputs are `NaN` (1 for period 1).
pub fn minus_di(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Result<Vec<f64>, ParamError> {
    let state = MinusDi::new(period)?;
    if period == 1 {
        return Ok(run_columns(state, high, low, close));
    }
    Ok(batch_columns::<MINUS_DI>(high, low, close, period))
}

/// ADX of the bars; the first `2 * period - 1` outputs are `NaN`.
pub fn adx(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Adx::NAME, "period", period, 2, MAX_PERIOD)?;
    Ok(batch_columns::<ADX>(high, low, close, period))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::bar_common::{assert_bits_eq, columns, sample_bars};
    use crate::indicators::run_streaming;

    // Bars 1..=3 move: up 2 (DM+), down 1.5 (DM-), inside (none).
    const HIGH: [f64; 4] = [10.0, 12.0, 11.0, 10.5];
    const LOW: [f64; 4] = [9.0, 9.5, 8.0, 8.5];
    const CLOSE: [f64; 4] = [9.5, 11.0, 9.0, 10.0];

    #[test]
    fn period_one_is_an_unscaled_ratio() {
        let plus = plus_di(&HIGH, &LOW, &CLOSE, 1).unwrap();
        let minus = minus_di(&HIGH, &LOW, &CLOSE, 1).unwrap();
        assert!(plus[0].is_nan() && minus[0].is_nan());
        // Bar 1: up 2, TR = 12 - 9.5 = 2.5.
        assert_eq!((plus[1], minus[1]), (2.0 / 2.5, 0.0));
        // Bar 2: down 1.5, TR = 11 - 8 = 3.
        assert_eq!((plus[2], minus[2]), (0.0, 0.5));
        assert_eq!((plus[3], minus[3]), (0.0, 0.0));
    }

    #[test]
    fn sums_then_smooths() {
        let plus = plus_di(&HIGH, &LOW, &CLOSE, 2).unwrap();
        let minus = minus_di(&HIGH, &LOW, &CLOSE, 2).unwrap();
        assert!(plus[1].is_nan());
        // Bar 1 is summed (DM+ 2, TR 2.5); bar 2 smooths: DM+ 2 - 1 + 0, DM- 0 + 1.5,
        // TR 2.5 - 1.25 + 3.
        assert_eq!(plus[2], 100.0 * (1.0 / 4.25));
        assert_eq!(minus[2], 100.0 * (1.5 / 4.25));
        // Bar 3: no move, TR = 10.5 - 8.5 = 2: TR 4.25 - 2.125 + 2.
        assert_eq!(plus[3], 100.0 * (0.5 / 4.125));
        assert_eq!(minus[3], 100.0 * (0.75 / 4.125));
        let adx = adx(&HIGH, &LOW, &CLOSE, 2).unwrap();
        assert!(adx[2].is_nan());
        let dx = |m: f64, p: f64| 100.0 * ((m - p).abs() / (m + p));
        let dx2 = dx(100.0 * (1.5 / 4.25), 100.0 * (1.0 / 4.25));
        let dx3 = dx(100.0 * (0.75 / 4.125), 100.0 * (0.5 / 4.125));
        assert_eq!(adx[3], (dx2 + dx3) / 2.0);
    }

    #[test]
    fn flat_bars_give_zero_not_nan() {
        let flat = [3.0; 12];
        for v in plus_di(&flat, &flat, &flat, 3).unwrap()[3..].iter() {
            assert_eq!(*v, 0.0);
        }
        for v in plus_di(&flat, &flat, &flat, 1).unwrap()[1..].iter() {
            assert_eq!(*v, 0.0);
        }
        let adx = adx(&flat, &flat, &flat, 3).unwrap();
        assert!(adx[4].is_nan());
        assert!(adx[5..].iter().all(|v| *v == 0.0));
    }

    #[test]
    fn tiny_quotes_keep_their_values() {
        let [high, low, close, _] = columns(&sample_bars(120));
        let tiny = |v: &[f64]| v.iter().map(|x| x * 1e-12).collect::<Vec<_>>();
        let a = adx(&high, &low, &close, 14).unwrap();
        let b = adx(&tiny(&high), &tiny(&low), &tiny(&close), 14).unwrap();
        assert!(a[27..]
            .iter()
            .zip(&b[27..])
            .all(|(x, y)| (x - y).abs() < 1e-9));
        assert!(a[27..].iter().any(|x| *x > 1.0));
    }

    #[test]
    fn short_inputs_and_ranges() {
        let high = [1.0, 2.0, 3.0];
        assert!(adx(&high, &high, &high, 2)
            .unwrap()
            .iter()
            .all(|v| v.is_nan()));
        assert_eq!(adx(&high, &high, &high, 2).unwrap().len(), 3);
        assert!(plus_di(&high, &high, &high, 3)
            .unwrap()
            .iter()
            .all(|v| v.is_nan()));
        assert!(plus_di(&[], &[], &[], 1).unwrap().is_empty());
        assert_eq!(minus_di(&high, &high[..1], &high, 1).unwrap().len(), 1);
        assert!(adx(&high, &high, &high, 1).is_err());
        assert!(plus_di(&high, &high, &high, 0).is_err());
        assert!(MinusDi::new(100_001).is_err());
        assert_eq!(Adx::new(14).unwrap().lookback(), 27);
        assert_eq!(PlusDi::new(1).unwrap().lookback(), 1);
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let bars = sample_bars(500);
        let [high, low, close, _] = columns(&bars);
        for period in [1, 2, 3, 14, 249, 250, 251, 499, 500, 501] {
            let batch = plus_di(&high, &low, &close, period).unwrap();
            let streamed = run_streaming(PlusDi::new(period).unwrap(), bars.iter().copied());
            assert_bits_eq(&batch, &streamed, &format!("plus_di({period})"));
            let batch = minus_di(&high, &low, &close, period).unwrap();
            let streamed = run_streaming(MinusDi::new(period).unwrap(), bars.iter().copied());
            assert_bits_eq(&batch, &streamed, &format!("minus_di({period})"));
            if period >= 2 {
                let batch = adx(&high, &low, &close, period).unwrap();
                let streamed = run_streaming(Adx::new(period).unwrap(), bars.iter().copied());
                assert_bits_eq(&batch, &streamed, &format!("adx({period})"));
                let first = batch.iter().position(|v| !v.is_nan());
                assert_eq!(first.unwrap_or(500).min(500), (2 * period - 1).min(500));
            }
        }
    }
}
