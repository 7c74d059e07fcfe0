//! The universe in memory: every listed symbol with its bars, sorted by symbol, loaded
//! once at start (and replaced whole after an import) so scans never touch the database.

use market::demo::demo_universe;
use scan::BarSeries;
use std::collections::HashMap;

/// Where the bars came from; demo data is labelled as such in the API and the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Demo,
    Imported,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub symbol: String,
    pub name: Option<String>,
    pub sector: Option<String>,
}

#[derive(Debug)]
pub struct Universe {
    pub source: Source,
    /// The import this universe was loaded after (the `market_data` setting); `None`
    /// for the demo universe and for data imported before imports were recorded.
    pub version: Option<serde_json::Value>,
    listings: Vec<Listing>,
    series: Vec<BarSeries>,
    by_symbol: HashMap<String, usize>,
}

impl Universe {
    /// Builds a universe from listings and their bars, in any order.
    pub fn new(source: Source, mut entries: Vec<(Listing, BarSeries)>) -> Universe {
        entries.sort_by(|a, b| a.0.symbol.cmp(&b.0.symbol));
        let by_symbol = entries
            .iter()
            .enumerate()
            .map(|(i, (listing, _))| (listing.symbol.clone(), i))
            .collect();
        let (listings, series) = entries.into_iter().unzip();
        Universe {
            source,
            version: None,
            listings,
            series,
            by_symbol,
        }
    }

    /// The synthetic demo market.
    pub fn demo() -> Universe {
        let entries = demo_universe()
            .into_iter()
            .map(|(company, series)| {
                let listing = Listing {
                    symbol: company.symbol,
                    name: Some(company.name),
                    sector: Some(company.sector.to_string()),
                };
                (listing, series)
            })
            .collect();
        Universe::new(Source::Demo, entries)
    }

    pub fn len(&self) -> usize {
        self.listings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.listings.is_empty()
    }

    /// Every listing with its bars, in symbol order.
    pub fn entries(&self) -> impl Iterator<Item = (&Listing, &BarSeries)> {
        self.listings.iter().zip(&self.series)
    }

    /// Every series, in symbol order, as a scan takes them.
    pub fn series(&self) -> &[BarSeries] {
        &self.series
    }

    pub fn get(&self, symbol: &str) -> Option<(&Listing, &BarSeries)> {
        let &i = self.by_symbol.get(symbol)?;
        Some((&self.listings[i], &self.series[i]))
    }

    /// The position of the first listing after `symbol` in symbol order.
    pub fn position_after(&self, symbol: &str) -> usize {
        self.listings
            .partition_point(|l| l.symbol.as_str() <= symbol)
    }

    /// The known symbol closest in spelling to `symbol`, for error messages.
    pub fn did_you_mean(&self, symbol: &str) -> Option<&str> {
        scan::catalog::did_you_mean(symbol, self.listings.iter().map(|l| l.symbol.as_str()))
    }
}
