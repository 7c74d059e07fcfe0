//! `stockscanner email preview NAME`: renders one email template with sample data.
//! `stockscanner email monthly-report [--month YYYY-MM]`: starts a month's report
//! campaign by hand (the daily job does it on its own for last month).

use crate::service::{load_config, open_database, runtime};
use crate::Failure;
use clap::{Subcommand, ValueEnum};
use server::email::month::Month;
use server::email::report::{self, Started};
use server::email::{Email, NAMES};

#[derive(Subcommand)]
pub enum EmailCommand {
    /// Render an email template with sample data (nothing is stored or sent).
    Preview {
        /// The template's name; a wrong name lists them all.
        name: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Start the monthly report campaign for a finished month (default: last month).
    /// Running servers send it; a month's report is started once, however often asked.
    MonthlyReport {
        /// The month, `YYYY-MM` (UTC).
        #[arg(long)]
        month: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Html,
    Text,
}

pub fn run(command: EmailCommand) -> Result<(), Failure> {
    match command {
        EmailCommand::MonthlyReport { month } => monthly_report(month.as_deref()),
        EmailCommand::Preview { name, format } => {
            let Some(email) = Email::sample(&name) else {
                return Err(Failure::usage(format!(
                    "no email template named `{name}`; the templates are: {}",
                    NAMES.join(", ")
                )));
            };
            let config = load_config(None)?;
            let unsubscribe = email
                .kind()
                .is_bulk()
                .then(|| format!("{}/email/unsubscribe?token=sample", config.app_url));
            let rendered = email
                .render(&config.from_name, &config.app_url, unsubscribe)
                .map_err(|e| Failure::runtime(e.to_string()))?;
            match format {
                Format::Html => print!("{}", rendered.html),
                Format::Text => {
                    println!("Subject: {}\n", rendered.subject);
                    print!("{}", rendered.text);
                }
            }
            Ok(())
        }
    }
}

fn monthly_report(month: Option<&str>) -> Result<(), Failure> {
    let month = month
        .map(Month::parse)
        .transpose()
        .map_err(|e| Failure::usage(format!("--month: {e}")))?;
    let config = load_config(None)?;
    let (month, started) = runtime()?.block_on(async {
        let db = open_database(&config).await?;
        report::start_by_hand(&db, month)
            .await
            .map_err(|e| Failure::runtime(e.to_string()))
    })?;
    match started {
        Started::New(id) => println!(
            "started the {month} report (campaign {id}); running servers send it in batches"
        ),
        Started::Existing(id) => {
            println!("the {month} report was already started (campaign {id}); nothing to do")
        }
    }
    Ok(())
}
