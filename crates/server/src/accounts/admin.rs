//! What administrators do to accounts: change a role, suspend or reinstate. Suspending
//! ends every session at once; both are audited with the admin as the actor.

use super::entities::user;
use super::{
    lock_user, record, sessions, user_target, AccountError, AccountResult, Accounts, Context,
};
use crate::db::begin_write;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};

pub const ROLES: [&str; 2] = ["user", "admin"];
pub const STATUSES: [&str; 2] = ["active", "suspended"];

impl Accounts {
    pub async fn set_role_and_status(
        &self,
        db: &DatabaseConnection,
        admin: i64,
        user_id: i64,
        role: Option<&str>,
        status: Option<&str>,
        ctx: &Context,
    ) -> AccountResult<user::Model> {
        if let Some(role) = role.filter(|r| !ROLES.contains(r)) {
            return Err(AccountError::invalid(
                "role",
                format!("`{role}` is not one of {}", ROLES.join(", ")),
            ));
        }
        if let Some(status) = status.filter(|s| !STATUSES.contains(s)) {
            return Err(AccountError::invalid(
                "status",
                format!("`{status}` is not one of {}", STATUSES.join(", ")),
            ));
        }
        if user_id == admin && (role == Some("user") || status == Some("suspended")) {
            return Err(AccountError::invalid(
                "user",
                "you cannot demote or suspend yourself; ask another admin",
            ));
        }
        let txn = begin_write(db).await?;
        let user = lock_user(&txn, user_id)
            .await?
            .ok_or_else(|| AccountError::NotFound(format!("no user {user_id}")))?;
        let before = (user.role.clone(), user.status.clone());
        let mut active: user::ActiveModel = user.into();
        if let Some(role) = role {
            active.role = Set(role.to_string());
        }
        if let Some(status) = status {
            active.status = Set(status.to_string());
        }
        active.updated_at = Set(Utc::now());
        let user = active.update(&txn).await?;
        if before.0 != user.role {
            let mut event = ctx.event("user.role_changed", Some(admin), user_target(user.id));
            event.details = serde_json::json!({"from": before.0, "to": user.role});
            record(&txn, event).await?;
        }
        if before.1 != user.status {
            let mut event = ctx.event("user.status_changed", Some(admin), user_target(user.id));
            event.details = serde_json::json!({"from": before.1, "to": user.status});
            record(&txn, event).await?;
            if user.status == "suspended" {
                sessions::revoke_all(&txn, user.id, "account suspended", None).await?;
            }
        }
        txn.commit().await?;
        Ok(user)
    }
}

/// Sets a role from the operator's console (`stockscanner admin role`), the way the
/// first admin is made; audited with no actor and `via: console`.
pub async fn set_role_from_console(
    db: &DatabaseConnection,
    email: &str,
    role: &str,
) -> AccountResult<()> {
    if !ROLES.contains(&role) {
        return Err(AccountError::invalid(
            "role",
            format!("`{role}` is not one of {}", ROLES.join(", ")),
        ));
    }
    let email = email.trim().to_lowercase();
    let user = super::find_by_email(db, &email)
        .await?
        .ok_or_else(|| AccountError::NotFound(format!("no account has the email {email}")))?;
    let txn = begin_write(db).await?;
    let before = user.role.clone();
    let mut active: user::ActiveModel = user.into();
    active.role = Set(role.to_string());
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    let mut event = crate::db::audit::AuditEvent::new("user.role_changed");
    event.target = user_target(user.id);
    event.details = serde_json::json!({"from": before, "to": role, "via": "console"});
    record(&txn, event).await?;
    txn.commit().await?;
    Ok(())
}
