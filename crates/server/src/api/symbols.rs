//! `GET /api/v1/symbols` and `GET /api/v1/symbols/{symbol}/bars`: the universe and its
//! bars, paginated, labelled demo or imported.

use crate::http::pagination::{Page, PageRequest};
use crate::http::problem::Problem;
use crate::market::universe::Source;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use scan::{BarSeries, BarTime};
use serde::{Deserialize, Serialize};

const DEFAULT_SYMBOLS: usize = 100;
const MAX_SYMBOLS: usize = 1_000;
const DEFAULT_BARS: usize = 1_000;
const MAX_BARS: usize = 10_000;

#[derive(Deserialize)]
pub struct SymbolsQuery {
    limit: Option<String>,
    cursor: Option<String>,
    /// Symbols starting with this text, case-insensitive.
    prefix: Option<String>,
}

#[derive(Serialize)]
pub struct SymbolSummary {
    symbol: String,
    name: Option<String>,
    sector: Option<String>,
    bars: usize,
    first_date: Option<String>,
    last_date: Option<String>,
    last_close: Option<f64>,
}

#[derive(Serialize)]
pub struct SymbolsPage {
    source: Source,
    #[serde(flatten)]
    page: Page<SymbolSummary>,
}

pub async fn list(
    State(app): State<AppState>,
    Query(query): Query<SymbolsQuery>,
) -> Result<Json<SymbolsPage>, Problem> {
    let request = PageRequest::parse(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        DEFAULT_SYMBOLS,
        MAX_SYMBOLS,
    )?;
    let prefix = query.prefix.unwrap_or_default().to_ascii_uppercase();
    let universe = app.universe();
    let start = request
        .after
        .as_deref()
        .map_or(0, |after| universe.position_after(after));
    let items = universe
        .entries()
        .skip(start)
        .filter(|(l, _)| l.symbol.starts_with(&prefix))
        .take(request.limit + 1)
        .map(|(l, series)| SymbolSummary {
            symbol: l.symbol.clone(),
            name: l.name.clone(),
            sector: l.sector.clone(),
            bars: series.len(),
            first_date: series.time().first().map(ToString::to_string),
            last_date: series.time().last().map(ToString::to_string),
            last_close: series.close().last().copied(),
        })
        .collect();
    Ok(Json(SymbolsPage {
        source: universe.source,
        page: Page::from_items(items, request.limit, |s| s.symbol.clone()),
    }))
}

#[derive(Deserialize)]
pub struct BarsQuery {
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

#[derive(Serialize)]
pub struct BarOut {
    date: String,
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    volume: f64,
}

#[derive(Serialize)]
pub struct BarsPage {
    symbol: String,
    source: Source,
    #[serde(flatten)]
    page: Page<BarOut>,
}

pub async fn bars(
    State(app): State<AppState>,
    Path(symbol): Path<String>,
    Query(query): Query<BarsQuery>,
) -> Result<Json<BarsPage>, Problem> {
    let request = PageRequest::parse(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        DEFAULT_BARS,
        MAX_BARS,
    )?;
    let from = parse_date("from", query.from.as_deref())?;
    let to = parse_date("to", query.to.as_deref())?;
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(Problem::bad_request(format!(
                "query parameters: `from` ({from}) is after `to` ({to})"
            )));
        }
    }
    let after = match request.after.as_deref() {
        None => None,
        Some(date) => Some(parse_date("cursor", Some(date))?.ok_or_else(|| {
            Problem::bad_request("query parameter `cursor` is not a cursor this API returned")
        })?),
    };
    let universe = app.universe();
    let symbol = symbol.to_ascii_uppercase();
    let Some((_, series)) = universe.get(&symbol) else {
        let mut detail = format!("there is no symbol `{symbol}` in the universe");
        if let Some(guess) = universe.did_you_mean(&symbol) {
            detail.push_str(&format!("; did you mean `{guess}`?"));
        }
        return Err(Problem::not_found(detail));
    };
    let times = series.time();
    let mut start = from.map_or(0, |from| times.partition_point(|&t| t < from));
    if let Some(after) = after {
        start = start.max(times.partition_point(|&t| t <= after));
    }
    let items = (start..series.len())
        .take_while(|&i| to.is_none_or(|to| times[i] <= to))
        .take(request.limit + 1)
        .map(|i| bar_out(series, i))
        .collect();
    Ok(Json(BarsPage {
        symbol,
        source: universe.source,
        page: Page::from_items(items, request.limit, |b| b.date.clone()),
    }))
}

fn bar_out(series: &BarSeries, i: usize) -> BarOut {
    BarOut {
        date: series.time()[i].to_string(),
        open: series.open()[i],
        high: series.high()[i],
        low: series.low()[i],
        close: series.close()[i],
        volume: series.volume()[i],
    }
}

fn parse_date(name: &str, text: Option<&str>) -> Result<Option<BarTime>, Problem> {
    match text {
        None | Some("") => Ok(None),
        Some(text) => BarTime::parse(text)
            .map(Some)
            .map_err(|e| Problem::bad_request(format!("query parameter `{name}`: {e}"))),
    }
}
