//! Computing a checked [`Indicator`] over a series, in batch or one bar at a time.

use super::Indicator;
use crate::indicators::{self as ind, Hlcv, Streaming};
use crate::series::{Bar, BarSeries, PriceField};

/// Output columns, in the order of [`Indicator::outputs`], each as long as the series.
pub use crate::columns::Columns;

/// A streaming indicator over whole bars, whatever its inputs and outputs.
pub trait BarStream: Send + Sync {
    /// Takes the next bar and writes one value per output column into `out`.
    fn update(&mut self, bar: &Bar, out: &mut [f64]);

    /// A copy of the state as it stands (timeframe evaluation replays the current,
    /// unfinished period from a saved state).
    fn clone_box(&self) -> Box<dyn BarStream>;
}

/// A streaming single-input indicator fed any series of values (`sma(rsi(14), 5)`).
pub trait ValueStream: Send + Sync {
    /// Takes the next value and writes one value per output column into `out`.
    fn update(&mut self, value: f64, out: &mut [f64]);

    fn clone_box(&self) -> Box<dyn ValueStream>;
}

impl Clone for Box<dyn BarStream> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

impl Clone for Box<dyn ValueStream> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Outputs of a streaming state, written in catalogue column order.
pub trait WriteOutputs: Copy {
    fn write(self, out: &mut [f64]);
}

impl WriteOutputs for f64 {
    fn write(self, out: &mut [f64]) {
        out[0] = self;
    }
}

impl WriteOutputs for ind::MacdValue {
    fn write(self, out: &mut [f64]) {
        out.copy_from_slice(&[self.macd, self.signal, self.hist]);
    }
}

impl WriteOutputs for ind::BbandsValue {
    fn write(self, out: &mut [f64]) {
        out.copy_from_slice(&[self.upper, self.middle, self.lower]);
    }
}

impl WriteOutputs for ind::StochOutput {
    fn write(self, out: &mut [f64]) {
        out.copy_from_slice(&[self.slowk, self.slowd]);
    }
}

impl WriteOutputs for ind::StochfOutput {
    fn write(self, out: &mut [f64]) {
        out.copy_from_slice(&[self.fastk, self.fastd]);
    }
}

/// A single-series state fed from one price field.
#[derive(Clone)]
struct OnField<S> {
    field: PriceField,
    state: S,
}

impl<S> BarStream for OnField<S>
where
    S: Streaming<Input = f64> + Clone + Send + Sync + 'static,
    S::Output: WriteOutputs,
{
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        self.state.update(bar.field(self.field)).write(out);
    }

    fn clone_box(&self) -> Box<dyn BarStream> {
        Box::new(self.clone())
    }
}

/// A single-series state fed values directly.
#[derive(Clone)]
struct OnValue<S>(S);

impl<S> ValueStream for OnValue<S>
where
    S: Streaming<Input = f64> + Clone + Send + Sync + 'static,
    S::Output: WriteOutputs,
{
    fn update(&mut self, value: f64, out: &mut [f64]) {
        self.0.update(value).write(out);
    }

    fn clone_box(&self) -> Box<dyn ValueStream> {
        Box::new(self.clone())
    }
}

/// A state fed whole bars.
#[derive(Clone)]
struct OnBar<S>(S);

impl<S> BarStream for OnBar<S>
where
    S: Streaming<Input = Hlcv> + Clone + Send + Sync + 'static,
    S::Output: WriteOutputs,
{
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let input = Hlcv {
            high: bar.high,
            low: bar.low,
            close: bar.close,
            volume: bar.volume,
        };
        self.0.update(input).write(out);
    }

    fn clone_box(&self) -> Box<dyn BarStream> {
        Box::new(self.clone())
    }
}

/// Unwraps a state or column whose parameters were checked; see [`CHECKED`].
fn checked<S>(state: Result<S, ind::ParamError>) -> S {
    state.expect(CHECKED)
}

fn on_bar<S>(state: Result<S, ind::ParamError>) -> Box<dyn BarStream>
where
    S: Streaming<Input = Hlcv> + Clone + Send + Sync + 'static,
    S::Output: WriteOutputs,
{
    Box::new(OnBar(checked(state)))
}

/// Parameters reach computation only through [`Indicator::parse`] or the scan
/// language's checker, whose ranges are the indicators' own; a mismatch between the two
/// is a bug in this crate.
const CHECKED: &str = "catalogue ranges match the indicators' ranges";

/// Builds the streaming state of a single-input indicator, whatever wraps it.
trait WrapValueState {
    type Out;
    fn wrap<S>(self, state: S) -> Self::Out
    where
        S: Streaming<Input = f64> + Clone + Send + Sync + 'static,
        S::Output: WriteOutputs;
}

struct FromField(PriceField);

impl WrapValueState for FromField {
    type Out = Box<dyn BarStream>;
    fn wrap<S>(self, state: S) -> Self::Out
    where
        S: Streaming<Input = f64> + Clone + Send + Sync + 'static,
        S::Output: WriteOutputs,
    {
        Box::new(OnField {
            field: self.0,
            state,
        })
    }
}

struct FromValues;

impl WrapValueState for FromValues {
    type Out = Box<dyn ValueStream>;
    fn wrap<S>(self, state: S) -> Self::Out
    where
        S: Streaming<Input = f64> + Clone + Send + Sync + 'static,
        S::Output: WriteOutputs,
    {
        Box::new(OnValue(state))
    }
}

impl Indicator {
    /// The price field a single-input indicator reads, or `None` for those that read
    /// whole bars (ATR, ADX, Stochastic, …).
    pub fn source(&self) -> Option<PriceField> {
        match *self {
            Indicator::Sma { source, .. }
            | Indicator::Ema { source, .. }
            | Indicator::Wma { source, .. }
            | Indicator::Rsi { source, .. }
            | Indicator::Macd { source, .. }
            | Indicator::Bbands { source, .. }
            | Indicator::Stddev { source, .. }
            | Indicator::Max { source, .. }
            | Indicator::Min { source, .. }
            | Indicator::Roc { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The price fields the indicator reads from a series.
    pub fn inputs(&self) -> &'static [PriceField] {
        use PriceField::{Close, High, Low, Open, Volume};
        match self.source() {
            Some(Open) => &[Open],
            Some(High) => &[High],
            Some(Low) => &[Low],
            Some(Close) => &[Close],
            Some(Volume) => &[Volume],
            None => match *self {
                Indicator::Obv => &[Close, Volume],
                Indicator::Mfi { .. } => &[High, Low, Close, Volume],
                _ => &[High, Low, Close],
            },
        }
    }

    /// [`Indicator::compute`], its output written into `room` where the indicator can
    /// use it (see [`Indicator::fills_room`]).
    pub(crate) fn compute_in(&self, s: &BarSeries, room: Vec<f64>) -> Columns {
        let column = match *self {
            Indicator::Trange => ind::trange::trange_in(room, s.high(), s.low(), s.close()),
            Indicator::Roc { source, period } => ind::roc::roc_in(room, s.field(source), period),
            Indicator::Obv => ind::obv::obv_in(room, s.close(), s.volume()),
            _ => return self.compute(s),
        };
        Columns::single(column)
    }

    /// Whether [`Indicator::compute_in`] writes this indicator's output into the room
    /// it is given: the single-output indicators without a lane kernel, which a market
    /// computes series by series. Kept in step with `compute_in`'s arms.
    pub(crate) fn fills_room(&self) -> bool {
        matches!(
            self,
            Indicator::Trange | Indicator::Roc { .. } | Indicator::Obv
        )
    }

    /// The indicator over a whole series: one column per output.
    pub fn compute(&self, s: &BarSeries) -> Columns {
        if let Some(source) = self.source() {
            return self
                .compute_values(s.field(source))
                .expect("single-input indicator");
        }
        let (h, l, c, v) = (s.high(), s.low(), s.close(), s.volume());
        let one = |r: Result<Vec<f64>, ind::ParamError>| Columns::single(checked(r));
        match *self {
            Indicator::Trange => Columns::single(ind::trange(h, l, c)),
            Indicator::Atr { period } => one(ind::atr(h, l, c, period)),
            Indicator::Natr { period } => one(ind::natr(h, l, c, period)),
            Indicator::Adx { period } => one(ind::adx(h, l, c, period)),
            Indicator::PlusDi { period } => one(ind::plus_di(h, l, c, period)),
            Indicator::MinusDi { period } => one(ind::minus_di(h, l, c, period)),
            Indicator::Stoch {
                fastk,
                slowk,
                slowd,
            } => checked(ind::stoch(h, l, c, fastk, slowk, slowd)).into_columns(),
            Indicator::Stochf { fastk, fastd } => {
                checked(ind::stochf(h, l, c, fastk, fastd)).into_columns()
            }
            Indicator::Cci { period } => one(ind::cci(h, l, c, period)),
            Indicator::Obv => Columns::single(ind::obv(c, v)),
            Indicator::Mfi { period } => one(ind::mfi(h, l, c, v, period)),
            Indicator::Willr { period } => one(ind::willr(h, l, c, period)),
            _ => unreachable!("single-input indicators are computed above"),
        }
    }

    /// A single-input indicator over any series of values (its own `source` field is
    /// ignored); `None` for indicators that read whole bars.
    pub fn compute_values(&self, x: &[f64]) -> Option<Columns> {
        let one = |r: Result<Vec<f64>, ind::ParamError>| Columns::single(checked(r));
        Some(match *self {
            Indicator::Sma { period, .. } => one(ind::sma(x, period)),
            Indicator::Ema { period, .. } => one(ind::ema(x, period)),
            Indicator::Wma { period, .. } => one(ind::wma(x, period)),
            Indicator::Rsi { period, .. } => one(ind::rsi(x, period)),
            Indicator::Macd {
                fast, slow, signal, ..
            } => checked(ind::macd(x, fast, slow, signal)).into_columns(),
            Indicator::Bbands {
                period, up, down, ..
            } => checked(ind::bbands(x, period, up, down)).into_columns(),
            Indicator::Stddev { period, dev, .. } => one(ind::stddev(x, period, dev)),
            Indicator::Max { period, .. } => one(ind::max(x, period)),
            Indicator::Min { period, .. } => one(ind::min(x, period)),
            Indicator::Roc { period, .. } => one(ind::roc(x, period)),
            _ => return None,
        })
    }

    /// A fresh streaming state for this indicator; fed the same bars, it produces
    /// exactly the values of [`Indicator::compute`].
    pub fn stream(&self) -> Box<dyn BarStream> {
        if let Some(source) = self.source() {
            return self
                .wrap_value_state(FromField(source))
                .expect("single-input indicator");
        }
        match *self {
            Indicator::Trange => on_bar(Ok(ind::Trange::new())),
            Indicator::Atr { period } => on_bar(ind::Atr::new(period)),
            Indicator::Natr { period } => on_bar(ind::Natr::new(period)),
            Indicator::Adx { period } => on_bar(ind::Adx::new(period)),
            Indicator::PlusDi { period } => on_bar(ind::PlusDi::new(period)),
            Indicator::MinusDi { period } => on_bar(ind::MinusDi::new(period)),
            Indicator::Stoch {
                fastk,
                slowk,
                slowd,
            } => on_bar(ind::Stoch::new(fastk, slowk, slowd)),
            Indicator::Stochf { fastk, fastd } => on_bar(ind::Stochf::new(fastk, fastd)),
            Indicator::Cci { period } => on_bar(ind::Cci::new(period)),
            Indicator::Obv => on_bar(Ok(ind::Obv::new())),
            Indicator::Mfi { period } => on_bar(ind::Mfi::new(period)),
            Indicator::Willr { period } => on_bar(ind::Willr::new(period)),
            _ => unreachable!("single-input indicators are built above"),
        }
    }

    /// A fresh streaming state of a single-input indicator fed any values; fed the same
    /// values, it produces exactly [`Indicator::compute_values`]. `None` for indicators
    /// that read whole bars.
    pub fn value_stream(&self) -> Option<Box<dyn ValueStream>> {
        self.wrap_value_state(FromValues)
    }

    fn wrap_value_state<W: WrapValueState>(&self, wrap: W) -> Option<W::Out> {
        Some(match *self {
            Indicator::Sma { period, .. } => wrap.wrap(checked(ind::Sma::new(period))),
            Indicator::Ema { period, .. } => wrap.wrap(checked(ind::Ema::new(period))),
            Indicator::Wma { period, .. } => wrap.wrap(checked(ind::Wma::new(period))),
            Indicator::Rsi { period, .. } => wrap.wrap(checked(ind::Rsi::new(period))),
            Indicator::Macd {
                fast, slow, signal, ..
            } => wrap.wrap(checked(ind::Macd::new(fast, slow, signal))),
            Indicator::Bbands {
                period, up, down, ..
            } => wrap.wrap(checked(ind::Bbands::new(period, up, down))),
            Indicator::Stddev { period, dev, .. } => {
                wrap.wrap(checked(ind::Stddev::new(period, dev)))
            }
            Indicator::Max { period, .. } => wrap.wrap(checked(ind::Max::new(period))),
            Indicator::Min { period, .. } => wrap.wrap(checked(ind::Min::new(period))),
            Indicator::Roc { period, .. } => wrap.wrap(checked(ind::Roc::new(period))),
            _ => return None,
        })
    }
}
