//! `stockscanner admin`: operator switches that act on every running instance through
//! the database.

use crate::service::{load_config, open_database, runtime};
use crate::Failure;
use clap::{Args, Subcommand, ValueEnum};
use server::maintenance::{self, Setting, REFRESH};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Turn maintenance mode on or off: visitors get a 503 page, the API 503 with
    /// Retry-After; health checks, metrics and payment webhooks keep working.
    Maintenance(MaintenanceArgs),
    /// Give an account the admin role, or take it away (how the first admin is made).
    Role(RoleArgs),
}

#[derive(Args)]
pub struct RoleArgs {
    /// The account's email.
    pub email: String,
    pub role: Role,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Role {
    Admin,
    User,
}

#[derive(Args)]
pub struct MaintenanceArgs {
    pub state: OnOff,
    /// What visitors are told (default: a generic "back shortly").
    #[arg(long)]
    pub message: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

pub fn run(command: AdminCommand) -> Result<(), Failure> {
    match command {
        AdminCommand::Maintenance(args) => maintenance(args),
        AdminCommand::Role(args) => role(args),
    }
}

fn role(args: RoleArgs) -> Result<(), Failure> {
    let config = load_config(None)?;
    let role = match args.role {
        Role::Admin => "admin",
        Role::User => "user",
    };
    runtime()?.block_on(async {
        let db = open_database(&config).await?;
        server::accounts::admin::set_role_from_console(&db, &args.email, role)
            .await
            .map_err(|e| Failure::runtime(e.to_string()))
    })?;
    println!(
        "{} now has the {role} role",
        args.email.trim().to_lowercase()
    );
    Ok(())
}

fn maintenance(args: MaintenanceArgs) -> Result<(), Failure> {
    let config = load_config(None)?;
    let setting = Setting {
        on: matches!(args.state, OnOff::On),
        message: args.message,
    };
    runtime()?.block_on(async {
        let db = open_database(&config).await?;
        maintenance::write(&db, &setting)
            .await
            .map_err(|e| Failure::runtime(e.to_string()))
    })?;
    println!(
        "maintenance mode is {}; running instances follow within {} s",
        if setting.on { "on" } else { "off" },
        REFRESH.as_secs()
    );
    Ok(())
}
