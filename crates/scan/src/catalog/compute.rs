//! Computing a checked [`Indicator`] over a series, in batch or one bar at a time.

use super::Indicator;
use crate::indicators::{self as ind, Hlcv, Streaming};
use crate::series::{Bar, BarSeries, PriceField};

/// Output columns, in the order of [`Indicator::outputs`], each as long as the series.
pub type Columns = Vec<Vec<f64>>;

/// A streaming indicator over whole bars, whatever its inputs and outputs.
pub trait BarStream: Send {
    /// Takes the next bar and writes one value per output column into `out`.
    fn update(&mut self, bar: &Bar, out: &mut [f64]);
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
struct OnField<S> {
    field: PriceField,
    state: S,
}

impl<S> BarStream for OnField<S>
where
    S: Streaming<Input = f64> + Send,
    S::Output: WriteOutputs,
{
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let value = match self.field {
            PriceField::Open => bar.open,
            PriceField::High => bar.high,
            PriceField::Low => bar.low,
            PriceField::Close => bar.close,
            PriceField::Volume => bar.volume,
        };
        self.state.update(value).write(out);
    }
}

/// A state fed whole bars.
struct OnBar<S>(S);

impl<S> BarStream for OnBar<S>
where
    S: Streaming<Input = Hlcv> + Send,
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
}

fn on<S>(field: PriceField, state: Result<S, ind::ParamError>) -> Box<dyn BarStream>
where
    S: Streaming<Input = f64> + Send + 'static,
    S::Output: WriteOutputs,
{
    Box::new(OnField {
        field,
        state: state.expect(CHECKED),
    })
}

fn on_bar<S>(state: Result<S, ind::ParamError>) -> Box<dyn BarStream>
where
    S: Streaming<Input = Hlcv> + Send + 'static,
    S::Output: WriteOutputs,
{
    Box::new(OnBar(state.expect(CHECKED)))
}

/// Parameters reach computation only through [`Indicator::parse`], whose ranges are
/// the indicators' own; a mismatch between the two is a bug in this crate.
const CHECKED: &str = "catalogue ranges match the indicators' ranges";

impl Indicator {
    /// The indicator over a whole series: one column per output.
    pub fn compute(&self, s: &BarSeries) -> Columns {
        let (h, l, c, v) = (s.high(), s.low(), s.close(), s.volume());
        let one = |r: Result<Vec<f64>, ind::ParamError>| vec![r.expect(CHECKED)];
        match *self {
            Indicator::Sma { source, period } => one(ind::sma(s.field(source), period)),
            Indicator::Ema { source, period } => one(ind::ema(s.field(source), period)),
            Indicator::Wma { source, period } => one(ind::wma(s.field(source), period)),
            Indicator::Rsi { source, period } => one(ind::rsi(s.field(source), period)),
            Indicator::Macd {
                source,
                fast,
                slow,
                signal,
            } => {
                let m = ind::macd(s.field(source), fast, slow, signal).expect(CHECKED);
                vec![m.macd, m.signal, m.hist]
            }
            Indicator::Bbands {
                source,
                period,
                up,
                down,
            } => {
                let b = ind::bbands(s.field(source), period, up, down).expect(CHECKED);
                vec![b.upper, b.middle, b.lower]
            }
            Indicator::Stddev {
                source,
                period,
                dev,
            } => one(ind::stddev(s.field(source), period, dev)),
            Indicator::Max { source, period } => one(ind::max(s.field(source), period)),
            Indicator::Min { source, period } => one(ind::min(s.field(source), period)),
            Indicator::Roc { source, period } => one(ind::roc(s.field(source), period)),
            Indicator::Trange => vec![ind::trange(h, l, c)],
            Indicator::Atr { period } => one(ind::atr(h, l, c, period)),
            Indicator::Natr { period } => one(ind::natr(h, l, c, period)),
            Indicator::Adx { period } => one(ind::adx(h, l, c, period)),
            Indicator::PlusDi { period } => one(ind::plus_di(h, l, c, period)),
            Indicator::MinusDi { period } => one(ind::minus_di(h, l, c, period)),
            Indicator::Stoch {
                fastk,
                slowk,
                slowd,
            } => {
                let st = ind::stoch(h, l, c, fastk, slowk, slowd).expect(CHECKED);
                vec![st.slowk, st.slowd]
            }
            Indicator::Stochf { fastk, fastd } => {
                let st = ind::stochf(h, l, c, fastk, fastd).expect(CHECKED);
                vec![st.fastk, st.fastd]
            }
            Indicator::Cci { period } => one(ind::cci(h, l, c, period)),
            Indicator::Obv => vec![ind::obv(c, v)],
            Indicator::Mfi { period } => one(ind::mfi(h, l, c, v, period)),
            Indicator::Willr { period } => one(ind::willr(h, l, c, period)),
        }
    }

    /// A fresh streaming state for this indicator; fed the same bars, it produces
    /// exactly the values of [`Indicator::compute`].
    pub fn stream(&self) -> Box<dyn BarStream> {
        match *self {
            Indicator::Sma { source, period } => on(source, ind::Sma::new(period)),
            Indicator::Ema { source, period } => on(source, ind::Ema::new(period)),
            Indicator::Wma { source, period } => on(source, ind::Wma::new(period)),
            Indicator::Rsi { source, period } => on(source, ind::Rsi::new(period)),
            Indicator::Macd {
                source,
                fast,
                slow,
                signal,
            } => on(source, ind::Macd::new(fast, slow, signal)),
            Indicator::Bbands {
                source,
                period,
                up,
                down,
            } => on(source, ind::Bbands::new(period, up, down)),
            Indicator::Stddev {
                source,
                period,
                dev,
            } => on(source, ind::Stddev::new(period, dev)),
            Indicator::Max { source, period } => on(source, ind::Max::new(period)),
            Indicator::Min { source, period } => on(source, ind::Min::new(period)),
            Indicator::Roc { source, period } => on(source, ind::Roc::new(period)),
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
        }
    }
}
