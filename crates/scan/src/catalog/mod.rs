//! The indicator catalogue: every indicator's name, parameters, defaults, allowed ranges
//! and output columns, in one table.
//!
//! The table is what turns a spec such as `macd(12, 26, 9)` into a typed [`Indicator`]
//! (checking every argument and saying what is allowed when one is wrong), and what the
//! documentation and the scan language's checker read, so an indicator's contract is
//! written down exactly once.

mod call;
mod compute;
mod error;
mod many;
mod table;

pub use call::{parse_call, Arg, ArgValue, Call};
pub use compute::{BarStream, Columns, ValueStream};
pub use error::did_you_mean;
pub use error::SpecError;
pub(crate) use table::{build, Slot};
pub use table::{IndicatorInfo, ParamInfo, ParamKind, CATALOG};

use crate::series::PriceField;

/// A fully checked indicator with its parameters, ready to compute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Indicator {
    Sma {
        source: PriceField,
        period: usize,
    },
    Ema {
        source: PriceField,
        period: usize,
    },
    Wma {
        source: PriceField,
        period: usize,
    },
    Rsi {
        source: PriceField,
        period: usize,
    },
    Macd {
        source: PriceField,
        fast: usize,
        slow: usize,
        signal: usize,
    },
    Bbands {
        source: PriceField,
        period: usize,
        up: f64,
        down: f64,
    },
    Stddev {
        source: PriceField,
        period: usize,
        dev: f64,
    },
    Max {
        source: PriceField,
        period: usize,
    },
    Min {
        source: PriceField,
        period: usize,
    },
    Roc {
        source: PriceField,
        period: usize,
    },
    Trange,
    Atr {
        period: usize,
    },
    Natr {
        period: usize,
    },
    Adx {
        period: usize,
    },
    PlusDi {
        period: usize,
    },
    MinusDi {
        period: usize,
    },
    Stoch {
        fastk: usize,
        slowk: usize,
        slowd: usize,
    },
    Stochf {
        fastk: usize,
        fastd: usize,
    },
    Cci {
        period: usize,
    },
    Obv,
    Mfi {
        period: usize,
    },
    Willr {
        period: usize,
    },
}

impl Indicator {
    /// Parses and checks a spec in call syntax.
    pub fn parse(spec: &str) -> Result<Self, SpecError> {
        let call = parse_call(spec)?;
        table::resolve(spec, &call)
    }

    /// The catalogue entry of this indicator.
    pub fn info(&self) -> &'static IndicatorInfo {
        let name = self.name();
        CATALOG
            .iter()
            .find(|info| info.name == name)
            .expect("every Indicator variant has a catalogue entry")
    }

    /// The output column names, in order.
    pub fn outputs(&self) -> &'static [&'static str] {
        self.info().outputs
    }

    pub fn name(&self) -> &'static str {
        match self {
            Indicator::Sma { .. } => "sma",
            Indicator::Ema { .. } => "ema",
            Indicator::Wma { .. } => "wma",
            Indicator::Rsi { .. } => "rsi",
            Indicator::Macd { .. } => "macd",
            Indicator::Bbands { .. } => "bbands",
            Indicator::Stddev { .. } => "stddev",
            Indicator::Max { .. } => "max",
            Indicator::Min { .. } => "min",
            Indicator::Roc { .. } => "roc",
            Indicator::Trange => "trange",
            Indicator::Atr { .. } => "atr",
            Indicator::Natr { .. } => "natr",
            Indicator::Adx { .. } => "adx",
            Indicator::PlusDi { .. } => "plus_di",
            Indicator::MinusDi { .. } => "minus_di",
            Indicator::Stoch { .. } => "stoch",
            Indicator::Stochf { .. } => "stochf",
            Indicator::Cci { .. } => "cci",
            Indicator::Obv => "obv",
            Indicator::Mfi { .. } => "mfi",
            Indicator::Willr { .. } => "willr",
        }
    }
}
