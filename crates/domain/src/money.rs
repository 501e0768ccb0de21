//! Money is an integer count of cents (US dollars' minor unit). Never a float.

use crate::error::DomainError;
use std::fmt;

/// Serialized as the integer count of cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Parses MTurk's CurrencyAmount (`^[0-9]+(\.)?[0-9]{0,2}$`), naming `param` in the error.
    pub fn parse_amount(param: &str, s: &str) -> Result<Money, DomainError> {
        let bad = || {
            DomainError::invalid(format!(
                "Value '{s}' at '{param}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9]+(\\.)?[0-9]{{0,2}}$"
            ))
        };
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s, ""),
        };
        if whole.is_empty()
            || whole.len() > 12
            || frac.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let frac_cents: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse().map_err(|_| bad())?,
        };
        Ok(Money(whole * 100 + frac_cents))
    }

    pub fn checked_add(self, o: Money) -> Option<Money> {
        self.0.checked_add(o.0).map(Money)
    }
    pub fn checked_mul(self, n: i64) -> Option<Money> {
        self.0.checked_mul(n).map(Money)
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0 + o.0)
    }
}
impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0 - o.0)
    }
}
impl std::ops::Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

/// Formats as MTurk does: "0.50", "10000.00".
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_currency_amounts() {
        for (s, c) in [("0.50", 50), ("1", 100), ("1.", 100), ("1.5", 150), ("12.34", 1234), ("0", 0)] {
            assert_eq!(Money::parse_amount("Reward", s).unwrap(), Money(c), "{s}");
        }
        for s in ["", ".5", "1.234", "-1", "1,00", "abc", "1e3", " 1"] {
            let e = Money::parse_amount("Reward", s).unwrap_err();
            assert!(e.message.contains("Reward") && e.message.contains(s), "{e}");
        }
    }

    #[test]
    fn formats_two_decimals() {
        assert_eq!(Money(50).to_string(), "0.50");
        assert_eq!(Money(1_000_000).to_string(), "10000.00");
        assert_eq!(Money(-5).to_string(), "-0.05");
    }
}
