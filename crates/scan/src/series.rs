//! Columnar bar series: one symbol's history, validated bar by bar.
//!
//! Columns (not a `Vec<Bar>`) because every indicator reads one or two fields over the
//! whole history; contiguous `f64` slices keep those loops tight and vectorisable.

use crate::time::BarTime;
use std::fmt;

/// One bar as it arrives, before it joins a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub time: BarTime,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    /// Split- and dividend-adjusted close, when the source provides one.
    pub adj_close: Option<f64>,
}

/// Why a bar was refused. Each variant names the rule it breaks.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BarProblem {
    #[error("{field} is {value}, not a finite number")]
    NotFinite { field: &'static str, value: f64 },
    #[error("high {high} is below low {low}")]
    HighBelowLow { high: f64, low: f64 },
    #[error("high {high} is below the {field} {value}")]
    HighBelowBody {
        high: f64,
        field: &'static str,
        value: f64,
    },
    #[error("low {low} is above the {field} {value}")]
    LowAboveBody {
        low: f64,
        field: &'static str,
        value: f64,
    },
    #[error("volume {0} is negative")]
    NegativeVolume(f64),
    #[error("date {time} repeats the previous bar's date")]
    DuplicateTime { time: BarTime },
    #[error("date {time} comes before the previous bar's date {previous}")]
    Unsorted { time: BarTime, previous: BarTime },
}

impl Bar {
    /// A price field of this bar.
    pub fn field(&self, field: PriceField) -> f64 {
        match field {
            PriceField::Open => self.open,
            PriceField::High => self.high,
            PriceField::Low => self.low,
            PriceField::Close => self.close,
            PriceField::Volume => self.volume,
        }
    }

    /// Checks the rules every bar must satisfy on its own.
    #[inline]
    pub fn validate(&self) -> Result<(), BarProblem> {
        if self.obeys_rules() {
            return Ok(());
        }
        self.problem()
    }

    /// Whether the bar obeys every rule of [`validate`](Self::validate). A market
    /// stream checks every symbol's new bar before each update, so this is one
    /// expression without branches (`&` evaluates every test, where `&&` would branch
    /// on each); only a refused bar goes on to [`problem`](Self::problem), which finds
    /// the rule it breaks. For finite values each comparison is the negation of the
    /// one `problem` refuses on.
    #[inline]
    fn obeys_rules(&self) -> bool {
        let Bar {
            open,
            high,
            low,
            close,
            volume,
            adj_close,
            ..
        } = *self;
        let finite = open.is_finite()
            & high.is_finite()
            & low.is_finite()
            & close.is_finite()
            & volume.is_finite()
            & adj_close.is_none_or(f64::is_finite);
        finite
            & (high >= low)
            & (high >= open)
            & (high >= close)
            & (low <= open)
            & (low <= close)
            & (volume >= 0.0)
    }

    /// The first rule the bar breaks: every field finite, then high ≥ low, the body
    /// within the range, a volume that is not negative.
    #[cold]
    fn problem(&self) -> Result<(), BarProblem> {
        let fields = [
            ("open", self.open),
            ("high", self.high),
            ("low", self.low),
            ("close", self.close),
            ("volume", self.volume),
        ];
        for (field, value) in fields
            .into_iter()
            .chain(self.adj_close.map(|v| ("adjusted close", v)))
        {
            if !value.is_finite() {
                return Err(BarProblem::NotFinite { field, value });
            }
        }
        if self.high < self.low {
            return Err(BarProblem::HighBelowLow {
                high: self.high,
                low: self.low,
            });
        }
        for (field, value) in [("open", self.open), ("close", self.close)] {
            if self.high < value {
                return Err(BarProblem::HighBelowBody {
                    high: self.high,
                    field,
                    value,
                });
            }
            if self.low > value {
                return Err(BarProblem::LowAboveBody {
                    low: self.low,
                    field,
                    value,
                });
            }
        }
        if self.volume < 0.0 {
            return Err(BarProblem::NegativeVolume(self.volume));
        }
        Ok(())
    }
}

/// A symbol's bars in strictly increasing time order. Every bar in it passed
/// [`Bar::validate`]; the only way in is [`BarSeries::push`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarSeries {
    symbol: String,
    time: Vec<BarTime>,
    open: Vec<f64>,
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
    volume: Vec<f64>,
    /// Present only when every bar carried an adjusted close.
    adj_close: Option<Vec<f64>>,
    /// The largest |value| of each price column, in [`PriceField::ALL`] order, kept up
    /// to date as bars are appended: the market scan's SMA bounds need it for every
    /// symbol, and a pass over the whole column per scan would read more memory than
    /// the bound saves.
    largest: [f64; 5],
}

impl BarSeries {
    pub fn new(symbol: impl Into<String>) -> Self {
        BarSeries {
            symbol: symbol.into(),
            adj_close: Some(Vec::new()),
            ..Default::default()
        }
    }

    /// Builds a series from bars in any order: they are sorted, and of two bars with
    /// the same time the first one given is kept. Invalid bars are refused with the
    /// index of the first one.
    pub fn from_bars(
        symbol: impl Into<String>,
        mut bars: Vec<Bar>,
    ) -> Result<Self, (usize, BarProblem)> {
        for (i, bar) in bars.iter().enumerate() {
            bar.validate().map_err(|p| (i, p))?;
        }
        bars.sort_by_key(|b| b.time);
        bars.dedup_by_key(|b| b.time);
        let mut series = BarSeries::new(symbol);
        series.reserve(bars.len());
        for bar in bars {
            series.append_unchecked(bar);
        }
        Ok(series)
    }

    pub fn reserve(&mut self, additional: usize) {
        self.time.reserve(additional);
        for column in [
            &mut self.open,
            &mut self.high,
            &mut self.low,
            &mut self.close,
            &mut self.volume,
        ] {
            column.reserve(additional);
            crate::memory::advise_huge_pages(column);
        }
    }

    /// Appends a bar after checking it and that it comes after the last one.
    pub fn push(&mut self, bar: Bar) -> Result<(), BarProblem> {
        bar.validate()?;
        if let Some(&previous) = self.time.last() {
            if bar.time == previous {
                return Err(BarProblem::DuplicateTime { time: bar.time });
            }
            if bar.time < previous {
                return Err(BarProblem::Unsorted {
                    time: bar.time,
                    previous,
                });
            }
        }
        self.append_unchecked(bar);
        Ok(())
    }

    fn append_unchecked(&mut self, bar: Bar) {
        self.time.push(bar.time);
        self.open.push(bar.open);
        self.high.push(bar.high);
        self.low.push(bar.low);
        self.close.push(bar.close);
        self.volume.push(bar.volume);
        let values = [bar.open, bar.high, bar.low, bar.close, bar.volume];
        for (largest, value) in self.largest.iter_mut().zip(values) {
            *largest = largest.max(value.abs());
        }
        self.adj_close = match (self.adj_close.take(), bar.adj_close) {
            (Some(mut column), Some(value)) => {
                column.push(value);
                Some(column)
            }
            _ => None,
        };
    }

    pub fn symbol(&self) -> &str {
        &self.symbol
    }
    pub fn len(&self) -> usize {
        self.time.len()
    }
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }
    pub fn time(&self) -> &[BarTime] {
        &self.time
    }
    pub fn open(&self) -> &[f64] {
        &self.open
    }
    pub fn high(&self) -> &[f64] {
        &self.high
    }
    pub fn low(&self) -> &[f64] {
        &self.low
    }
    pub fn close(&self) -> &[f64] {
        &self.close
    }
    pub fn volume(&self) -> &[f64] {
        &self.volume
    }
    /// The adjusted close column, if every bar had one.
    pub fn adj_close(&self) -> Option<&[f64]> {
        self.adj_close.as_deref().filter(|_| !self.is_empty())
    }

    /// The bar at `index`.
    pub fn bar(&self, index: usize) -> Option<Bar> {
        Some(Bar {
            time: *self.time.get(index)?,
            open: self.open[index],
            high: self.high[index],
            low: self.low[index],
            close: self.close[index],
            volume: self.volume[index],
            adj_close: self.adj_close.as_ref().map(|c| c[index]),
        })
    }

    /// The largest |value| of a price column over the whole series (0 when empty).
    pub fn largest_magnitude(&self, field: PriceField) -> f64 {
        // The variants are declared in `ALL`'s order, so the discriminant is the index.
        self.largest[field as usize]
    }

    fn column_mut(&mut self, field: PriceField) -> &mut Vec<f64> {
        match field {
            PriceField::Open => &mut self.open,
            PriceField::High => &mut self.high,
            PriceField::Low => &mut self.low,
            PriceField::Close => &mut self.close,
            PriceField::Volume => &mut self.volume,
        }
    }

    /// A price column by field.
    pub fn field(&self, field: PriceField) -> &[f64] {
        match field {
            PriceField::Open => &self.open,
            PriceField::High => &self.high,
            PriceField::Low => &self.low,
            PriceField::Close => &self.close,
            PriceField::Volume => &self.volume,
        }
    }
}

/// Moves the columns of a market's series into new allocations made field by field:
/// every series' opens, then every series' highs, and so on, times last. The values do
/// not change; where they lie does. A market loaded or generated symbol by symbol has
/// each symbol's columns side by side, so one field over the market (what
/// [`Indicator::compute_many`](crate::catalog::Indicator::compute_many) reads) is short
/// pieces strewn among the other fields; allocated one after another, the columns of a
/// field come from consecutive blocks of the allocator, in the market's order, and are
/// read as a few long streams.
///
/// Every new column is allocated before any old one is freed, so the freed blocks
/// cannot break up the new order.
pub fn lay_out_by_field(market: &mut [BarSeries]) {
    let fresh_prices: Vec<Vec<Vec<f64>>> = PriceField::ALL
        .iter()
        .map(|&field| market.iter().map(|s| s.field(field).to_vec()).collect())
        .collect();
    let fresh_adj_close: Vec<Option<Vec<f64>>> = market
        .iter()
        .map(|s| s.adj_close.as_deref().map(<[f64]>::to_vec))
        .collect();
    let fresh_times: Vec<Vec<BarTime>> = market.iter().map(|s| s.time.to_vec()).collect();
    for (field, columns) in PriceField::ALL.into_iter().zip(fresh_prices) {
        for (series, column) in market.iter_mut().zip(columns) {
            *series.column_mut(field) = column;
        }
    }
    for ((series, adj_close), time) in market.iter_mut().zip(fresh_adj_close).zip(fresh_times) {
        series.adj_close = adj_close;
        series.time = time;
    }
}

/// The raw columns of a series that indicators may take as input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PriceField {
    Open,
    High,
    Low,
    Close,
    Volume,
}

impl PriceField {
    pub const ALL: [PriceField; 5] = [
        PriceField::Open,
        PriceField::High,
        PriceField::Low,
        PriceField::Close,
        PriceField::Volume,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PriceField::Open => "open",
            PriceField::High => "high",
            PriceField::Low => "low",
            PriceField::Close => "close",
            PriceField::Volume => "volume",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for PriceField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(day: u32, o: f64, h: f64, l: f64, c: f64, v: f64) -> Bar {
        Bar {
            time: BarTime::from_ymd(2020, 1, day).unwrap(),
            open: o,
            high: h,
            low: l,
            close: c,
            volume: v,
            adj_close: None,
        }
    }

    #[test]
    fn laying_out_by_field_keeps_every_value() {
        let with_adj = |day, close: f64| Bar {
            adj_close: Some(close / 2.0),
            ..bar(day, close, close + 1.0, close - 1.0, close, 100.0 * close)
        };
        let a = BarSeries::from_bars("A", (2..9).map(|d| with_adj(d, d as f64)).collect());
        let b = BarSeries::from_bars(
            "B",
            (3..6).map(|d| bar(d, 5.0, 6.0, 4.0, 5.5, 7.0)).collect(),
        );
        let mut market = vec![a.unwrap(), b.unwrap(), BarSeries::new("EMPTY")];
        let before = market.clone();
        lay_out_by_field(&mut market);
        assert_eq!(market, before);
        assert!(market[0].adj_close().is_some() && market[1].adj_close().is_none());
    }

    #[test]
    fn validation_names_the_broken_rule() {
        let ok = bar(2, 10.0, 11.0, 9.0, 10.5, 100.0);
        assert_eq!(ok.validate(), Ok(()));
        let cases = [
            (bar(2, f64::NAN, 11.0, 9.0, 10.5, 1.0), "open is NaN"),
            (bar(2, 10.0, 8.0, 9.0, 8.5, 1.0), "high 8 is below low 9"),
            (
                bar(2, 10.0, 10.2, 9.0, 10.5, 1.0),
                "high 10.2 is below the close 10.5",
            ),
            (
                bar(2, 10.0, 11.0, 10.1, 10.5, 1.0),
                "low 10.1 is above the open 10",
            ),
            (bar(2, 10.0, 11.0, 9.0, 10.5, -1.0), "volume -1 is negative"),
            (bar(2, 10.0, f64::INFINITY, 9.0, 10.5, 1.0), "high is inf"),
        ];
        for (bar, message) in cases {
            let problem = bar.validate().unwrap_err().to_string();
            assert!(problem.starts_with(message), "{problem}");
        }
    }

    #[test]
    fn push_requires_strictly_increasing_times() {
        let mut s = BarSeries::new("T");
        s.push(bar(2, 1.0, 1.0, 1.0, 1.0, 0.0)).unwrap();
        assert!(matches!(
            s.push(bar(2, 1.0, 1.0, 1.0, 1.0, 0.0)),
            Err(BarProblem::DuplicateTime { .. })
        ));
        assert!(matches!(
            s.push(bar(1, 1.0, 1.0, 1.0, 1.0, 0.0)),
            Err(BarProblem::Unsorted { .. })
        ));
        s.push(bar(3, 1.0, 1.0, 1.0, 1.0, 0.0)).unwrap();
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn from_bars_sorts_and_deduplicates() {
        let bars = vec![
            bar(3, 3.0, 3.0, 3.0, 3.0, 0.0),
            bar(1, 1.0, 1.0, 1.0, 1.0, 0.0),
            bar(3, 9.0, 9.0, 9.0, 9.0, 0.0),
        ];
        let s = BarSeries::from_bars("T", bars).unwrap();
        assert_eq!(s.close(), &[1.0, 3.0]);
    }

    #[test]
    fn largest_magnitude_follows_each_column() {
        let mut s = BarSeries::new("T");
        assert_eq!(s.largest_magnitude(PriceField::Close), 0.0);
        s.push(bar(1, 2.0, 4.0, 1.0, 3.0, 50.0)).unwrap();
        s.push(bar(2, 2.5, 3.0, 2.0, 2.0, 70.0)).unwrap();
        let largest = PriceField::ALL.map(|f| s.largest_magnitude(f));
        assert_eq!(largest, [2.5, 4.0, 2.0, 3.0, 70.0]);
    }

    #[test]
    fn adjusted_close_kept_only_when_every_bar_has_one() {
        let mut with = bar(1, 1.0, 1.0, 1.0, 1.0, 0.0);
        with.adj_close = Some(0.5);
        let mut s = BarSeries::new("T");
        s.push(with).unwrap();
        assert_eq!(s.adj_close(), Some(&[0.5][..]));
        s.push(bar(2, 1.0, 1.0, 1.0, 1.0, 0.0)).unwrap();
        assert_eq!(s.adj_close(), None);
    }
}
