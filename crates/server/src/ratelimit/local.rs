//! In-process TAT store: the default, and the fallback while Redis is unreachable.

use super::quota::{Decision, Quota};
use std::collections::HashMap;
use std::sync::Mutex;

/// Keys whose TAT has passed carry no information; they are dropped once the map is
/// this large, so a flood of distinct addresses cannot grow memory without bound.
const PRUNE_AT: usize = 100_000;

#[derive(Default)]
pub struct LocalStore {
    tats: Mutex<HashMap<String, u64>>,
}

impl LocalStore {
    pub fn check(&self, key: &str, quota: &Quota, now_ms: u64) -> Decision {
        // A poisoned lock only means another request panicked mid-update of plain
        // integers; the map is still usable.
        let mut tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        let decision = quota.decide(tats.get(key).copied(), now_ms);
        if decision.allowed {
            if tats.len() >= PRUNE_AT {
                tats.retain(|_, tat| *tat > now_ms);
            }
            tats.insert(key.to_string(), decision.tat);
        }
        decision
    }
}
