//! Timeframes: daily bars resampled to weeks or months, evaluated point in time.
//!
//! At each daily bar, a `weekly(…)` expression sees every completed week plus the
//! current week *so far* (its open is the week's first open, its high the highest high
//! up to today, its close today's close, its volume the sum so far). That keeps a
//! backtest honest — no value knows the rest of its week — and makes the value on a
//! week's last day the value of the completed week. The programs' states are saved at
//! the end of each completed period and the partial period is replayed on a copy.

use super::plan::Program;
use super::stream::ProgramState;
use crate::lang::Timeframe;
use crate::series::Bar;
use crate::time::BarTime;

/// Which week or month a bar belongs to; equal keys mean the same period.
pub fn period_key(frame: Timeframe, time: BarTime) -> i64 {
    match frame {
        // Weeks start on Monday; 1970-01-01 was a Thursday, three days after one.
        Timeframe::Weekly => (time.day_number() + 3).div_euclid(7),
        Timeframe::Monthly => {
            let (year, month, _) = time.ymd();
            i64::from(year) * 12 + i64::from(month)
        }
    }
}

/// Folds the next daily bar of the same period into the period's bar so far.
pub fn extend(period: &mut Bar, day: &Bar) {
    if day.high > period.high {
        period.high = day.high;
    }
    if day.low < period.low {
        period.low = day.low;
    }
    period.close = day.close;
    period.volume += day.volume;
    period.time = day.time;
    period.adj_close = None;
}

/// One timeframe program's state for one symbol.
#[derive(Clone)]
pub struct FrameState {
    frame: Timeframe,
    /// After the last completed period.
    completed: ProgramState,
    /// After the current period so far; its values are what the daily program reads.
    current: ProgramState,
    /// The current period's key and bar so far.
    period: Option<(i64, Bar)>,
}

impl FrameState {
    pub fn new(frame: Timeframe, program: &Program, symbol: &str) -> Self {
        let fresh = ProgramState::new(program, symbol);
        FrameState {
            frame,
            completed: fresh.clone(),
            current: fresh,
            period: None,
        }
    }

    /// Takes the next daily bar.
    pub fn update(&mut self, program: &Program, day: &Bar) {
        let key = period_key(self.frame, day.time);
        match &mut self.period {
            Some((current, bar)) if *current == key => extend(bar, day),
            _ => {
                if self.period.is_some() {
                    // The period that just ended is complete: keep its final state.
                    std::mem::swap(&mut self.completed, &mut self.current);
                }
                let mut bar = *day;
                bar.adj_close = None;
                self.period = Some((key, bar));
            }
        }
        let (_, bar) = self.period.as_ref().expect("set above");
        self.current.clone_from(&self.completed);
        self.current.update(program, bar, &Frames::NONE);
    }

    /// The program's values as they stand at the last daily bar.
    pub fn values(&self) -> &[f64] {
        self.current.values()
    }
}

/// The timeframe states a daily program reads from.
pub struct Frames<'a> {
    pub weekly: Option<&'a FrameState>,
    pub monthly: Option<&'a FrameState>,
}

impl Frames<'_> {
    pub const NONE: Frames<'static> = Frames {
        weekly: None,
        monthly: None,
    };

    pub fn value(&self, frame: Timeframe, slot: usize) -> f64 {
        let state = match frame {
            Timeframe::Weekly => self.weekly,
            Timeframe::Monthly => self.monthly,
        };
        state
            .expect("a plan with a timeframe step has its state")
            .values()[slot]
    }
}
