//! The audit log, append-only in the database itself: triggers refuse UPDATE and DELETE
//! (and TRUNCATE on PostgreSQL), so not even a bug or a stray admin query can rewrite
//! history. The application side offers only an append function (`db::audit`).

use super::super::table::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub async fn create(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // The actor reference takes no ON DELETE action: an action would UPDATE audit rows,
    // which the triggers forbid. Users are anonymised, not deleted.
    TableSpec::new("audit_log")
        .col(ts("created_at"))
        .fk("actor_user_id", "users", true, ForeignKeyAction::NoAction)
        .col(text("action"))
        .col(text_null("target"))
        .col(text_null("ip"))
        .col(text_null("user_agent"))
        .col(text_null("request_id"))
        .col(json("details"))
        .index(&["actor_user_id", "created_at"])
        .index(&["action", "created_at"])
        .index(&["target"])
        .index(&["created_at"])
        .create(manager)
        .await?;

    let db = manager.get_connection();
    let statements: &[&str] = match manager.get_database_backend() {
        DbBackend::Postgres => &[
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
                     USING ERRCODE = 'insufficient_privilege';
             END;
             $$",
            "CREATE TRIGGER audit_log_no_update_or_delete
             BEFORE UPDATE OR DELETE ON audit_log
             FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
            "CREATE TRIGGER audit_log_no_truncate
             BEFORE TRUNCATE ON audit_log
             FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
        ],
        _ => &[
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END",
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END",
        ],
    };
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}
