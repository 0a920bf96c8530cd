//! Entitlements (pure): what a tenant's paid orders let its projects' quotas add up to. Each
//! quota field a plan names is limited to the sum over the tenant's entitling plans that name it;
//! a field none names is not limited. A project that leaves a limited field out asks for no limit,
//! which no entitlement covers.

use super::model::Quota;

/// A quota's fields as numbers (`Quota::amounts`): millicores, bytes, pods.
pub type Amounts = [(&'static str, Option<u128>); 5];

/// Per field, the sum over the plans' quotas that name it; None where none does (not limited).
pub fn entitled(plans: &[Quota]) -> Amounts {
    let mut total = Quota::default().amounts();
    for plan in plans {
        for (sum, (_, n)) in total.iter_mut().zip(plan.amounts()) {
            if let Some(n) = n {
                sum.1 = Some(sum.1.unwrap_or(0).saturating_add(n));
            }
        }
    }
    total
}

/// Per field, the projects' quotas added up; None where one leaves it out (no limit).
pub fn used(projects: &[Quota]) -> Amounts {
    let mut total = Quota::default().amounts().map(|(field, _)| (field, Some(0u128)));
    for project in projects {
        for (sum, (_, n)) in total.iter_mut().zip(project.amounts()) {
            sum.1 = match (sum.1, n) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            };
        }
    }
    total
}

/// A field used beyond its entitlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excess {
    pub field: &'static str,
    /// None: no limit asked.
    pub used: Option<u128>,
    pub entitled: u128,
}

/// The fields `used` goes beyond `entitled` in.
pub fn excess(entitled: &Amounts, used: &Amounts) -> Vec<Excess> {
    entitled
        .iter()
        .zip(used)
        .filter_map(|(&(field, cap), &(_, used))| {
            let cap = cap?;
            match used {
                Some(u) if u <= cap => None,
                _ => Some(Excess {
                    field,
                    used,
                    entitled: cap,
                }),
            }
        })
        .collect()
}

/// Whether `new` asks no more than `old` in any field (so a tenant over its entitlement may
/// still lower a quota).
pub fn shrinks(old: &Quota, new: &Quota) -> bool {
    old.amounts()
        .iter()
        .zip(new.amounts())
        .all(|(&(_, o), (_, n))| match (o, n) {
            (_, None) => o.is_none(),
            (None, Some(_)) => true,
            (Some(o), Some(n)) => n <= o,
        })
}

/// A field's amount as a quantity (`4`, `8Gi`, `20`).
pub fn written(field: &str, n: u128) -> String {
    if field.ends_with("Cpu") {
        crate::kube::quantity::of_millicores(n)
    } else if field.ends_with("Memory") {
        crate::kube::quantity::of_bytes(n)
    } else {
        n.to_string()
    }
}

/// Why a tenant's projects do not fit, in words.
pub fn explain(e: &Excess) -> String {
    let cap = written(e.field, e.entitled);
    match e.used {
        None => format!(
            "the tenant's entitlement limits {} to {cap} in all: each project must set it",
            e.field
        ),
        Some(u) => format!(
            "the tenant's projects would ask {} {} in all, beyond its entitlement of {cap}",
            written(e.field, u),
            e.field
        ),
    }
}

/// What bounds a tenant's projects' quotas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// The platform does not sell quota.
    Open,
    /// Quota is sold and the tenant has no paid order in force.
    Unpaid,
    /// What the tenant's orders in force add up to.
    Limits(Box<Amounts>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Unpaid,
    Exceeds(Excess),
}

impl Gate {
    /// Whether the tenant's projects may become `projects` (their quotas, with the change) by a
    /// change from `old` to `new` (old: none for a new project). Lowering a quota is always
    /// allowed, so a tenant whose orders ran out can still come back within them.
    pub fn check(&self, projects: &[Quota], old: Option<&Quota>, new: &Quota) -> Result<(), Refusal> {
        if old.is_some_and(|old| shrinks(old, new)) {
            return Ok(());
        }
        match self {
            Gate::Open => Ok(()),
            Gate::Unpaid => Err(Refusal::Unpaid),
            Gate::Limits(e) => match excess(e, &used(projects)).into_iter().next() {
                Some(x) => Err(Refusal::Exceeds(x)),
                None => Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(cpu: Option<&str>, memory: Option<&str>, pods: Option<u32>) -> Quota {
        Quota {
            requests_cpu: cpu.map(str::to_string),
            requests_memory: memory.map(str::to_string),
            pods,
            ..Quota::default()
        }
    }

    #[test]
    fn plans_add_up_in_the_fields_they_name() {
        let small = quota(Some("2"), Some("4Gi"), None);
        let extra_cpu = quota(Some("1500m"), None, Some(10));
        let e = entitled(&[small, extra_cpu]);
        assert_eq!(e[0], ("requestsCpu", Some(3500)));
        assert_eq!(e[1], ("requestsMemory", Some(4 * 1024 * 1024 * 1024)));
        assert_eq!(e[2], ("limitsCpu", None), "no plan limits it");
        assert_eq!(e[4], ("pods", Some(10)));
        assert_eq!(entitled(&[]).iter().filter(|(_, n)| n.is_some()).count(), 0);
    }

    #[test]
    fn a_project_without_a_limit_exceeds_any_entitlement_of_that_field() {
        let e = entitled(&[quota(Some("4"), Some("8Gi"), None)]);
        let fits = used(&[
            quota(Some("1"), Some("2Gi"), None),
            quota(Some("3"), Some("6Gi"), Some(50)),
        ]);
        assert_eq!(excess(&e, &fits), vec![], "pods are not limited");
        let over = used(&[
            quota(Some("2"), Some("2Gi"), None),
            quota(Some("2001m"), Some("1Gi"), None),
        ]);
        assert_eq!(
            excess(&e, &over),
            vec![Excess {
                field: "requestsCpu",
                used: Some(4001),
                entitled: 4000
            }]
        );
        let unlimited = used(&[quota(Some("1"), None, None)]);
        let x = excess(&e, &unlimited);
        assert_eq!(x[0].field, "requestsMemory");
        assert_eq!(x[0].used, None);
        assert!(explain(&x[0]).contains("8Gi"), "{}", explain(&x[0]));
        assert!(explain(&excess(&e, &over)[0]).contains("4001m requestsCpu in all, beyond its entitlement of 4"));
        assert_eq!(used(&[])[0], ("requestsCpu", Some(0)));
    }

    #[test]
    fn the_gate_opens_for_what_fits_and_for_lowering() {
        let four = quota(Some("4"), None, None);
        let three = quota(Some("3"), None, None);
        let two = quota(Some("2"), None, None);
        let gate = Gate::Limits(Box::new(entitled(std::slice::from_ref(&four))));
        assert_eq!(gate.check(&[two.clone(), two.clone()], None, &two), Ok(()));
        let over = gate.check(&[two.clone(), three.clone()], None, &three);
        assert!(matches!(
            over,
            Err(Refusal::Exceeds(Excess {
                field: "requestsCpu",
                ..
            }))
        ));
        // Over already, by an order that ran out: lowering is allowed, raising is not.
        let small = Gate::Limits(Box::new(entitled(std::slice::from_ref(&two))));
        assert_eq!(small.check(std::slice::from_ref(&three), Some(&four), &three), Ok(()));
        assert!(small.check(std::slice::from_ref(&four), Some(&three), &four).is_err());
        assert_eq!(
            Gate::Unpaid.check(std::slice::from_ref(&two), None, &two),
            Err(Refusal::Unpaid)
        );
        assert_eq!(
            Gate::Unpaid.check(std::slice::from_ref(&two), Some(&three), &two),
            Ok(())
        );
        assert_eq!(Gate::Open.check(&[four.clone(), four.clone()], None, &four), Ok(()));
    }

    #[test]
    fn lowering_a_quota_shrinks_it_and_lifting_a_limit_does_not() {
        let old = quota(Some("2"), Some("4Gi"), None);
        assert!(shrinks(&old, &quota(Some("1"), Some("4Gi"), None)));
        assert!(shrinks(&old, &quota(Some("1"), Some("4Gi"), Some(5))), "a new limit");
        assert!(!shrinks(&old, &quota(Some("3"), Some("4Gi"), None)));
        assert!(!shrinks(&old, &quota(None, Some("4Gi"), None)), "no limit is more");
    }
}
