//! Kubernetes resource quantities (`512Mi`, `250m`, `5123456n`, `1.5Gi`, `1e9`) as numbers, for
//! the code that does arithmetic on requests, limits and usage.

/// The value of a quantity in base units (bytes, cores); None unless it is a non-negative
/// quantity.
pub fn parse(q: &str) -> Option<f64> {
    let q = q.trim();
    // An `e` followed by digits is an exponent (`1e9`); any other letter starts the suffix.
    let split = q
        .char_indices()
        .find(|&(i, c)| c.is_ascii_alphabetic() && !(c == 'e' && q[i + 1..].starts_with(|d: char| d.is_ascii_digit())))
        .map_or(q.len(), |(i, _)| i);
    let (number, suffix) = q.split_at(split);
    let factor: f64 = match suffix {
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    let n: f64 = number.parse().ok().filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    Some(n * factor)
}

/// A quantity in whole bytes, rounded up.
pub fn bytes(q: &str) -> Option<u128> {
    parse(q).map(|v| v.ceil() as u128)
}

/// A CPU quantity in millicores.
pub fn millicores(q: &str) -> Option<f64> {
    parse(q).map(|v| v * 1000.0)
}

/// A CPU quantity in whole millicores, rounded up, for integer sums.
pub fn whole_millicores(q: &str) -> Option<i64> {
    millicores(q).map(|m| m.ceil() as i64)
}

/// A quantity in whole bytes, for integer sums (saturating).
pub fn whole_bytes(q: &str) -> Option<i64> {
    bytes(q).map(|b| i64::try_from(b).unwrap_or(i64::MAX))
}

/// Millicores as a quantity: whole cores when they are (`4`), else millicores (`1500m`).
pub fn of_millicores(m: u128) -> String {
    match m.is_multiple_of(1000) {
        true => (m / 1000).to_string(),
        false => format!("{m}m"),
    }
}

/// Bytes as a quantity in the largest binary unit that holds them whole (`8Gi`, `1536Mi`, `12`).
pub fn of_bytes(b: u128) -> String {
    for (suffix, power) in [("Ti", 4), ("Gi", 3), ("Mi", 2), ("Ki", 1)] {
        let unit = 1024u128.pow(power);
        if b > 0 && b.is_multiple_of(unit) {
            return format!("{}{suffix}", b / unit);
        }
    }
    b.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_round_cpu_up_and_saturate_bytes() {
        assert_eq!(whole_millicores("1.5m"), Some(2));
        assert_eq!(whole_millicores("250m"), Some(250));
        assert_eq!(whole_bytes("1Ki"), Some(1024));
        assert_eq!(whole_bytes("16Ei"), Some(i64::MAX));
        assert_eq!(whole_millicores("lots"), None);
    }

    #[test]
    fn numbers_write_back_as_quantities_that_read_the_same() {
        assert_eq!(of_millicores(4000), "4");
        assert_eq!(of_millicores(1500), "1500m");
        assert_eq!(of_bytes(8 * 1024 * MI), "8Gi");
        assert_eq!(of_bytes(1536 * MI), "1536Mi");
        assert_eq!(of_bytes(12), "12");
        assert_eq!(of_bytes(0), "0");
        for m in [0, 1, 999, 1000, 2500] {
            assert_eq!(millicores(&of_millicores(m)), Some(m as f64));
        }
        for b in [0, 1, 1024, 3 * MI + 1, 5 * 1024 * MI] {
            assert_eq!(bytes(&of_bytes(b)), Some(b));
        }
    }

    const MI: u128 = 1024 * 1024;

    #[test]
    fn memory_reads_in_bytes() {
        assert_eq!(bytes("256Mi"), Some(256 * MI));
        assert_eq!(bytes("1Gi"), Some(1024 * MI));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("1e9"), Some(1_000_000_000));
        assert_eq!(bytes("1.5Gi"), Some(1536 * MI));
        assert_eq!(bytes("12"), Some(12));
        assert_eq!(bytes("lots"), None);
        assert_eq!(bytes("5Xi"), None);
        assert_eq!(bytes("-1Mi"), None);
    }

    #[test]
    fn cpu_reads_in_millicores() {
        assert_eq!(millicores("250m"), Some(250.0));
        assert_eq!(millicores("2"), Some(2000.0));
        assert_eq!(millicores("1.5"), Some(1500.0));
        let nano = millicores("5123456n").unwrap();
        assert!((nano - 5.123456).abs() < 1e-9, "{nano}");
        assert!((millicores("100u").unwrap() - 0.1).abs() < 1e-12);
        // `m` is milli, `M` is mega.
        assert_eq!(parse("1M"), Some(1e6));
        assert_eq!(parse("2E"), Some(2e18));
    }
}
