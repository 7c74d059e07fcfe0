//! `serve` and `config check`: the commands that run or inspect the web service.

use crate::Failure;
use clap::{Args, Subcommand};
use server::config::{Config, Vars};
use std::net::SocketAddr;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (overrides BIND; default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<SocketAddr>,
}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Check the configuration and print it, secrets masked.
    Check,
}

/// The configuration from the environment and `.env`, or the error naming the variable.
pub fn load_config(bind: Option<SocketAddr>) -> Result<Config, Failure> {
    let vars = Vars::from_process().map_err(|e| Failure::usage(e.to_string()))?;
    Config::load(&vars, bind).map_err(|e| Failure::usage(e.to_string()))
}

pub fn serve(args: ServeArgs) -> Result<(), Failure> {
    let config = load_config(args.bind)?;
    let _telemetry = server::telemetry::init(&config);
    runtime()?
        .block_on(server::serve::run(config))
        .map_err(|e| Failure::runtime(e.to_string()))
}

pub fn config(command: ConfigCommand) -> Result<(), Failure> {
    match command {
        ConfigCommand::Check => {
            let config = load_config(None)?;
            print!("{}", config.describe());
            Ok(())
        }
    }
}

pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))
}

/// The service's database with its schema up to date, for commands that write to it.
pub async fn open_database(config: &Config) -> Result<server::db::DatabaseConnection, Failure> {
    let db = server::db::connect(config)
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
    server::db::migrate(&db)
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
    Ok(db)
}
