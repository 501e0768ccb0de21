//! The fee policy: what the marketplace charges on top of rewards and bonuses.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Defaults are MTurk's: 20% of the reward, minimum 0.01 per assignment or bonus, plus another
/// 20% for HITs with 10 or more assignments. Rates are in basis points (1/100 of a percent).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct FeePolicy {
    pub commission_basis_points: i64,
    pub large_batch_threshold: i64,
    pub large_batch_extra_basis_points: i64,
    pub bonus_commission_basis_points: i64,
    pub minimum_fee_cents: i64,
}

impl Default for FeePolicy {
    fn default() -> Self {
        FeePolicy {
            commission_basis_points: 2000,
            large_batch_threshold: 10,
            large_batch_extra_basis_points: 2000,
            bonus_commission_basis_points: 2000,
            minimum_fee_cents: 1,
        }
    }
}

/// `amount × bp / 10000`, rounded half up to the cent.
fn percent_half_up(amount: Money, bp: i64) -> Money {
    Money((amount.0 * bp + 5000).div_euclid(10000))
}

impl FeePolicy {
    /// The fee for one assignment of a HIT with `max_assignments` assignments.
    pub fn assignment_fee(&self, reward: Money, max_assignments: i64) -> Money {
        let mut bp = self.commission_basis_points;
        if max_assignments >= self.large_batch_threshold {
            bp += self.large_batch_extra_basis_points;
        }
        percent_half_up(reward, bp).max(Money(self.minimum_fee_cents))
    }

    pub fn bonus_fee(&self, bonus: Money) -> Money {
        percent_half_up(bonus, self.bonus_commission_basis_points).max(Money(self.minimum_fee_cents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mturk_default_fees() {
        let p = FeePolicy::default();
        assert_eq!(p.assignment_fee(Money(100), 1), Money(20));
        assert_eq!(p.assignment_fee(Money(100), 10), Money(40));
        assert_eq!(p.assignment_fee(Money(1), 1), Money(1)); // minimum
        assert_eq!(p.assignment_fee(Money(0), 1), Money(1));
        assert_eq!(p.assignment_fee(Money(3), 1), Money(1)); // 0.6 cents rounds half up to 1
        assert_eq!(p.assignment_fee(Money(13), 9), Money(3)); // 2.6 -> 3
        assert_eq!(p.assignment_fee(Money(12), 9), Money(2)); // 2.4 -> 2
        assert_eq!(p.assignment_fee(Money(125), 10), Money(50)); // 50.0
        assert_eq!(p.assignment_fee(Money(126), 10), Money(50)); // 50.4 -> 50
        assert_eq!(p.assignment_fee(Money(129), 10), Money(52)); // 51.6 -> 52
        assert_eq!(p.assignment_fee(Money(25), 1), Money(5));
        assert_eq!(p.assignment_fee(Money(37), 1), Money(7)); // 7.4 -> 7
        assert_eq!(p.assignment_fee(Money(38), 1), Money(8)); // 7.6 -> 8
        assert_eq!(p.assignment_fee(Money(1238), 1), Money(248)); // 247.6 -> 248
        assert_eq!(p.bonus_fee(Money(250)), Money(50));
        assert_eq!(p.bonus_fee(Money(2)), Money(1));
    }

    #[test]
    fn half_up_at_exact_half() {
        let p = FeePolicy { commission_basis_points: 5000, ..FeePolicy::default() };
        assert_eq!(p.assignment_fee(Money(5), 1), Money(3)); // 2.5 -> 3
    }
}
