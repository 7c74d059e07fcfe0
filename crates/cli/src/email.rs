//! `stockscanner email preview NAME`: renders one email template with sample data.

use crate::service::load_config;
use crate::Failure;
use clap::{Subcommand, ValueEnum};
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
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Html,
    Text,
}

pub fn run(command: EmailCommand) -> Result<(), Failure> {
    match command {
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
