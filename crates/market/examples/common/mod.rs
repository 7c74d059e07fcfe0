//! What the market examples share.

/// Reads every value of a column with eight independent sums, so that the additions
/// never hold the loads up (the column's time is its memory's, not the adder's).
pub fn sum(column: &[f64]) -> f64 {
    let mut sums = [0.0f64; 8];
    let chunks = column.chunks_exact(8);
    let rest: f64 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (sum, value) in sums.iter_mut().zip(chunk) {
            *sum += value;
        }
    }
    sums.iter().sum::<f64>() + rest
}
