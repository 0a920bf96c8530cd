//! From a question to ranked references (pure): the words searched for, and the order of what
//! the search found once the feedback boost is applied and a reference's texts (an incident and
//! its notes) are merged into one.

use std::collections::HashMap;

/// Words too common to search for.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "does", "doing", "for", "from", "get", "got", "had", "has", "have", "how", "i", "if", "in",
    "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "should", "so", "some", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "us", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "why", "will", "with", "would", "you", "your",
];
/// The most words one search looks for.
pub const TERMS_MAX: usize = 16;

/// Net feedback counts at most this much either way …
pub const FEEDBACK_NET_MAX: i64 = 5;
/// … and each vote of it moves a reference's score by this fraction: a boost of 0.5× to 1.5×.
pub const FEEDBACK_STEP: f64 = 0.1;

/// The words of `question` worth searching for: lowercase runs of letters and digits, two
/// characters or more, no stop words, each once, at most `TERMS_MAX`.
pub fn search_terms(question: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in question.split(|c: char| !c.is_alphanumeric()) {
        let word = word.to_lowercase();
        if word.chars().count() < 2 || STOP_WORDS.contains(&word.as_str()) || terms.contains(&word) {
            continue;
        }
        terms.push(word);
        if terms.len() == TERMS_MAX {
            break;
        }
    }
    terms
}

/// The multiplier net feedback (helpful minus unhelpful votes) gives a reference's score.
pub fn feedback_boost(net: i64) -> f64 {
    1.0 + FEEDBACK_STEP * net.clamp(-FEEDBACK_NET_MAX, FEEDBACK_NET_MAX) as f64
}

/// A text the search found, which the caller may see.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: String,
    pub id: String,
    pub title: String,
    pub body: String,
    /// The search's score: higher is better.
    pub score: f64,
}

/// One reference, its best text, and its score after the feedback boost.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub kind: String,
    pub id: String,
    pub title: String,
    /// The text that matched best (for an incident: its summary or one of its notes).
    pub body: String,
    pub score: f64,
}

/// The best `limit` references of `hits`: texts of one reference merged (the best kept), each
/// score times its feedback boost (`net` by (kind, id)), best first; ties by kind, then id.
pub fn rank(hits: Vec<Hit>, net: &HashMap<(String, String), i64>, limit: usize) -> Vec<Ranked> {
    let mut best: HashMap<(String, String), Hit> = HashMap::new();
    for hit in hits {
        let key = (hit.kind.clone(), hit.id.clone());
        match best.get(&key) {
            Some(kept) if kept.score >= hit.score => {}
            _ => {
                best.insert(key, hit);
            }
        }
    }
    let mut ranked: Vec<Ranked> = best
        .into_iter()
        .map(|(key, hit)| Ranked {
            score: hit.score * feedback_boost(net.get(&key).copied().unwrap_or(0)),
            kind: hit.kind,
            id: hit.id,
            title: hit.title,
            body: hit.body,
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.id.cmp(&b.id))
    });
    ranked.truncate(limit);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(kind: &str, id: &str, score: f64) -> Hit {
        Hit {
            kind: kind.into(),
            id: id.into(),
            title: format!("{kind} {id}"),
            body: format!("body {score}"),
            score,
        }
    }

    fn order(ranked: &[Ranked]) -> Vec<String> {
        ranked.iter().map(|r| format!("{}:{}", r.kind, r.id)).collect()
    }

    #[test]
    fn terms_are_the_question_s_content_words() {
        assert_eq!(
            search_terms("How do I fix an OOMKilled pod? The pod's memory limit is 512Mi!"),
            ["fix", "oomkilled", "pod", "memory", "limit", "512mi"]
        );
        assert_eq!(search_terms("what is it?"), Vec::<String>::new());
        assert_eq!(search_terms("a b cc the pod, POD"), ["cc", "pod"]);
        let many: String = (0..40).map(|i| format!("word{i} ")).collect();
        assert_eq!(search_terms(&many).len(), TERMS_MAX);
    }

    #[test]
    fn the_boost_is_bounded() {
        assert_eq!(feedback_boost(0), 1.0);
        assert!((feedback_boost(2) - 1.2).abs() < 1e-9);
        assert!((feedback_boost(100) - 1.5).abs() < 1e-9);
        assert!((feedback_boost(-100) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn ranking_merges_texts_and_applies_feedback() {
        let hits = vec![
            hit("runbook", "r1", 3.0),
            hit("incident", "i1", 1.0),
            hit("incident", "i1", 2.5),
            hit("finding", "f1", 2.0),
            hit("doc", "d1", 0.5),
        ];
        let none = HashMap::new();
        let ranked = rank(hits.clone(), &none, 10);
        assert_eq!(order(&ranked), ["runbook:r1", "incident:i1", "finding:f1", "doc:d1"]);
        assert_eq!(ranked[1].body, "body 2.5", "the incident's best text is kept");

        // Unhelpful votes sink the runbook below the incident; helpful ones lift the finding.
        let net = HashMap::from([
            (("runbook".to_string(), "r1".to_string()), -3),
            (("finding".to_string(), "f1".to_string()), 5),
        ]);
        let ranked = rank(hits, &net, 3);
        assert_eq!(order(&ranked), ["finding:f1", "incident:i1", "runbook:r1"]);
        assert!((ranked[0].score - 3.0).abs() < 1e-9 && (ranked[2].score - 2.1).abs() < 1e-9);
    }
}
