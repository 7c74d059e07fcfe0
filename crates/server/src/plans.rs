//! Subscription plans: what each costs and what it allows.
//!
//! Operators set them with `PLANS` (a JSON array) so prices and limits change without a
//! rebuild; without it the built-in list below applies. Stripe price ids are not part of
//! a plan: they stay in `STRIPE_*_PRICE_ID`, keyed by the plan ids `basic`, `pro` and
//! `enterprise`, so a secret-ish billing setting never sits in a display setting.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// How often a plan is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    Month,
    Year,
}

impl Interval {
    pub fn name(self) -> &'static str {
        match self {
            Interval::Month => "month",
            Interval::Year => "year",
        }
    }
}

/// One plan as offered on the pricing page and enforced by quotas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Stable identifier used in the database and in billing (`free`, `basic`, …).
    pub id: String,
    pub name: String,
    /// Price in the currency's minor unit (cents); 0 for a free plan.
    pub price_minor: u64,
    /// ISO 4217 code, lower case as Stripe writes it.
    pub currency: String,
    pub interval: Interval,
    /// One-line selling points, shown in order.
    #[serde(default)]
    pub features: Vec<String>,
    /// Saved scans allowed; absent or null means unlimited.
    #[serde(default)]
    pub scans: Option<u32>,
    /// Active alerts allowed; absent or null means unlimited.
    #[serde(default)]
    pub alerts: Option<u32>,
    /// Shown as the recommended plan.
    #[serde(default)]
    pub featured: bool,
}

impl Plan {
    pub fn is_free(&self) -> bool {
        self.price_minor == 0
    }

    /// The price as a shopper reads it: `$19`, `$19.50`, `€9`, `CHF 25`.
    pub fn price_label(&self) -> String {
        let whole = self.price_minor / 100;
        let cents = self.price_minor % 100;
        let amount = if cents == 0 {
            whole.to_string()
        } else {
            format!("{whole}.{cents:02}")
        };
        match self.currency.as_str() {
            "usd" => format!("${amount}"),
            "eur" => format!("€{amount}"),
            "gbp" => format!("£{amount}"),
            other => format!("{} {amount}", other.to_ascii_uppercase()),
        }
    }

    pub fn scans_label(&self) -> String {
        limit_label(self.scans, "saved scan", "saved scans")
    }

    pub fn alerts_label(&self) -> String {
        limit_label(self.alerts, "active alert", "active alerts")
    }
}

fn limit_label(limit: Option<u32>, one: &str, many: &str) -> String {
    match limit {
        None => format!("Unlimited {many}"),
        Some(1) => format!("1 {one}"),
        Some(n) => format!("{n} {many}"),
    }
}

/// Reads `PLANS`: a JSON array of plans. The message names the first problem; serde's
/// own messages carry the line and column.
pub fn parse(json: &str) -> Result<Vec<Plan>, String> {
    let plans: Vec<Plan> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if plans.is_empty() {
        return Err("the list is empty; give at least one plan or leave PLANS unset".into());
    }
    let mut ids = HashSet::new();
    for (index, plan) in plans.iter().enumerate() {
        let at = format!("plan {} (`{}`)", index + 1, plan.id);
        let id_ok = !plan.id.is_empty()
            && plan
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(format!(
                "{at}: the id must be lower-case letters, digits, - or _"
            ));
        }
        if !ids.insert(plan.id.as_str()) {
            return Err(format!("{at}: the id is used twice"));
        }
        if plan.name.trim().is_empty() {
            return Err(format!("{at}: the name is empty"));
        }
        let currency_ok =
            plan.currency.len() == 3 && plan.currency.bytes().all(|b| b.is_ascii_lowercase());
        if !currency_ok {
            return Err(format!(
                "{at}: currency `{}` is not a lower-case ISO 4217 code such as usd",
                plan.currency
            ));
        }
    }
    Ok(plans)
}

/// The plans offered when `PLANS` is unset.
pub fn defaults() -> Vec<Plan> {
    let plan = |id: &str, name: &str, price_minor, scans, alerts, features: &[&str]| Plan {
        id: id.into(),
        name: name.into(),
        price_minor,
        currency: "usd".into(),
        interval: Interval::Month,
        features: features.iter().map(|f| f.to_string()).collect(),
        scans,
        alerts,
        featured: false,
    };
    let mut plans = vec![
        plan(
            "free",
            "Free",
            0,
            Some(3),
            Some(1),
            &["End-of-day data", "Scan the whole universe", "Email alerts"],
        ),
        plan(
            "basic",
            "Basic",
            1900,
            Some(25),
            Some(10),
            &[
                "Everything in Free",
                "Backtest any scan",
                "Watchlists and CSV export",
            ],
        ),
        plan(
            "pro",
            "Pro",
            4900,
            Some(100),
            Some(50),
            &[
                "Everything in Basic",
                "Live alerts in the browser",
                "Signed webhooks with the result set",
                "REST API keys",
            ],
        ),
        plan(
            "enterprise",
            "Enterprise",
            19900,
            None,
            None,
            &[
                "Everything in Pro",
                "Team seats and audit log",
                "Priority support",
            ],
        ),
    ];
    plans[2].featured = true;
    plans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_plans_pass_their_own_checks() {
        let json = serde_json::to_string(&defaults()).unwrap();
        assert_eq!(parse(&json).unwrap(), defaults());
    }

    #[test]
    fn a_minimal_plan_reads_with_unlimited_quotas() {
        let plans = parse(
            r#"[{"id":"basic","name":"Basic","price_minor":1950,"currency":"eur",
                 "interval":"year","features":["A"],"scans":10}]"#,
        )
        .unwrap();
        let basic = &plans[0];
        assert_eq!(basic.interval, Interval::Year);
        assert_eq!(basic.price_label(), "€19.50");
        assert_eq!(basic.scans_label(), "10 saved scans");
        assert_eq!(basic.alerts_label(), "Unlimited active alerts");
    }

    #[test]
    fn prices_read_naturally() {
        let mut plan = defaults().remove(1);
        assert_eq!(plan.price_label(), "$19");
        plan.currency = "chf".into();
        plan.price_minor = 2505;
        assert_eq!(plan.price_label(), "CHF 25.05");
    }

    #[test]
    fn bad_plans_say_which_and_why() {
        let cases = [
            ("[]", "the list is empty"),
            ("[{", "EOF while parsing"),
            (
                r#"[{"id":"a","name":"A","price_minor":1,"currency":"usd","interval":"week"}]"#,
                "unknown variant `week`",
            ),
            (
                r#"[{"id":"a","name":"A","price_minor":1,"currency":"usd","interval":"month","color":1}]"#,
                "unknown field `color`",
            ),
            (
                r#"[{"id":"A b","name":"A","price_minor":1,"currency":"usd","interval":"month"}]"#,
                "plan 1 (`A b`): the id must be",
            ),
            (
                r#"[{"id":"a","name":"A","price_minor":1,"currency":"usd","interval":"month"},
                    {"id":"a","name":"B","price_minor":1,"currency":"usd","interval":"month"}]"#,
                "plan 2 (`a`): the id is used twice",
            ),
            (
                r#"[{"id":"a","name":"A","price_minor":1,"currency":"US$","interval":"month"}]"#,
                "currency `US$` is not",
            ),
        ];
        for (json, expected) in cases {
            let message = parse(json).unwrap_err();
            assert!(message.contains(expected), "{json}: {message}");
        }
    }
}
