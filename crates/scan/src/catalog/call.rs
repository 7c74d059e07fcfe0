//! The call syntax of an indicator spec: `rsi(14)`, `sma(volume, 20)`,
//! `bbands(20, dev: 2.5)`, `obv`.
//!
//! This reads only the shape of a call (a name, then positional and named arguments that
//! are numbers or names); what the arguments mean is checked by the catalogue. Every piece
//! keeps its byte span so errors can point at it.

use super::SpecError;
use std::ops::Range;

/// A call as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub name_span: Range<usize>,
    pub args: Vec<Arg>,
    /// The whole argument list, parentheses included (empty range without them).
    pub args_span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// `Some` for `name: value`.
    pub name: Option<(String, Range<usize>)>,
    pub value: ArgValue,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue {
    Number(f64),
    Name(String),
}

/// Parses `name` or `name(arg, …)`.
pub fn parse_call(text: &str) -> Result<Call, SpecError> {
    let mut lexer = Lexer { text, at: 0 };
    let (name, name_span) = match lexer.next()? {
        Some((Token::Name(name), span)) => (name, span),
        Some((token, span)) => {
            return Err(SpecError::new(
                text,
                span,
                format!("expected an indicator name, found {}", token.describe()),
            ))
        }
        None => {
            return Err(SpecError::new(
                text,
                0..0,
                "expected an indicator name, found nothing",
            ))
        }
    };
    let mut call = Call {
        name,
        name_span,
        args: Vec::new(),
        args_span: text.len()..text.len(),
    };
    match lexer.next()? {
        None => return Ok(call),
        Some((Token::Open, span)) => call.args_span.start = span.start,
        Some((token, span)) => {
            return Err(SpecError::new(
                text,
                span,
                format!("expected `(` or the end, found {}", token.describe()),
            ))
        }
    }
    loop {
        let Some((token, span)) = lexer.next()? else {
            return Err(SpecError::new(text, text.len()..text.len(), "missing `)`"));
        };
        if token == Token::Close && call.args.is_empty() {
            call.args_span.end = span.end;
            break;
        }
        let arg = parse_arg(&mut lexer, token, span)?;
        call.args.push(arg);
        match lexer.next()? {
            Some((Token::Comma, _)) => continue,
            Some((Token::Close, span)) => {
                call.args_span.end = span.end;
                break;
            }
            Some((token, span)) => {
                return Err(SpecError::new(
                    text,
                    span,
                    format!("expected `,` or `)`, found {}", token.describe()),
                ))
            }
            None => return Err(SpecError::new(text, text.len()..text.len(), "missing `)`")),
        }
    }
    if let Some((token, span)) = lexer.next()? {
        return Err(SpecError::new(
            text,
            span,
            format!("unexpected {} after the call", token.describe()),
        ));
    }
    Ok(call)
}

fn parse_arg(lexer: &mut Lexer, first: Token, span: Range<usize>) -> Result<Arg, SpecError> {
    let text = lexer.text;
    let value_of = |token: Token, span: Range<usize>| match token {
        Token::Number(n) => Ok(ArgValue::Number(n)),
        Token::Name(n) => Ok(ArgValue::Name(n)),
        other => Err(SpecError::new(
            text,
            span,
            format!("expected a number or a name, found {}", other.describe()),
        )),
    };
    if let Token::Name(name) = &first {
        if lexer.peek_colon() {
            lexer.next()?;
            let Some((token, value_span)) = lexer.next()? else {
                return Err(SpecError::new(
                    text,
                    text.len()..text.len(),
                    format!("expected a value for `{name}`"),
                ));
            };
            return Ok(Arg {
                name: Some((name.clone(), span.clone())),
                value: value_of(token, value_span.clone())?,
                span: span.start..value_span.end,
            });
        }
    }
    Ok(Arg {
        name: None,
        value: value_of(first, span.clone())?,
        span,
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Number(f64),
    Open,
    Close,
    Comma,
    Colon,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Name(n) => format!("`{n}`"),
            Token::Number(n) => format!("the number {n}"),
            Token::Open => "`(`".into(),
            Token::Close => "`)`".into(),
            Token::Comma => "`,`".into(),
            Token::Colon => "`:`".into(),
        }
    }
}

struct Lexer<'a> {
    text: &'a str,
    at: usize,
}

impl Lexer<'_> {
    fn skip_space(&mut self) {
        let rest = &self.text[self.at..];
        self.at += rest.len() - rest.trim_start().len();
    }

    fn peek_colon(&mut self) -> bool {
        self.skip_space();
        self.text[self.at..].starts_with(':')
    }

    fn next(&mut self) -> Result<Option<(Token, Range<usize>)>, SpecError> {
        self.skip_space();
        let start = self.at;
        let Some(c) = self.text[start..].chars().next() else {
            return Ok(None);
        };
        let single = match c {
            '(' => Some(Token::Open),
            ')' => Some(Token::Close),
            ',' => Some(Token::Comma),
            ':' => Some(Token::Colon),
            _ => None,
        };
        if let Some(token) = single {
            self.at += 1;
            return Ok(Some((token, start..self.at)));
        }
        let rest = &self.text[start..];
        let starts_number = c.is_ascii_digit()
            || ((c == '.' || c == '-')
                && rest[1..].starts_with(|d: char| d.is_ascii_digit() || d == '.'));
        let len = if starts_number {
            number_length(rest)
        } else {
            word_length(rest)
        };
        if len == 0 {
            return Err(SpecError::new(
                self.text,
                start..start + c.len_utf8(),
                format!("unexpected character `{c}`"),
            ));
        }
        let end = start + len;
        self.at = end;
        let word = &self.text[start..end];
        let token = if starts_number {
            let number = word.parse::<f64>().ok().filter(|n| n.is_finite());
            Token::Number(number.ok_or_else(|| {
                SpecError::new(self.text, start..end, format!("`{word}` is not a number"))
            })?)
        } else {
            Token::Name(word.to_ascii_lowercase())
        };
        Ok(Some((token, start..end)))
    }
}

/// Length of a number: sign, digits, point, exponent with its sign; trailing letters
/// are included so that `14x` is reported as one bad number, not two tokens.
fn number_length(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut i = usize::from(bytes[0] == b'-');
    while i < bytes.len() {
        let b = bytes[i];
        let exponent_sign = (b == b'-' || b == b'+') && matches!(bytes[i - 1], b'e' | b'E');
        if !(b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || exponent_sign) {
            break;
        }
        i += 1;
    }
    i
}

fn word_length(text: &str) -> usize {
    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_positional_and_named_arguments() {
        let call = parse_call("bbands(volume, 20, dev: 2.5)").unwrap();
        assert_eq!(call.name, "bbands");
        assert_eq!(call.args.len(), 3);
        assert_eq!(call.args[0].value, ArgValue::Name("volume".into()));
        assert_eq!(call.args[1].value, ArgValue::Number(20.0));
        assert_eq!(call.args[2].name.as_ref().unwrap().0, "dev");
        assert_eq!(call.args[2].value, ArgValue::Number(2.5));
    }

    #[test]
    fn reads_signed_numbers_and_exponents() {
        let call = parse_call("bbands(5, -1.5, 3e37, up: 1e-3)").unwrap();
        let numbers: Vec<_> = call.args.iter().map(|a| a.value.clone()).collect();
        let expected = [5.0, -1.5, 3e37, 1e-3].map(ArgValue::Number);
        assert_eq!(numbers, expected);
        assert_eq!(
            parse_call("rsi(14x)").unwrap_err().message,
            "`14x` is not a number"
        );
    }

    #[test]
    fn bare_names_and_empty_calls() {
        assert!(parse_call("obv").unwrap().args.is_empty());
        assert!(parse_call(" MACD ( ) ").unwrap().args.is_empty());
        assert_eq!(parse_call(" MACD ( ) ").unwrap().name, "macd");
    }

    #[test]
    fn errors_point_at_the_problem() {
        let cases = [
            ("", "expected an indicator name, found nothing"),
            ("rsi(14", "missing `)`"),
            ("rsi(14,)", "expected a number or a name, found `)`"),
            ("rsi(14) x", "unexpected `x` after the call"),
            ("rsi(1.2.3)", "`1.2.3` is not a number"),
            ("rsi(14 15)", "expected `,` or `)`, found the number 15"),
            ("rsi[14]", "unexpected character `[`"),
            ("(14)", "expected an indicator name, found `(`"),
        ];
        for (text, message) in cases {
            let err = parse_call(text).unwrap_err();
            assert_eq!(err.message, message, "{text}");
        }
        let err = parse_call("rsi(14 15)").unwrap_err();
        assert_eq!(err.span, 7..9);
    }
}
