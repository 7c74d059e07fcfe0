//! No text, however mangled, makes the spec parser panic: it returns a spec or an error
//! whose span lies inside the text.

use proptest::prelude::*;
use scan::catalog::Indicator;

fn check(text: &str) -> Result<(), TestCaseError> {
    if let Err(error) = Indicator::parse(text) {
        prop_assert!(error.span.start <= error.span.end && error.span.end <= text.len());
        prop_assert!(text.is_char_boundary(error.span.start));
        prop_assert!(!error.render().is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    #[test]
    fn arbitrary_text(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn near_miss_specs(
        text in r"(sma|rsi|macd|bbands|stoch|obv|x)[ (]{0,2}[-0-9a-z.,:e )(]{0,24}"
    ) {
        check(&text)?;
    }
}
