//! The audit log: who did what, to what, from where. Append-only by construction — this
//! module offers `append` and reads, nothing that updates or deletes, and the database
//! refuses UPDATE and DELETE on the table with triggers (see the initial migration).

use super::error::DbError;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// One event to record. `action` is a dotted verb such as `user.login` or
/// `billing.plan_changed`; `target` names the object acted on (`user:42`).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub details: serde_json::Value,
}

impl AuditEvent {
    /// An event with no actor, target or request context, and empty details.
    pub fn new(action: impl Into<String>) -> AuditEvent {
        AuditEvent {
            actor_user_id: None,
            action: action.into(),
            target: None,
            ip: None,
            user_agent: None,
            request_id: None,
            details: serde_json::Value::Object(Default::default()),
        }
    }
}

/// A stored audit row.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub event: AuditEvent,
}

/// Records `event` now. Pass a transaction to record it atomically with the change it
/// describes.
pub async fn append<C: ConnectionTrait>(db: &C, event: AuditEvent) -> Result<i64, DbError> {
    let row = entity::ActiveModel {
        id: NotSet,
        created_at: Set(Utc::now()),
        actor_user_id: Set(event.actor_user_id),
        action: Set(event.action),
        target: Set(event.target),
        ip: Set(event.ip),
        user_agent: Set(event.user_agent),
        request_id: Set(event.request_id),
        details: Set(event.details),
    };
    Ok(row.insert(db).await?.id)
}

/// The newest rows first, `limit` of them, older than `before_id` when given (keyset
/// pagination, stable while new rows arrive).
pub async fn recent<C: ConnectionTrait>(
    db: &C,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<AuditRecord>, DbError> {
    let mut query = entity::Entity::find();
    if let Some(before) = before_id {
        query = query.filter(entity::Column::Id.lt(before));
    }
    let rows = query
        .order_by_desc(entity::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(AuditRecord::from).collect())
}

impl From<entity::Model> for AuditRecord {
    fn from(m: entity::Model) -> AuditRecord {
        AuditRecord {
            id: m.id,
            created_at: m.created_at,
            event: AuditEvent {
                actor_user_id: m.actor_user_id,
                action: m.action,
                target: m.target,
                ip: m.ip,
                user_agent: m.user_agent,
                request_id: m.request_id,
                details: m.details,
            },
        }
    }
}

/// The SeaORM entity, private so that no other module can build an update or delete.
mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub created_at: DateTimeUtc,
        pub actor_user_id: Option<i64>,
        pub action: String,
        pub target: Option<String>,
        pub ip: Option<String>,
        pub user_agent: Option<String>,
        pub request_id: Option<String>,
        pub details: Json,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
