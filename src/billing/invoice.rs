//! Rates and invoices (pure): a tenant's prices (the default rate card with the tenant's
//! overrides), an invoice's lines — per project and resource, the month's quantity times its
//! price, rounded to the cent once per line, halves away from zero — their subtotal, the credit
//! notes against it, and the CSV.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Decimal places of money.
pub const MONEY_PLACES: u32 = 2;
/// Decimal places of a price.
pub const PRICE_PLACES: u32 = 6;

/// The price of one unit of a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rate {
    /// `cpu`, `memory`, or an ingested resource.
    pub resource: String,
    /// The unit usage of the resource is counted in (`core-hours`, `GiB-hours`, …): usage in
    /// another unit is not priced by this rate.
    pub unit: String,
    /// A decimal string of at least 0 with at most 6 places, in the card's currency.
    pub price: String,
}

/// A price checked: a decimal of at least 0 with at most [`PRICE_PLACES`] places.
pub fn price(text: &str) -> Result<Decimal, String> {
    let d = Decimal::from_str_exact(text.trim()).map_err(|_| format!("{text:?} is not a decimal"))?;
    if d.is_sign_negative() {
        return Err(format!("{text:?} is below 0"));
    }
    if d.scale() > PRICE_PLACES {
        return Err(format!("{text:?} has more than {PRICE_PLACES} decimal places"));
    }
    Ok(d)
}

/// A money amount checked: above 0, at most [`MONEY_PLACES`] places.
pub fn money(text: &str) -> Result<Decimal, String> {
    let d = Decimal::from_str_exact(text.trim()).map_err(|_| format!("{text:?} is not a decimal"))?;
    if d <= Decimal::ZERO {
        return Err(format!("{text:?} is not above 0"));
    }
    if d.scale() > MONEY_PLACES {
        return Err(format!("{text:?} has more than {MONEY_PLACES} decimal places"));
    }
    Ok(d)
}

/// Why a list of rates is refused: the first bad rate's field and why.
pub fn check_rates(rates: &[Rate]) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in rates.iter().enumerate() {
        if r.resource.trim().is_empty() || r.resource.len() > 63 {
            return Err(format!("rates[{i}].resource: 1 to 63 characters"));
        }
        if r.unit.trim().is_empty() || r.unit.chars().count() > 32 {
            return Err(format!("rates[{i}].unit: 1 to 32 characters"));
        }
        price(&r.price).map_err(|m| format!("rates[{i}].price: {m}"))?;
        if !seen.insert((&r.resource, &r.unit)) {
            return Err(format!(
                "rates[{i}]: another rate has resource {} in {}",
                r.resource, r.unit
            ));
        }
    }
    Ok(())
}

/// The prices a tenant pays: its overrides, then the defaults for what they leave out, by
/// (resource, unit).
pub fn prices(defaults: &[Rate], overrides: &[Rate]) -> BTreeMap<(String, String), Decimal> {
    defaults
        .iter()
        .chain(overrides)
        .filter_map(|r| Some(((r.resource.clone(), r.unit.clone()), price(&r.price).ok()?)))
        .collect()
}

/// A line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceLine {
    /// None: the tenant's own usage (ingested without a project).
    pub project_id: Option<String>,
    /// The project's name when the invoice was made.
    pub project_name: Option<String>,
    pub resource: String,
    pub unit: String,
    /// Exact decimals: the month's quantity, the price of one unit (none: unpriced) and
    /// their product to the cent.
    pub quantity: String,
    pub price: Option<String>,
    pub amount: String,
}

/// Usage of one project (none: the tenant's own) and resource over the month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    pub project_id: Option<String>,
    pub resource: String,
    pub unit: String,
    pub quantity: Decimal,
}

/// A line of an invoice: a quantity at its price (none: unpriced, 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub project_id: Option<String>,
    pub resource: String,
    pub unit: String,
    pub quantity: Decimal,
    pub price: Option<Decimal>,
    pub amount: Decimal,
}

/// `quantity × price`, to the cent, halves away from zero.
pub fn amount(quantity: Decimal, price: Decimal) -> Decimal {
    (quantity * price).round_dp_with_strategy(MONEY_PLACES, RoundingStrategy::MidpointAwayFromZero)
}

/// The lines of the quantities above 0, in their order.
pub fn lines(quantities: &[Quantity], prices: &BTreeMap<(String, String), Decimal>) -> Vec<Line> {
    quantities
        .iter()
        .filter(|q| q.quantity > Decimal::ZERO)
        .map(|q| {
            let price = prices.get(&(q.resource.clone(), q.unit.clone())).copied();
            Line {
                project_id: q.project_id.clone(),
                resource: q.resource.clone(),
                unit: q.unit.clone(),
                quantity: q.quantity,
                price,
                amount: price.map_or(Decimal::ZERO, |p| amount(q.quantity, p)),
            }
        })
        .collect()
}

pub fn subtotal(lines: &[Line]) -> Decimal {
    lines.iter().map(|l| l.amount).sum()
}

/// Money as written on an invoice: exactly two places.
pub fn written(d: Decimal) -> String {
    format!(
        "{:.2}",
        d.round_dp_with_strategy(MONEY_PLACES, RoundingStrategy::MidpointAwayFromZero)
    )
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// An invoice as CSV, its figures as it writes them: a header, one row per line (`project` is
/// the project's name), then the subtotal, each credit note (reason, amount) and the total as rows
/// with an empty project.
pub fn csv(lines: &[InvoiceLine], subtotal: &str, credits: &[(&str, &str)], total: &str) -> String {
    let mut out = String::from("project,resource,unit,quantity,price,amount\r\n");
    for l in lines {
        let row = [
            field(l.project_name.as_deref().unwrap_or_default()),
            field(&l.resource),
            field(&l.unit),
            field(&l.quantity),
            field(l.price.as_deref().unwrap_or_default()),
            field(&l.amount),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out.push_str(&format!(",subtotal,,,,{}\r\n", field(subtotal)));
    for (reason, amount) in credits {
        out.push_str(&format!(",credit note,{},,,-{}\r\n", field(reason), field(amount)));
    }
    out.push_str(&format!(",total,,,,{}\r\n", field(total)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(resource: &str, unit: &str, price: &str) -> Rate {
        Rate {
            resource: resource.into(),
            unit: unit.into(),
            price: price.into(),
        }
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn overrides_replace_the_defaults_resource_by_resource() {
        let defaults = [rate("cpu", "core-hours", "0.04"), rate("memory", "GiB-hours", "0.005")];
        let overrides = [
            rate("cpu", "core-hours", "0.03"),
            rate("storage", "GiB-hours", "0.0001"),
        ];
        let p = prices(&defaults, &overrides);
        assert_eq!(p[&("cpu".into(), "core-hours".into())], d("0.03"));
        assert_eq!(p[&("memory".into(), "GiB-hours".into())], d("0.005"));
        assert_eq!(p[&("storage".into(), "GiB-hours".into())], d("0.0001"));
    }

    #[test]
    fn each_line_is_rounded_to_the_cent_once_and_unpriced_usage_costs_nothing() {
        let prices = prices(
            &[rate("cpu", "core-hours", "0.031"), rate("memory", "GiB-hours", "0.004")],
            &[],
        );
        let q = |project: &str, resource: &str, unit: &str, quantity: &str| Quantity {
            project_id: Some(project.into()),
            resource: resource.into(),
            unit: unit.into(),
            quantity: d(quantity),
        };
        let quantities = [
            // 1.4 × 0.031 = 0.0434 → 0.04; 2.5 × 0.004 = 0.01.
            q("web", "cpu", "core-hours", "1.4"),
            q("web", "memory", "GiB-hours", "2.5"),
            // 161.29 × 0.031 = 4.99999 → 5.00; half a cent rounds away from zero.
            q("api", "cpu", "core-hours", "161.29"),
            q("api", "memory", "GiB-hours", "1.25"),
            // Priced in another unit: on the invoice, unpriced.
            q("api", "storage", "GB-months", "3"),
            q("api", "egress", "GiB", "0"),
        ];
        let lines = lines(&quantities, &prices);
        let amounts: Vec<String> = lines.iter().map(|l| written(l.amount)).collect();
        assert_eq!(amounts, ["0.04", "0.01", "5.00", "0.01", "0.00"]);
        assert_eq!(lines[4].price, None);
        assert_eq!(written(subtotal(&lines)), "5.06");
        assert_eq!(written(amount(d("0.5"), d("0.01"))), "0.01", "0.005 rounds up");
    }

    #[test]
    fn checks_and_csv() {
        assert!(
            check_rates(&[rate("cpu", "core-hours", "0.0000001")])
                .unwrap_err()
                .contains("rates[0].price")
        );
        assert!(
            check_rates(&[rate("cpu", "h", "1"), rate("cpu", "h", "2")])
                .unwrap_err()
                .contains("rates[1]")
        );
        assert!(check_rates(&[rate("", "h", "1")]).is_err());
        assert!(check_rates(&[rate("cpu", "core-hours", "0.031")]).is_ok());
        assert_eq!(money("10.5"), Ok(d("10.5")));
        assert!(money("0").is_err() && money("1.001").is_err() && money("-3").is_err());
        let line = InvoiceLine {
            project_id: Some("p1".into()),
            project_name: Some("web, eu".into()),
            resource: "cpu".into(),
            unit: "core-hours".into(),
            quantity: "1.4".into(),
            price: Some("0.031".into()),
            amount: "0.04".into(),
        };
        let text = csv(&[line], "0.04", &[("goodwill", "0.01")], "0.03");
        assert_eq!(
            text,
            "project,resource,unit,quantity,price,amount\r\n\"web, eu\",cpu,core-hours,1.4,0.031,0.04\r\n\
             ,subtotal,,,,0.04\r\n,credit note,goodwill,,,-0.01\r\n,total,,,,0.03\r\n"
        );
    }
}
