//! The migrations, from an empty database, on SQLite (a temporary file) and on the live
//! PostgreSQL named by `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! and the pool's behaviour around them: connection settings, a busy pool, concurrent
//! writers on SQLite.
//! Each PostgreSQL test creates its own `ss_test_<random>` database and drops it after.
//! An unreachable PostgreSQL fails these tests; they never skip.

mod support;

use chrono::Utc;
use sea_orm::sea_query::{Query, Value};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait};
use sea_orm_migration::MigratorTrait;
use server::db::{self, audit, audit::AuditEvent, Migrator};
use std::time::{Duration, Instant};
use support::db::{config, temp_dir, with_fresh_postgres};

/// The product's tables, as the requirement lists them (plus `user_tokens`).
const TABLES: &[&str] = &[
    "users",
    "user_tokens",
    "memberships",
    "payments",
    "invoices",
    "sessions",
    "api_keys",
    "audit_log",
    "email_outbox",
    "email_campaigns",
    "email_unsubscribes",
    "jobs",
    "webhook_events",
    "symbols",
    "bars",
    "scans",
    "scan_runs",
    "alerts",
    "alert_events",
    "watchlists",
    "watchlist_items",
    "settings",
];

// ---------------------------------------------------------------------------------------
// SQLite

#[tokio::test]
async fn sqlite_schema_from_an_empty_file() {
    let dir = temp_dir("sqlite");
    // The parent directory does not exist yet: connecting must create it.
    let path = dir.join("nested").join("stockscanner.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = db::connect(&config(&url, &dir, &[])).await.unwrap();
    assert!(path.exists(), "{} was not created", path.display());
    check_schema(&db).await;
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sqlite_settings_hold_on_every_pooled_connection() {
    let dir = temp_dir("pragmas");
    let url = format!("sqlite://{}", dir.join("p.db").display());
    let db = db::connect(&config(&url, &dir, &[("DATABASE_MAX_CONNECTIONS", "4")]))
        .await
        .unwrap();
    // Four open transactions hold four distinct connections.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(db.begin().await.unwrap());
    }
    for txn in &held {
        assert_eq!(pragma(txn, "foreign_keys").await, "1");
        assert_eq!(pragma(txn, "journal_mode").await, "wal");
        assert_eq!(pragma(txn, "busy_timeout").await, "5000");
    }
    drop(held);
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A SQLite database in a new directory, two pooled connections, one table `counter`
/// holding one row `n = 0`.
async fn sqlite_with_counter(name: &str) -> (DatabaseConnection, std::path::PathBuf) {
    let dir = temp_dir(name);
    let url = format!("sqlite://{}", dir.join("c.db").display());
    let db = db::connect(&config(&url, &dir, &[("DATABASE_MAX_CONNECTIONS", "2")]))
        .await
        .unwrap();
    db.execute_unprepared(
        "CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0)",
    )
    .await
    .unwrap();
    (db, dir)
}

async fn counter<C: ConnectionTrait>(db: &C) -> i64 {
    let sql = "SELECT n FROM counter";
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

#[tokio::test]
async fn sqlite_write_transactions_wait_for_a_writer_that_commits_after_their_read() {
    let (db, dir) = sqlite_with_counter("writers").await;
    // A transaction reads, another connection writes meanwhile, then the first writes:
    // the interleaving of a sign-in with the mail outbox marking a message sent.
    let txn = db::begin_write(&db).await.unwrap();
    assert_eq!(counter(&txn).await, 0);
    let other = {
        let db = db.clone();
        tokio::spawn(async move { db.execute_unprepared("UPDATE counter SET n = n + 10").await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    txn.execute_unprepared("UPDATE counter SET n = n + 1")
        .await
        .expect("the transaction's write after its read");
    txn.commit().await.unwrap();
    other
        .await
        .unwrap()
        .expect("the other writer waits for the commit, then writes");
    assert_eq!(counter(&db).await, 11);
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_write_lock_held_past_the_busy_timeout_reads_as_unavailable() {
    let (db, dir) = sqlite_with_counter("locked").await;
    let holder = db::begin_write(&db).await.unwrap();
    // Waits out the five-second busy timeout, then gives up.
    let err = db
        .execute_unprepared("UPDATE counter SET n = 1")
        .await
        .unwrap_err();
    assert!(db::is_unavailable(&err), "{err:?}");
    holder.rollback().await.unwrap();
    // A query that is wrong is not "unavailable".
    let wrong = db
        .execute_unprepared("INSERT INTO nowhere VALUES (1)")
        .await
        .unwrap_err();
    assert!(!db::is_unavailable(&wrong), "{wrong:?}");
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_request_waiting_for_a_busy_pool_fails_fast_and_reads_as_unavailable() {
    let dir = temp_dir("busy");
    let url = format!("sqlite://{}", dir.join("b.db").display());
    let db = db::connect(&config(
        &url,
        &dir,
        &[
            ("DATABASE_MAX_CONNECTIONS", "1"),
            ("DATABASE_ACQUIRE_TIMEOUT_MS", "300"),
        ],
    ))
    .await
    .unwrap();
    let held = db.begin().await.unwrap();
    let started = Instant::now();
    let err = db::ping(&db).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_unavailable(), "{err}");
    held.rollback().await.unwrap();
    db::ping(&db).await.unwrap();
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

#[tokio::test]
async fn postgres_schema_from_an_empty_database() {
    with_fresh_postgres(|url| async move {
        let dir = temp_dir("pg");
        let db = db::connect(&config(&url, &dir, &[])).await.unwrap();
        check_schema(&db).await;
        db.close().await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

#[tokio::test]
async fn postgres_instances_starting_together_migrate_once() {
    with_fresh_postgres(|url| async move {
        let dir = temp_dir("pg-race");
        let cfg = config(&url, &dir, &[("DATABASE_MAX_CONNECTIONS", "1")]);
        let mut pools = Vec::new();
        for _ in 0..4 {
            pools.push(db::connect(&cfg).await.unwrap());
        }
        let runs: Vec<_> = pools
            .iter()
            .cloned()
            .map(|pool| tokio::spawn(async move { db::migrate(&pool).await }))
            .collect();
        for run in runs {
            run.await.unwrap().unwrap();
        }
        assert_eq!(
            applied_migrations(&pools[0]).await,
            Migrator::migrations().len() as i64
        );
        for pool in pools {
            pool.close().await.unwrap();
        }
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_postgres_fails_within_seconds_with_a_db_error() {
    let dir = temp_dir("unreachable");
    let cfg = config(
        "postgres://postgres:pw@127.0.0.1:1/nothing",
        &dir,
        &[
            ("DATABASE_ACQUIRE_TIMEOUT_MS", "1000"),
            ("DATABASE_CONNECT_TIMEOUT_MS", "2000"),
        ],
    );
    let started = Instant::now();
    let err = db::connect(&cfg).await.unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(err.is_unavailable(), "{err}");
    let message = err.to_string();
    assert!(message.contains("127.0.0.1:1"), "{message}");
    assert!(!message.contains("pw@"), "password shown: {message}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// The checks both backends go through.

async fn check_schema(db: &DatabaseConnection) {
    db::migrate(db).await.expect("migrating an empty database");
    let created = tables(db).await;
    db::migrate(db)
        .await
        .expect("migrating a current database is a no-op");
    assert_eq!(tables(db).await, created);
    assert_eq!(
        applied_migrations(db).await,
        Migrator::migrations().len() as i64
    );
    for table in TABLES {
        assert!(created.iter().any(|t| t == table), "table {table} missing");
    }
    if db.get_database_backend() == DbBackend::Postgres {
        check_postgres_column_types(db).await;
    }
    check_foreign_keys_are_indexed(db).await;
    check_audit_log_is_append_only(db).await;
    check_unique_constraints(db).await;
}

/// The documented conventions, as PostgreSQL sees them: identity `bigint` ids,
/// `timestamptz` instants, `jsonb` documents, `bigint` money and bar days.
async fn check_postgres_column_types(db: &DatabaseConnection) {
    let rows = query(
        db,
        "SELECT table_name::text AS tbl, column_name::text AS col, data_type::text AS ty,
                is_identity::text AS ident
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .await;
    let column = |table: &str, name: &str| -> (String, String) {
        rows.iter()
            .find(|r| {
                r.try_get::<String>("", "tbl").unwrap() == table
                    && r.try_get::<String>("", "col").unwrap() == name
            })
            .map(|r| {
                (
                    r.try_get("", "ty").unwrap(),
                    r.try_get("", "ident").unwrap(),
                )
            })
            .unwrap_or_else(|| panic!("{table}.{name} missing"))
    };
    for table in TABLES {
        assert_eq!(
            column(table, "id"),
            ("bigint".into(), "YES".into()),
            "{table}.id"
        );
    }
    for (table, name, ty) in [
        ("users", "created_at", "timestamp with time zone"),
        ("memberships", "trial_ends_at", "timestamp with time zone"),
        ("audit_log", "details", "jsonb"),
        ("jobs", "payload", "jsonb"),
        ("payments", "amount_minor", "bigint"),
        ("bars", "day", "bigint"),
        ("bars", "symbol_id", "bigint"),
        ("memberships", "cancel_at_period_end", "boolean"),
    ] {
        assert_eq!(column(table, name).0, ty, "{table}.{name}");
    }
}

async fn check_foreign_keys_are_indexed(db: &DatabaseConnection) {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT c.conrelid::regclass::text AS tbl, a.attname::text AS col,
                    CASE WHEN EXISTS (SELECT 1 FROM pg_index i
                                      WHERE i.indrelid = c.conrelid
                                        AND i.indkey[0] = c.conkey[1])
                         THEN 1 ELSE 0 END AS indexed
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"
        }
        _ => {
            "SELECT m.name AS tbl, f.\"from\" AS col,
                    CASE WHEN EXISTS (SELECT 1 FROM pragma_index_list(m.name) il
                                      JOIN pragma_index_info(il.name) ii
                                      WHERE ii.seqno = 0 AND ii.name = f.\"from\")
                         THEN 1 ELSE 0 END AS indexed
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
             WHERE m.type = 'table'"
        }
    };
    let rows = query(db, sql).await;
    let mut foreign_keys = Vec::new();
    for row in &rows {
        let table: String = row.try_get("", "tbl").unwrap();
        let column: String = row.try_get("", "col").unwrap();
        let indexed: i32 = row.try_get("", "indexed").unwrap();
        assert_eq!(
            indexed, 1,
            "{table}.{column} is a foreign key without an index"
        );
        foreign_keys.push(format!("{table}.{column}"));
    }
    for expected in [
        "bars.symbol_id",
        "watchlist_items.symbol_id",
        "audit_log.actor_user_id",
        "payments.invoice_id",
        "alert_events.scan_run_id",
    ] {
        assert!(
            foreign_keys.iter().any(|fk| fk == expected),
            "foreign key {expected} not found in {foreign_keys:?}"
        );
    }
}

async fn check_audit_log_is_append_only(db: &DatabaseConnection) {
    let user = insert(db, "users", &[("email", "auditor@example.com".into())])
        .await
        .unwrap();
    let event = AuditEvent {
        actor_user_id: Some(user),
        target: Some(format!("user:{user}")),
        ip: Some("203.0.113.7".into()),
        user_agent: Some("test".into()),
        details: serde_json::json!({"plan": "pro", "seats": 3}),
        ..AuditEvent::new("billing.plan_changed")
    };
    let id = audit::append(db, event.clone()).await.unwrap();
    let newest = audit::recent(db, None, 10).await.unwrap();
    assert_eq!(newest[0].id, id);
    assert_eq!(newest[0].event, event);
    assert!(audit::recent(db, Some(id), 10).await.unwrap().is_empty());

    for sql in [
        format!("UPDATE audit_log SET action = 'forged' WHERE id = {id}"),
        format!("DELETE FROM audit_log WHERE id = {id}"),
        "DELETE FROM audit_log".to_string(),
    ] {
        let err = db.execute_unprepared(&sql).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    if db.get_database_backend() == DbBackend::Postgres {
        let err = db
            .execute_unprepared("TRUNCATE audit_log")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }
    // The actor cannot be deleted from under the audit trail either.
    let deleted = db
        .execute_unprepared(&format!("DELETE FROM users WHERE id = {user}"))
        .await;
    assert!(deleted.is_err(), "deleting an audited user succeeded");
    assert_eq!(audit::recent(db, None, 10).await.unwrap()[0].event, event);
}

async fn check_unique_constraints(db: &DatabaseConnection) {
    insert(db, "users", &[("email", "ann@example.com".into())])
        .await
        .unwrap();
    let duplicate = insert(db, "users", &[("email", "ann@example.com".into())]).await;
    assert!(duplicate.is_err(), "duplicate email accepted");
    let mixed_case = insert(db, "users", &[("email", "Bob@Example.com".into())]).await;
    assert!(mixed_case.is_err(), "an unnormalised email was accepted");

    let symbol = insert(db, "symbols", &[("ticker", "AAPL".into())])
        .await
        .unwrap();
    let bar = |symbol_id: i64| -> Vec<(&'static str, Value)> {
        vec![
            ("symbol_id", symbol_id.into()),
            ("day", 18_000_i64.into()),
            ("open", 1.0.into()),
            ("high", 2.0.into()),
            ("low", 0.5.into()),
            ("close", 1.5.into()),
            ("volume", 1000.0.into()),
        ]
    };
    insert_raw(db, "bars", &bar(symbol)).await.unwrap();
    assert!(
        insert_raw(db, "bars", &bar(symbol)).await.is_err(),
        "duplicate bar accepted"
    );
    assert!(
        insert_raw(db, "bars", &bar(999_999)).await.is_err(),
        "a bar for a missing symbol was accepted (foreign keys off?)"
    );

    let event = || -> Vec<(&'static str, Value)> {
        vec![
            ("provider", "stripe".into()),
            ("event_id", "evt_1".into()),
            ("event_type", "invoice.paid".into()),
            ("payload", serde_json::json!({}).into()),
            ("received_at", Utc::now().into()),
        ]
    };
    insert_raw(db, "webhook_events", &event()).await.unwrap();
    assert!(
        insert_raw(db, "webhook_events", &event()).await.is_err(),
        "a webhook event was stored twice"
    );

    let user = insert(db, "users", &[("email", "keys@example.com".into())])
        .await
        .unwrap();
    let key = |hash: &str| -> Vec<(&'static str, Value)> {
        vec![
            ("user_id", user.into()),
            ("name", "ci".into()),
            ("prefix", "ss_abc123".into()),
            ("key_hash", hash.into()),
            ("scopes", serde_json::json!(["scan:run"]).into()),
            ("created_at", Utc::now().into()),
        ]
    };
    insert_raw(db, "api_keys", &key("h1")).await.unwrap();
    assert!(
        insert_raw(db, "api_keys", &key("h2")).await.is_err(),
        "a duplicate API key prefix was accepted"
    );
}

// ---------------------------------------------------------------------------------------
// Helpers

/// Inserts a row into a table with `created_at`/`updated_at`, filled in here.
async fn insert(
    db: &DatabaseConnection,
    table: &str,
    values: &[(&'static str, Value)],
) -> Result<i64, DbErr> {
    let mut values = values.to_vec();
    values.push(("created_at", Utc::now().into()));
    values.push(("updated_at", Utc::now().into()));
    insert_raw(db, table, &values).await
}

/// Inserts exactly the given columns and returns the new id.
async fn insert_raw(
    db: &DatabaseConnection,
    table: &str,
    values: &[(&'static str, Value)],
) -> Result<i64, DbErr> {
    let mut stmt = Query::insert();
    stmt.into_table(table.to_string())
        .columns(values.iter().map(|(c, _)| *c))
        .values_panic(values.iter().map(|(_, v)| v.clone().into()))
        .returning_col("id");
    let row = db
        .query_one(&stmt)
        .await?
        .expect("INSERT … RETURNING gave no row");
    row.try_get("", "id")
}

async fn query(db: &DatabaseConnection, sql: &str) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT tablename::text AS name FROM pg_tables
             WHERE schemaname = 'public' ORDER BY tablename"
        }
        _ => {
            "SELECT name FROM sqlite_master
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
    };
    query(db, sql)
        .await
        .iter()
        .map(|row| row.try_get("", "name").unwrap())
        .collect()
}

async fn applied_migrations(db: &DatabaseConnection) -> i64 {
    let rows = query(db, "SELECT COUNT(*) AS n FROM seaql_migrations").await;
    rows[0].try_get("", "n").unwrap()
}

async fn pragma<C: ConnectionTrait>(conn: &C, name: &str) -> String {
    let row = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("PRAGMA {name}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0)
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
        .unwrap()
}
