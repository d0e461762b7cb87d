//! Average deal size: mean and median value of the deals won in the window.

use rust_decimal::Decimal;
use serde::Serialize;

use super::stats::{mean, percentile};
use super::{Facts, Figure};

/// Mean and median value of the deals won in the window.
#[derive(Debug, Clone, Serialize)]
pub struct DealSize {
    pub mean: Figure,
    pub median: Figure,
}

/// Mean and median value of the deals won in the window.
pub(super) fn deal_size(won: &[&Facts<'_>]) -> DealSize {
    let values: Vec<Decimal> = won.iter().filter_map(|f| f.closed_value()).collect();
    DealSize {
        mean: Figure::money(mean(&values), values.len()),
        median: Figure::money(percentile(&values, Decimal::new(5, 1)), values.len()),
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::testing::*;

    #[test]
    fn deal_size_uses_the_value_at_close_of_deals_won_in_the_window() {
        let size = october_report().deal_size;
        // w1 1000, w2 2000 (at close; 3000 now), w3 6000; w0 won in September.
        assert_eq!(
            size.mean,
            Figure {
                value: some("3000"),
                deals: 3
            }
        );
        assert_eq!(
            size.median,
            Figure {
                value: some("2000"),
                deals: 3
            }
        );
    }
}
