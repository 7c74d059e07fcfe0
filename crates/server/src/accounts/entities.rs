//! The SeaORM models of the account tables (see the `initial` and `accounts` migrations).

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub email: String,
        pub email_verified_at: Option<DateTimeUtc>,
        pub password_hash: Option<String>,
        pub display_name: Option<String>,
        pub role: String,
        pub status: String,
        pub totp_secret: Option<String>,
        pub totp_enabled_at: Option<DateTimeUtc>,
        pub recovery_codes: Option<Json>,
        pub failed_login_count: i32,
        pub locked_until: Option<DateTimeUtc>,
        pub last_login_at: Option<DateTimeUtc>,
        pub stripe_customer_id: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub deleted_at: Option<DateTimeUtc>,
        pub totp_last_step: Option<i64>,
        pub lockout_count: i32,
        pub password_changed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;

    /// One refresh token of a session; the session is the family of its rotations.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub family_id: String,
        pub generation: i32,
        pub refresh_token_hash: String,
        pub rotated_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub revoked_reason: Option<String>,
        pub ip: Option<String>,
        pub user_agent: Option<String>,
        /// When the family ends, however active (its absolute lifetime).
        pub expires_at: DateTimeUtc,
        pub last_used_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub kind: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod user_token {
    use sea_orm::entity::prelude::*;

    /// A single-use token: email verification, password reset, email change, or a
    /// two-factor sign-in challenge.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "user_tokens")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub purpose: String,
        pub token_hash: String,
        pub data: Option<Json>,
        pub expires_at: DateTimeUtc,
        pub used_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_keys")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub name: String,
        pub prefix: String,
        pub key_hash: String,
        pub scopes: Json,
        pub last_used_at: Option<DateTimeUtc>,
        pub expires_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub last_used_ip: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod known_device {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "known_devices")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub token_hash: String,
        pub user_agent: Option<String>,
        pub last_ip: Option<String>,
        pub failed_login_count: i32,
        pub locked_until: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub last_seen_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod ip_block {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ip_blocks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub network: String,
        pub reason: String,
        pub source: String,
        pub created_by: Option<i64>,
        pub expires_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
