//! Email: typed templates, an outbox written in the caller's transaction, delivery over
//! SMTP by a background job, sending limits, bulk campaigns and one-click unsubscribe.
//! See docs/email.md.

pub mod address;
pub mod templates;

pub use address::{AddressError, EmailAddress};
pub use templates::{Email, Kind, Rendered, NAMES};
