//! The catalogue table and the checks that turn a [`Call`] into an [`Indicator`].

use super::call::{ArgValue, Call};
use super::error::did_you_mean;
use super::{Indicator, SpecError};
use crate::indicators::MAX_PERIOD;
use crate::series::PriceField;

/// One indicator's contract.
#[derive(Debug)]
pub struct IndicatorInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub params: &'static [ParamInfo],
    pub outputs: &'static [&'static str],
}

#[derive(Debug)]
pub struct ParamInfo {
    pub name: &'static str,
    pub kind: ParamKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamKind {
    /// The price series the indicator reads; `close` unless given.
    Source,
    /// A whole number of bars; `None` as default means the argument is required.
    Period {
        min: usize,
        max: usize,
        default: Option<usize>,
    },
    /// A real-valued parameter.
    Number { min: f64, max: f64, default: f64 },
}

const SOURCE: ParamInfo = ParamInfo {
    name: "source",
    kind: ParamKind::Source,
};

const fn period(name: &'static str, min: usize, default: Option<usize>) -> ParamInfo {
    ParamInfo {
        name,
        kind: ParamKind::Period {
            min,
            max: MAX_PERIOD,
            default,
        },
    }
}

/// TA-Lib's bounds for deviation multipliers.
const fn deviations(name: &'static str, default: f64) -> ParamInfo {
    ParamInfo {
        name,
        kind: ParamKind::Number {
            min: -3e37,
            max: 3e37,
            default,
        },
    }
}

const fn entry(
    name: &'static str,
    title: &'static str,
    params: &'static [ParamInfo],
    outputs: &'static [&'static str],
) -> IndicatorInfo {
    IndicatorInfo {
        name,
        title,
        params,
        outputs,
    }
}

/// Every indicator. Periods' lower bounds and the deviation bounds are TA-Lib's;
/// defaults are the ones traders know from TradingView and StockCharts, except that
/// moving averages and windows have no default period because none is obvious.
pub static CATALOG: &[IndicatorInfo] = &[
    entry(
        "sma",
        "Simple moving average",
        &[SOURCE, period("period", 1, None)],
        &["sma"],
    ),
    entry(
        "ema",
        "Exponential moving average",
        &[SOURCE, period("period", 1, None)],
        &["ema"],
    ),
    entry(
        "wma",
        "Weighted moving average",
        &[SOURCE, period("period", 1, None)],
        &["wma"],
    ),
    entry(
        "rsi",
        "Relative strength index (Wilder)",
        &[SOURCE, period("period", 2, Some(14))],
        &["rsi"],
    ),
    entry(
        "macd",
        "Moving average convergence/divergence",
        &[
            SOURCE,
            period("fast", 2, Some(12)),
            period("slow", 2, Some(26)),
            period("signal", 1, Some(9)),
        ],
        &["macd", "signal", "hist"],
    ),
    entry(
        "bbands",
        "Bollinger bands (population standard deviation)",
        &[
            SOURCE,
            period("period", 2, Some(20)),
            deviations("up", 2.0),
            deviations("down", 2.0),
        ],
        &["upper", "middle", "lower"],
    ),
    entry(
        "stddev",
        "Standard deviation (population)",
        &[
            SOURCE,
            period("period", 2, Some(20)),
            deviations("dev", 1.0),
        ],
        &["stddev"],
    ),
    entry(
        "max",
        "Highest value over a window",
        &[SOURCE, period("period", 2, None)],
        &["max"],
    ),
    entry(
        "min",
        "Lowest value over a window",
        &[SOURCE, period("period", 2, None)],
        &["min"],
    ),
    entry(
        "roc",
        "Rate of change, percent",
        &[SOURCE, period("period", 1, Some(10))],
        &["roc"],
    ),
    entry("trange", "True range", &[], &["trange"]),
    entry(
        "atr",
        "Average true range (Wilder)",
        &[period("period", 1, Some(14))],
        &["atr"],
    ),
    entry(
        "natr",
        "Normalised average true range, percent",
        &[period("period", 1, Some(14))],
        &["natr"],
    ),
    entry(
        "adx",
        "Average directional index",
        &[period("period", 2, Some(14))],
        &["adx"],
    ),
    entry(
        "plus_di",
        "Plus directional indicator",
        &[period("period", 1, Some(14))],
        &["plus_di"],
    ),
    entry(
        "minus_di",
        "Minus directional indicator",
        &[period("period", 1, Some(14))],
        &["minus_di"],
    ),
    entry(
        "stoch",
        "Slow stochastic",
        &[
            period("fastk", 1, Some(14)),
            period("slowk", 1, Some(3)),
            period("slowd", 1, Some(3)),
        ],
        &["slowk", "slowd"],
    ),
    entry(
        "stochf",
        "Fast stochastic",
        &[period("fastk", 1, Some(14)), period("fastd", 1, Some(3))],
        &["fastk", "fastd"],
    ),
    entry(
        "cci",
        "Commodity channel index",
        &[period("period", 2, Some(20))],
        &["cci"],
    ),
    entry("obv", "On-balance volume", &[], &["obv"]),
    entry(
        "mfi",
        "Money flow index",
        &[period("period", 2, Some(14))],
        &["mfi"],
    ),
    entry(
        "willr",
        "Williams %R",
        &[period("period", 2, Some(14))],
        &["willr"],
    ),
];

/// A parameter's value once the arguments are matched up.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slot {
    Source(PriceField),
    Period(usize),
    Number(f64),
}

/// Matches a call's arguments to the indicator's parameters and checks each one.
pub(super) fn resolve(spec: &str, call: &Call) -> Result<Indicator, SpecError> {
    let info = CATALOG
        .iter()
        .find(|i| i.name == call.name)
        .ok_or_else(|| {
            let names = CATALOG.iter().map(|i| i.name);
            let error = SpecError::new(
                spec,
                call.name_span.clone(),
                format!("unknown indicator `{}`", call.name),
            );
            match did_you_mean(&call.name, names.clone()) {
                Some(guess) => error.with_help(format!("did you mean `{guess}`?")),
                None => error.with_help(format!(
                    "known indicators: {}",
                    names.collect::<Vec<_>>().join(", ")
                )),
            }
        })?;
    let mut slots: Vec<Option<Slot>> = vec![None; info.params.len()];
    let mut next_positional = 0;
    for arg in &call.args {
        let index = match &arg.name {
            Some((name, span)) => {
                let name = if name == "src" {
                    "source"
                } else {
                    name.as_str()
                };
                if info.name == "bbands" && name == "dev" {
                    // `dev` sets both bands, the way traders write Bollinger settings.
                    let value = check_number(spec, info, 2, &arg.value, &arg.span)?;
                    slots[2] = Some(value);
                    slots[3] = Some(value);
                    continue;
                }
                info.params
                    .iter()
                    .position(|p| p.name == name)
                    .ok_or_else(|| {
                        SpecError::new(
                            spec,
                            span.clone(),
                            format!("{} has no parameter `{name}`", info.name),
                        )
                        .with_help(signature(info))
                    })?
            }
            None => {
                // A positional name fills the source; a positional number skips it.
                let skip_source = matches!(arg.value, ArgValue::Number(_))
                    && info.params.get(next_positional).map(|p| p.kind) == Some(ParamKind::Source);
                next_positional += usize::from(skip_source);
                next_positional += 1;
                if next_positional > info.params.len() {
                    return Err(SpecError::new(spec, arg.span.clone(), "too many arguments")
                        .with_help(signature(info)));
                }
                next_positional - 1
            }
        };
        if slots[index].is_some() {
            return Err(SpecError::new(
                spec,
                arg.span.clone(),
                format!("`{}` is given twice", info.params[index].name),
            ));
        }
        slots[index] = Some(check_number(spec, info, index, &arg.value, &arg.span)?);
    }
    let values = info
        .params
        .iter()
        .zip(slots)
        .map(|(param, slot)| match (slot, param.kind) {
            (Some(slot), _) => Ok(slot),
            (None, ParamKind::Source) => Ok(Slot::Source(PriceField::Close)),
            (
                None,
                ParamKind::Period {
                    default: Some(d), ..
                },
            ) => Ok(Slot::Period(d)),
            (None, ParamKind::Number { default, .. }) => Ok(Slot::Number(default)),
            (None, ParamKind::Period { default: None, .. }) => Err(SpecError::new(
                spec,
                call.args_span.clone(),
                format!("{} needs a `{}`", info.name, param.name),
            )
            .with_help(format!(
                "for example `{}(20)`; {}",
                info.name,
                signature(info)
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(build(info.name, &values))
}

/// Checks one argument against its parameter's kind and range.
fn check_number(
    spec: &str,
    info: &IndicatorInfo,
    index: usize,
    value: &ArgValue,
    span: &std::ops::Range<usize>,
) -> Result<Slot, SpecError> {
    let param = &info.params[index];
    let error =
        |message: String| SpecError::new(spec, span.clone(), message).with_help(signature(info));
    match (param.kind, value) {
        (ParamKind::Source, ArgValue::Name(name)) => PriceField::from_name(name)
            .map(Slot::Source)
            .ok_or_else(|| {
                let fields = PriceField::ALL.map(PriceField::name);
                let guess = did_you_mean(name, fields)
                    .map(|g| format!("did you mean `{g}`? "))
                    .unwrap_or_default();
                SpecError::new(spec, span.clone(), format!("unknown price series `{name}`"))
                    .with_help(format!("{guess}the series are {}", fields.join(", ")))
            }),
        (ParamKind::Source, ArgValue::Number(_)) => Err(error(format!(
            "`{}` must be a price series such as close or volume",
            param.name
        ))),
        (ParamKind::Period { min, max, .. }, ArgValue::Number(n)) => {
            if n.fract() != 0.0 || *n < min as f64 || *n > max as f64 {
                Err(error(format!(
                    "{} {} must be a whole number from {min} to {max}, got {n}",
                    info.name, param.name
                )))
            } else {
                Ok(Slot::Period(*n as usize))
            }
        }
        (ParamKind::Number { min, max, .. }, ArgValue::Number(n)) => {
            if *n < min || *n > max {
                Err(error(format!(
                    "{} {} must be from {min:e} to {max:e}, got {n}",
                    info.name, param.name
                )))
            } else {
                Ok(Slot::Number(*n))
            }
        }
        (_, ArgValue::Name(name)) => Err(error(format!(
            "{} {} must be a number, got `{name}`",
            info.name, param.name
        ))),
    }
}

/// `name(source = close, period = 14)`: the help line for argument errors.
fn signature(info: &IndicatorInfo) -> String {
    let params: Vec<String> = info
        .params
        .iter()
        .map(|p| match p.kind {
            ParamKind::Source => "source = close".to_string(),
            ParamKind::Period { min, max, default } => match default {
                Some(d) => format!("{} = {d} ({min}..{max})", p.name),
                None => format!("{} ({min}..{max})", p.name),
            },
            ParamKind::Number { default, .. } => format!("{} = {default}", p.name),
        })
        .collect();
    format!("usage: {}({})", info.name, params.join(", "))
}

/// Builds the indicator named `name` from one slot per catalogue parameter, in order.
pub(crate) fn build(name: &str, values: &[Slot]) -> Indicator {
    let source = |i: usize| match values[i] {
        Slot::Source(f) => f,
        _ => PriceField::Close,
    };
    let n = |i: usize| match values[i] {
        Slot::Period(p) => p,
        _ => 0,
    };
    let x = |i: usize| match values[i] {
        Slot::Number(v) => v,
        _ => 0.0,
    };
    match name {
        "sma" => Indicator::Sma {
            source: source(0),
            period: n(1),
        },
        "ema" => Indicator::Ema {
            source: source(0),
            period: n(1),
        },
        "wma" => Indicator::Wma {
            source: source(0),
            period: n(1),
        },
        "rsi" => Indicator::Rsi {
            source: source(0),
            period: n(1),
        },
        "macd" => Indicator::Macd {
            source: source(0),
            fast: n(1),
            slow: n(2),
            signal: n(3),
        },
        "bbands" => Indicator::Bbands {
            source: source(0),
            period: n(1),
            up: x(2),
            down: x(3),
        },
        "stddev" => Indicator::Stddev {
            source: source(0),
            period: n(1),
            dev: x(2),
        },
        "max" => Indicator::Max {
            source: source(0),
            period: n(1),
        },
        "min" => Indicator::Min {
            source: source(0),
            period: n(1),
        },
        "roc" => Indicator::Roc {
            source: source(0),
            period: n(1),
        },
        "trange" => Indicator::Trange,
        "atr" => Indicator::Atr { period: n(0) },
        "natr" => Indicator::Natr { period: n(0) },
        "adx" => Indicator::Adx { period: n(0) },
        "plus_di" => Indicator::PlusDi { period: n(0) },
        "minus_di" => Indicator::MinusDi { period: n(0) },
        "stoch" => Indicator::Stoch {
            fastk: n(0),
            slowk: n(1),
            slowd: n(2),
        },
        "stochf" => Indicator::Stochf {
            fastk: n(0),
            fastd: n(1),
        },
        "cci" => Indicator::Cci { period: n(0) },
        "obv" => Indicator::Obv,
        "mfi" => Indicator::Mfi { period: n(0) },
        _ => Indicator::Willr { period: n(0) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &str) -> Result<Indicator, SpecError> {
        Indicator::parse(spec)
    }

    #[test]
    fn every_entry_builds_with_its_defaults_or_a_period() {
        for info in CATALOG {
            let needs_period = info
                .params
                .iter()
                .any(|p| matches!(p.kind, ParamKind::Period { default: None, .. }));
            let spec = if needs_period {
                format!("{}(20)", info.name)
            } else {
                info.name.to_string()
            };
            let indicator = parse(&spec).unwrap();
            assert_eq!(indicator.name(), info.name);
            assert_eq!(indicator.outputs(), info.outputs);
        }
    }

    #[test]
    fn sources_positional_and_named_arguments() {
        assert_eq!(
            parse("sma(volume, 20)").unwrap(),
            Indicator::Sma {
                source: PriceField::Volume,
                period: 20
            }
        );
        assert_eq!(
            parse("sma(20)").unwrap(),
            Indicator::Sma {
                source: PriceField::Close,
                period: 20
            }
        );
        assert_eq!(
            parse("rsi").unwrap(),
            Indicator::Rsi {
                source: PriceField::Close,
                period: 14
            }
        );
        assert_eq!(
            parse("macd(signal: 5)").unwrap(),
            Indicator::Macd {
                source: PriceField::Close,
                fast: 12,
                slow: 26,
                signal: 5
            }
        );
        assert_eq!(
            parse("bbands(20, dev: 2.5)").unwrap(),
            Indicator::Bbands {
                source: PriceField::Close,
                period: 20,
                up: 2.5,
                down: 2.5
            }
        );
        assert_eq!(
            parse("bbands(20,2,2)").unwrap(),
            Indicator::Bbands {
                source: PriceField::Close,
                period: 20,
                up: 2.0,
                down: 2.0
            }
        );
        assert_eq!(
            parse("stoch(14,3,3)").unwrap(),
            Indicator::Stoch {
                fastk: 14,
                slowk: 3,
                slowd: 3
            }
        );
        assert_eq!(
            parse("max(src: high, period: 5)").unwrap(),
            Indicator::Max {
                source: PriceField::High,
                period: 5
            }
        );
    }

    #[test]
    fn bad_specs_say_what_is_allowed() {
        let cases = [
            (
                "rsl(14)",
                "unknown indicator `rsl`",
                Some("did you mean `rsi`?"),
            ),
            (
                "rsi(1)",
                "rsi period must be a whole number from 2 to 100000, got 1",
                None,
            ),
            (
                "rsi(14.5)",
                "rsi period must be a whole number from 2 to 100000, got 14.5",
                None,
            ),
            ("sma()", "sma needs a `period`", None),
            (
                "sma(clsoe, 5)",
                "unknown price series `clsoe`",
                Some("did you mean `close`? the series are open, high, low, close, volume"),
            ),
            (
                "rsi(14, 15)",
                "too many arguments",
                Some("usage: rsi(source = close, period = 14 (2..100000))"),
            ),
            (
                "atr(close, 14)",
                "atr period must be a number, got `close`",
                None,
            ),
            ("rsi(length: 14)", "rsi has no parameter `length`", None),
            ("rsi(14, period: 3)", "`period` is given twice", None),
            ("obv(1)", "too many arguments", None),
        ];
        for (spec, message, help) in cases {
            let err = parse(spec).unwrap_err();
            assert_eq!(err.message, message, "{spec}");
            if let Some(help) = help {
                assert_eq!(err.help.as_deref(), Some(help), "{spec}");
            }
        }
    }

    #[test]
    fn unknown_names_list_the_catalogue_when_nothing_is_close() {
        let err = parse("bollinger(20)").unwrap_err();
        assert!(err
            .help
            .unwrap()
            .starts_with("known indicators: sma, ema, wma"));
    }
}

#[cfg(test)]
mod documentation {
    use super::CATALOG;

    #[test]
    fn every_indicator_is_in_the_reference() {
        let reference = include_str!("../../../../docs/indicators.md");
        for info in CATALOG {
            let call = format!("| `{}(", info.name);
            let bare = format!("| `{}` |", info.name);
            assert!(
                reference.contains(&call) || reference.contains(&bare),
                "docs/indicators.md has no row for `{}`",
                info.name
            );
        }
    }
}
