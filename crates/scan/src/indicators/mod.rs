//! Technical indicators with TA-Lib 0.8 semantics.
//!
//! Every indicator exists twice and both forms must agree bit for bit:
//!
//! * a **batch** function over whole columns, returning one output per input bar, with
//!   `NaN` for the leading bars TA-Lib leaves undefined (its *lookback*);
//! * a **streaming** state implementing [`Streaming`], fed one bar at a time, whose
//!   `update` returns the same value the batch function gives for that bar.
//!
//! "TA-Lib semantics" means the same lookback, the same seeding (EMA seeded by an SMA,
//! Wilder smoothing for RSI/ATR/ADX, …) and the same order of floating-point operations,
//! so results match TA-Lib to the last few ulps, not merely "approximately".
//!
//! Parameters are checked once, when a state is built or a batch function called, against
//! the ranges TA-Lib accepts; an out-of-range value is a [`ParamError`] naming the
//! parameter and its allowed range.

/// One bar's prices, for indicators that need more than a single series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hlcv {
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

/// An indicator fed one input at a time.
pub trait Streaming {
    /// `f64` for indicators over a single series, [`Hlcv`] for those needing a bar.
    type Input: Copy;
    /// `f64`, or a small struct for indicators with several outputs.
    type Output: Copy;

    /// Takes the next input and returns the output for it (`NaN` while warming up).
    fn update(&mut self, input: Self::Input) -> Self::Output;

    /// How many leading outputs are undefined (TA-Lib's lookback).
    fn lookback(&self) -> usize;
}

/// A parameter outside the range the indicator accepts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{indicator}: {param} must be between {min} and {max}, got {value}")]
pub struct ParamError {
    pub indicator: &'static str,
    pub param: &'static str,
    pub value: f64,
    pub min: f64,
    pub max: f64,
}

/// Checks an integer period against TA-Lib's range for it.
pub fn check_period(
    indicator: &'static str,
    param: &'static str,
    value: usize,
    min: usize,
    max: usize,
) -> Result<usize, ParamError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ParamError {
            indicator,
            param,
            value: value as f64,
            min: min as f64,
            max: max as f64,
        })
    }
}

/// The largest period any indicator accepts, as in TA-Lib.
pub const MAX_PERIOD: usize = 100_000;

/// Runs a streaming state over a whole input column: the reference every batch
/// implementation is tested against, and the batch implementation itself where a
/// dedicated loop would not be faster.
pub fn run_streaming<S: Streaming>(
    mut state: S,
    inputs: impl IntoIterator<Item = S::Input>,
) -> Vec<S::Output> {
    inputs.into_iter().map(|x| state.update(x)).collect()
}

pub mod atr;
mod bar_common;
pub mod bbands;
pub mod cci;
pub mod dm;
pub mod ema;
pub(crate) mod lanes;
pub mod macd;
pub mod mfi;
pub mod minmax;
pub mod obv;
pub mod roc;
pub mod rsi;
pub mod sma;
pub mod stddev;
pub mod stoch;
mod support;
pub mod trange;
pub mod willr;
mod window_range;
pub mod wma;

pub use atr::{atr, natr, Atr, Natr};
pub use bbands::{bbands, Bbands, BbandsSeries, BbandsValue};
pub use cci::{cci, Cci};
pub use dm::{adx, minus_di, plus_di, Adx, MinusDi, PlusDi};
pub use ema::{ema, Ema};
pub use macd::{macd, Macd, MacdSeries, MacdValue};
pub use mfi::{mfi, Mfi};
pub use minmax::{max, min, Extreme, Max, Min};
pub use obv::{obv, Obv};
pub use roc::{roc, Roc};
pub use rsi::{rsi, Rsi};
pub use sma::{sma, Sma, SmaTotal};
pub use stddev::{stddev, Stddev};
pub use stoch::{
    stoch, stochf, Stoch, StochOutput, StochSeries, Stochf, StochfOutput, StochfSeries,
};
pub use trange::{trange, Trange};
pub use willr::{willr, Willr};
pub use wma::{wma, Wma};
