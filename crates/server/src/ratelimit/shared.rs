//! TATs in Redis, so every instance behind the load balancer enforces one limit.
//!
//! The decision is made inside Redis by one Lua script (atomic, no race between
//! instances) on Redis's own clock (no skew between instances). Each call has a short
//! timeout: a slow or absent Redis makes the caller fall back to its local store.

use super::quota::{Decision, Quota};
use crate::config::RedisConfig;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;
use std::time::Duration;

const CALL_TIMEOUT: Duration = Duration::from_millis(250);

/// Returns {allowed, tat, now} in milliseconds; the key expires when its TAT passes.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat - now > tolerance then
  return {0, tat, now}
end
tat = tat + interval
redis.call('SET', KEYS[1], tat, 'PX', tat - now + 1000)
return {1, tat, now}
";

pub struct SharedStore {
    connection: ConnectionManager,
    script: Script,
    key_prefix: String,
}

impl SharedStore {
    /// Connects lazily: a Redis that is down at start is retried on later calls.
    pub fn new(config: &RedisConfig) -> Result<SharedStore, redis::RedisError> {
        let client = redis::Client::open(config.url())?;
        let settings = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(1);
        Ok(SharedStore {
            connection: ConnectionManager::new_lazy_with_config(client, settings)?,
            script: Script::new(GCRA),
            key_prefix: format!("{}ratelimit:", config.key_prefix),
        })
    }

    pub async fn check(&self, key: &str, quota: &Quota) -> Result<Decision, String> {
        let mut connection = self.connection.clone();
        let mut invocation = self.script.key(format!("{}{key}", self.key_prefix));
        invocation.arg(quota.interval_ms).arg(quota.tolerance_ms());
        let call = invocation.invoke_async::<(u8, u64, u64)>(&mut connection);
        let (allowed, tat, now) = tokio::time::timeout(CALL_TIMEOUT, call)
            .await
            .map_err(|_| format!("Redis did not answer within {CALL_TIMEOUT:?}"))?
            .map_err(|e| e.to_string())?;
        // The script stored the TAT; recompute the header values from it the same way
        // the local store does.
        let previous = if allowed == 1 {
            tat - quota.interval_ms
        } else {
            tat
        };
        Ok(Decision {
            tat,
            ..quota.decide(Some(previous), now)
        })
    }

    pub async fn ping(&self) -> Result<(), String> {
        let mut connection = self.connection.clone();
        let ping = redis::cmd("PING");
        tokio::time::timeout(CALL_TIMEOUT, ping.query_async::<String>(&mut connection))
            .await
            .map_err(|_| format!("Redis did not answer within {CALL_TIMEOUT:?}"))?
            .map(drop)
            .map_err(|e| e.to_string())
    }
}
