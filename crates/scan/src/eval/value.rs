//! What every operation means on one bar's values. Batch columns and streaming states
//! both call these functions, so the two agree bit for bit by construction.
//!
//! Every value is an `f64`: numbers as themselves, conditions as 1.0 (true) or 0.0
//! (false), and `NaN` for *undefined* — an indicator still warming up, an offset before
//! the first bar, a division by zero. Logic is three-valued (Kleene): `false and ?` is
//! false, `true or ?` is true, anything else touching an undefined value is undefined.

use crate::lang::{ArithOp, CmpOp, Field, LogicOp};
use crate::series::Bar;

pub const UNDEFINED: f64 = f64::NAN;

pub fn truth(value: bool) -> f64 {
    if value {
        1.0
    } else {
        0.0
    }
}

/// A number that is not finite (overflow, division by zero) is undefined.
fn finite(value: f64) -> f64 {
    if value.is_finite() {
        value
    } else {
        UNDEFINED
    }
}

pub fn field(field: Field, bar: &Bar) -> f64 {
    let Bar {
        open,
        high,
        low,
        close,
        volume,
        ..
    } = *bar;
    match field {
        Field::Open => open,
        Field::High => high,
        Field::Low => low,
        Field::Close => close,
        Field::Volume => volume,
        Field::Hl2 => (high + low) / 2.0,
        Field::Hlc3 => (high + low + close) / 3.0,
        Field::Ohlc4 => (open + high + low + close) / 4.0,
    }
}

pub fn arith(op: ArithOp, a: f64, b: f64) -> f64 {
    finite(match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div => a / b,
    })
}

pub fn compare(op: CmpOp, a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return UNDEFINED;
    }
    truth(match op {
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
    })
}

pub fn logic(op: LogicOp, a: f64, b: f64) -> f64 {
    // The value that decides the result whatever the other side is.
    let decisive = match op {
        LogicOp::And => 0.0,
        LogicOp::Or => 1.0,
    };
    if a == decisive || b == decisive {
        decisive
    } else if a.is_nan() || b.is_nan() {
        UNDEFINED
    } else {
        1.0 - decisive
    }
}

pub fn not(a: f64) -> f64 {
    if a.is_nan() {
        UNDEFINED
    } else {
        truth(a == 0.0)
    }
}

/// `a crosses above b`: a was ≤ b on the previous bar and is > b now; `below` mirrors.
pub fn crosses(above: bool, previous: (f64, f64), now: (f64, f64)) -> f64 {
    let ((pa, pb), (a, b)) = (previous, now);
    if pa.is_nan() || pb.is_nan() || a.is_nan() || b.is_nan() {
        return UNDEFINED;
    }
    truth(if above {
        pa <= pb && a > b
    } else {
        pa >= pb && a < b
    })
}

/// `src − src[n]`, given both.
pub fn change(now: f64, then: f64) -> f64 {
    finite(now - then)
}

/// `(src − src[n]) / src[n] × 100`, given both.
pub fn pct_change(now: f64, then: f64) -> f64 {
    finite((now - then) / then * 100.0)
}

/// The smaller of two values, or undefined; folded left over `min(a, b, …)`.
pub fn min(acc: f64, value: f64) -> f64 {
    if acc.is_nan() || value.is_nan() {
        UNDEFINED
    } else if value < acc {
        value
    } else {
        acc
    }
}

pub fn max(acc: f64, value: f64) -> f64 {
    if acc.is_nan() || value.is_nan() {
        UNDEFINED
    } else if value > acc {
        value
    } else {
        acc
    }
}

/// The next `streak` count, given the previous count and the condition now.
pub fn streak(previous: f64, cond: f64) -> f64 {
    if cond.is_nan() {
        UNDEFINED
    } else if cond == 0.0 {
        0.0
    } else if previous.is_nan() {
        1.0
    } else {
        previous + 1.0
    }
}

/// Running counts over a window of condition values.
#[derive(Debug, Clone, Copy, Default)]
pub struct WindowCounts {
    pub trues: usize,
    pub undefined: usize,
}

impl WindowCounts {
    pub fn add(&mut self, cond: f64) {
        if cond.is_nan() {
            self.undefined += 1;
        } else if cond != 0.0 {
            self.trues += 1;
        }
    }

    pub fn remove(&mut self, cond: f64) {
        if cond.is_nan() {
            self.undefined -= 1;
        } else if cond != 0.0 {
            self.trues -= 1;
        }
    }

    /// The window's value once it holds `bars` conditions: undefined if any of them is.
    pub fn value(&self, kind: crate::lang::WindowKind, bars: usize) -> f64 {
        use crate::lang::WindowKind;
        if self.undefined > 0 {
            return UNDEFINED;
        }
        match kind {
            WindowKind::Any => truth(self.trues > 0),
            WindowKind::All => truth(self.trues == bars),
            WindowKind::Count => self.trues as f64,
        }
    }
}
