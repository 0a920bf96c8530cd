//! The audit hash chain, pure: the canonical encoding of a row, its hash, and the walk that finds
//! the first broken link. Each row's hash covers its fields and the previous row's hash, so an
//! edit, a deletion or an insertion shows at the place it was made (docs/api.md#the-chain).

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use super::model::{AuditEvent, AuditVerification, BrokenLink, ChainLink, ChainProblem};

/// The hash before the first row: 32 zero bytes, in hex.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The first bytes of every encoding; a new encoding gets a new version.
const VERSION: &[u8] = b"fleetdeck-audit-v1";

/// An audit row with its place in the chain, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChainedEvent {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    #[sqlx(flatten)]
    pub event: AuditEvent,
}

/// The chain's start, before any row.
pub fn genesis() -> ChainLink {
    ChainLink {
        seq: 0,
        hash: GENESIS.to_string(),
    }
}

/// The time as it is hashed: RFC 3339 UTC with exactly six fractional digits, what both stores keep.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `VERSION`, then each field in order: `0x00` when null, else `0x01`, its UTF-8 length as four
/// bytes big-endian, and its bytes.
pub fn canonical(prev_hash: &str, seq: i64, e: &AuditEvent) -> Vec<u8> {
    let fields: [Option<&str>; 16] = [
        Some(prev_hash),
        Some(&seq.to_string()),
        Some(&e.id),
        Some(&timestamp(e.at)),
        Some(&e.actor),
        Some(&e.actor_method),
        Some(&e.verb),
        Some(&e.resource_type),
        e.cluster.as_deref(),
        e.namespace.as_deref(),
        e.name.as_deref(),
        Some(e.outcome.as_str()),
        Some(&e.http_status.to_string()),
        Some(&e.request_id),
        Some(&e.client_ip),
        e.reason.as_deref(),
    ];
    let mut out = VERSION.to_vec();
    for field in fields {
        match field {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                out.extend_from_slice(&(s.len() as u32).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
    }
    out
}

/// Lowercase hex SHA-256 of the row's encoding.
pub fn row_hash(prev_hash: &str, seq: i64, e: &AuditEvent) -> String {
    hex::encode(Sha256::digest(canonical(prev_hash, seq, e)))
}

/// Where `e` goes after `prev`: the next `seq` and the row's hash.
pub fn follow(prev: &ChainLink, e: &AuditEvent) -> ChainLink {
    let seq = prev.seq + 1;
    ChainLink {
        seq,
        hash: row_hash(&prev.hash, seq, e),
    }
}

/// Where `events` go, in order, after `prev`: each one's link. A row's previous hash is the link
/// before it (`prev` for the first), and the last link is the new head. Chaining rows in batches
/// gives the chain that chaining them one by one gives.
pub fn extend(prev: &ChainLink, events: &[AuditEvent]) -> Vec<ChainLink> {
    let mut links: Vec<ChainLink> = Vec::with_capacity(events.len());
    for e in events {
        let link = follow(links.last().unwrap_or(prev), e);
        links.push(link);
    }
    links
}

/// Rows checked one by one in `seq` order, up to the first break.
pub struct Walk {
    prev: ChainLink,
    /// The id and time of the row `prev` is, once a row was walked.
    prev_row: Option<(String, DateTime<Utc>)>,
    checked: i64,
    broken: Option<BrokenLink>,
}

impl Walk {
    /// A walk whose first row should follow `prev` (the anchor, or the row before the range).
    pub fn after(prev: ChainLink) -> Walk {
        Walk {
            prev,
            prev_row: None,
            checked: 0,
            broken: None,
        }
    }

    /// Checks the next row; false once a break is found (later rows need not be read).
    pub fn step(&mut self, row: &ChainedEvent) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let broken = |problem, expected: String, found: String| BrokenLink {
            seq: row.seq,
            id: Some(row.event.id.clone()),
            at: Some(row.event.at),
            problem,
            expected,
            found,
        };
        self.checked += 1;
        let next = self.prev.seq + 1;
        self.broken = if row.seq != next {
            Some(broken(ChainProblem::RowsMissing, next.to_string(), row.seq.to_string()))
        } else if row.prev_hash != self.prev.hash {
            Some(broken(
                ChainProblem::LinkBroken,
                self.prev.hash.clone(),
                row.prev_hash.clone(),
            ))
        } else {
            let hash = row_hash(&row.prev_hash, row.seq, &row.event);
            (hash != row.hash).then(|| broken(ChainProblem::RowAltered, hash, row.hash.clone()))
        };
        self.prev = ChainLink {
            seq: row.seq,
            hash: row.hash.clone(),
        };
        self.prev_row = Some((row.event.id.clone(), row.event.at));
        self.broken.is_none()
    }

    /// The verdict. When the walk went to the end of the chain, its last row must be the head.
    pub fn finish(self, anchor: ChainLink, head: ChainLink, to_head: bool) -> AuditVerification {
        let mut first_broken = self.broken;
        if first_broken.is_none() && to_head && self.prev != head {
            let last_row = self.prev_row.filter(|_| self.prev.seq == head.seq);
            first_broken = Some(BrokenLink {
                seq: head.seq,
                id: last_row.as_ref().map(|(id, _)| id.clone()),
                at: last_row.map(|(_, at)| at),
                problem: ChainProblem::HeadMismatch,
                expected: format!("{}:{}", head.seq, head.hash),
                found: format!("{}:{}", self.prev.seq, self.prev.hash),
            });
        }
        AuditVerification {
            ok: first_broken.is_none(),
            checked: self.checked,
            anchor,
            head,
            first_broken,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::model::Outcome;

    fn event(n: u32) -> AuditEvent {
        AuditEvent {
            id: format!("row-{n}"),
            at: "2025-03-01T12:00:00.123456Z".parse().unwrap(),
            actor: "alice".into(),
            actor_method: "password".into(),
            verb: "create".into(),
            resource_type: "user".into(),
            cluster: None,
            namespace: Some("web".into()),
            name: Some(format!("target-{n}")),
            outcome: Outcome::Success,
            http_status: 201,
            request_id: format!("req-{n}"),
            client_ip: "10.0.0.1".into(),
            reason: None,
        }
    }

    /// `n` rows chained after the genesis.
    fn chain(n: u32) -> Vec<ChainedEvent> {
        let mut prev = genesis();
        (1..=n)
            .map(|i| {
                let e = event(i);
                let link = follow(&prev, &e);
                let row = ChainedEvent {
                    seq: link.seq,
                    prev_hash: prev.hash.clone(),
                    hash: link.hash.clone(),
                    event: e,
                };
                prev = link;
                row
            })
            .collect()
    }

    fn head(rows: &[ChainedEvent]) -> ChainLink {
        rows.last().map_or_else(genesis, |r| ChainLink {
            seq: r.seq,
            hash: r.hash.clone(),
        })
    }

    fn verify(rows: &[ChainedEvent], head: ChainLink) -> AuditVerification {
        let mut walk = Walk::after(genesis());
        for row in rows {
            if !walk.step(row) {
                break;
            }
        }
        walk.finish(genesis(), head, true)
    }

    #[test]
    fn the_encoding_is_the_documented_one() {
        // The example in docs/api.md#the-chain.
        let bytes = canonical(GENESIS, 1, &event(1));
        assert!(bytes.starts_with(b"fleetdeck-audit-v1\x01\x00\x00\x00\x40000"));
        let tail = b"\x01\x00\x00\x00\x0810.0.0.1\x00";
        assert!(bytes.ends_with(tail), "{bytes:?}");
        let time = b"\x01\x00\x00\x00\x1b2025-03-01T12:00:00.123456Z";
        assert!(bytes.windows(time.len()).any(|w| w == time));
        assert_eq!(
            row_hash(GENESIS, 1, &event(1)),
            "7f1c5c3fcc15854c519ea93edbc63c41723fbbdb46b8709090c74140191156bd"
        );
    }

    #[test]
    fn nulls_empty_strings_and_field_boundaries_hash_apart() {
        let mut a = event(1);
        let mut b = event(1);
        b.cluster = Some(String::new());
        assert_ne!(row_hash(GENESIS, 1, &a), row_hash(GENESIS, 1, &b));
        a.actor = "ab".into();
        a.actor_method = "c".into();
        b = a.clone();
        b.actor = "a".into();
        b.actor_method = "bc".into();
        assert_ne!(row_hash(GENESIS, 1, &a), row_hash(GENESIS, 1, &b));
        assert_ne!(
            row_hash(GENESIS, 1, &a),
            row_hash(GENESIS, 2, &a),
            "the position is hashed"
        );
    }

    #[test]
    fn time_is_hashed_at_microseconds() {
        let mut e = event(1);
        e.at = "2025-03-01T12:00:00Z".parse().unwrap();
        assert_eq!(timestamp(e.at), "2025-03-01T12:00:00.000000Z");
        let micros = row_hash(GENESIS, 1, &e);
        e.at += chrono::Duration::nanoseconds(999);
        assert_eq!(row_hash(GENESIS, 1, &e), micros, "what the store drops is not hashed");
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(5);
        let v = verify(&rows, head(&rows));
        assert!(v.ok, "{v:?}");
        assert_eq!(v.checked, 5);
        assert_eq!(v.head.seq, 5);
        let empty = verify(&[], genesis());
        assert!(empty.ok && empty.checked == 0);
    }

    #[test]
    fn an_edited_row_is_reported_at_its_place() {
        let mut rows = chain(5);
        rows[2].event.actor = "mallory".into();
        let v = verify(&rows, head(&rows));
        let b = v.first_broken.expect("broken");
        assert_eq!(
            (b.seq, b.id.as_deref(), b.problem),
            (3, Some("row-3"), ChainProblem::RowAltered)
        );
        assert_eq!(b.found, rows[2].hash);
        assert_eq!(v.checked, 3, "stops at the first break");
    }

    #[test]
    fn a_rehashed_edit_breaks_the_next_link() {
        let mut rows = chain(5);
        rows[2].event.actor = "mallory".into();
        rows[2].hash = row_hash(&rows[2].prev_hash, 3, &rows[2].event);
        let b = verify(&rows, head(&rows)).first_broken.expect("broken");
        assert_eq!((b.seq, b.problem), (4, ChainProblem::LinkBroken));
        assert_eq!((b.expected, b.found), (rows[2].hash.clone(), rows[3].prev_hash.clone()));
    }

    #[test]
    fn a_deleted_row_is_reported_even_when_the_next_is_relinked() {
        let mut rows = chain(5);
        rows.remove(2);
        let b = verify(&rows, head(&rows)).first_broken.expect("broken");
        assert_eq!(
            (b.seq, b.id.as_deref(), b.problem),
            (4, Some("row-4"), ChainProblem::RowsMissing)
        );
        assert_eq!((b.expected.as_str(), b.found.as_str()), ("3", "4"));
        rows[2].prev_hash = rows[1].hash.clone();
        rows[2].hash = row_hash(&rows[2].prev_hash, 4, &rows[2].event);
        let b = verify(&rows, head(&rows)).first_broken.expect("broken");
        assert_eq!(b.problem, ChainProblem::RowsMissing);
    }

    #[test]
    fn a_deleted_or_rewritten_tail_misses_the_head() {
        let rows = chain(5);
        let b = verify(&rows[..4], head(&rows)).first_broken.expect("broken");
        assert_eq!((b.seq, b.id, b.problem), (5, None, ChainProblem::HeadMismatch));
        assert_eq!(b.found, format!("4:{}", rows[3].hash));
        let mut rewritten = rows.clone();
        rewritten[4].event.verb = "delete".into();
        rewritten[4].hash = row_hash(&rewritten[4].prev_hash, 5, &rewritten[4].event);
        let b = verify(&rewritten, head(&rows)).first_broken.expect("broken");
        assert_eq!(
            (b.seq, b.id.as_deref(), b.problem),
            (5, Some("row-5"), ChainProblem::HeadMismatch)
        );
    }

    #[test]
    fn extending_in_batches_gives_the_chain_of_single_rows() {
        let rows = chain(7);
        let events: Vec<AuditEvent> = rows.iter().map(|r| r.event.clone()).collect();
        let links = |rows: &[ChainedEvent]| -> Vec<ChainLink> {
            rows.iter()
                .map(|r| ChainLink {
                    seq: r.seq,
                    hash: r.hash.clone(),
                })
                .collect()
        };
        assert_eq!(extend(&genesis(), &events), links(&rows));
        let first = extend(&genesis(), &events[..3]);
        let rest = extend(first.last().unwrap(), &events[3..]);
        assert_eq!([first, rest].concat(), links(&rows));
        assert!(extend(&genesis(), &[]).is_empty());
    }

    #[test]
    fn a_pruned_chain_verifies_from_its_anchor() {
        let rows = chain(5);
        let anchor = ChainLink {
            seq: 2,
            hash: rows[1].hash.clone(),
        };
        let mut walk = Walk::after(anchor.clone());
        assert!(rows[2..].iter().all(|r| walk.step(r)));
        let v = walk.finish(anchor, head(&rows), true);
        assert!(v.ok && v.checked == 3, "{v:?}");
    }
}
