//! What the model is sent (pure): a system prompt that holds it to the numbered context, and the
//! context cut to a strict token budget. Tokens are counted conservatively (characters / 3,
//! rounded up, more than any common tokenizer makes of English); the question is never cut, the
//! context is: whole references while they fit, then the start of the next one.

/// The instructions the model answers under.
pub const SYSTEM_PROMPT: &str = "You are Fleetdeck's assistant for operating Kubernetes clusters. \
Answer the question using only the numbered context below. Cite every statement with the number \
of the context entry it comes from, as [1] or [2]. If the context does not answer the question, say \
that you do not know. Never invent commands, names or values that are not in the context.";

/// A reference cut to less than this many tokens is left out rather than sent as a stub.
const PARTIAL_MIN_TOKENS: usize = 40;

/// The tokens `text` may take, counted conservatively.
pub fn tokens(text: &str) -> usize {
    text.chars().count().div_ceil(3)
}

/// A reference as the context shows it.
#[derive(Debug, Clone, Copy)]
pub struct ContextEntry<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
}

/// The messages to send, and how many references (the first ones) they hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub system: String,
    pub user: String,
    pub references: usize,
}

fn entry_text(n: usize, e: &ContextEntry<'_>) -> String {
    format!("[{n}] ({}) {}\n{}\n\n", e.kind, e.title, e.body)
}

/// The prompt for `question` over `entries` (best first) within `max_tokens`; `None` when not
/// one reference fits beside the question.
pub fn build(question: &str, entries: &[ContextEntry<'_>], max_tokens: usize) -> Option<Prompt> {
    let head = "Context:\n\n";
    let tail = format!("Question: {question}");
    let fixed = tokens(SYSTEM_PROMPT) + tokens(head) + tokens(&tail);
    let mut budget = max_tokens.checked_sub(fixed)?;
    let mut context = String::new();
    let mut references = 0;
    for (i, entry) in entries.iter().enumerate() {
        let text = entry_text(i + 1, entry);
        let cost = tokens(&text);
        if cost <= budget {
            context.push_str(&text);
            budget -= cost;
            references += 1;
            continue;
        }
        if budget >= PARTIAL_MIN_TOKENS {
            // Three characters per token, less the marker.
            let keep: String = text.chars().take(budget * 3 - 3).collect();
            context.push_str(&keep);
            context.push_str("…\n\n");
            references += 1;
        }
        break;
    }
    if references == 0 {
        return None;
    }
    Some(Prompt {
        system: SYSTEM_PROMPT.to_string(),
        user: format!("{head}{context}{tail}"),
        references,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &str) -> ContextEntry<'_> {
        ContextEntry {
            kind: "runbook",
            title: "T",
            body,
        }
    }

    #[test]
    fn tokens_are_counted_high() {
        assert_eq!(tokens(""), 0);
        assert_eq!(tokens("abc"), 1);
        assert_eq!(tokens("abcd"), 2);
        assert_eq!(tokens("ééé"), 1, "characters, not bytes");
    }

    #[test]
    fn the_context_is_cut_to_the_budget_and_the_question_never() {
        let question = "why is the api pod restarting? ".repeat(10);
        let long = "x".repeat(3000);
        let entries = [entry("first body"), entry(&long), entry("never reached")];
        for max in [600, 800, 1200, 5000] {
            let p = build(&question, &entries, max).expect("the first reference fits");
            assert!(tokens(&p.system) + tokens(&p.user) <= max, "{max}: over the budget");
            assert!(
                p.user.ends_with(&format!("Question: {question}")),
                "the question is whole"
            );
            assert!(p.user.contains("[1] (runbook) T\nfirst body"));
            if max >= 1200 {
                assert!(p.user.contains("[2] (runbook) T\nxxx"), "{max}: the second starts");
            }
        }
        let all = build(&question, &entries, 5000).unwrap();
        assert_eq!(all.references, 3);
        assert!(all.user.contains(&long) && all.user.contains("never reached"));
        let cut = build(&question, &entries, 1000).unwrap();
        assert_eq!(cut.references, 2);
        assert!(!cut.user.contains(&long) && cut.user.contains("x…") && !cut.user.contains("never reached"));
        // Not even one reference fits beside the question.
        assert_eq!(build(&question, &entries, tokens(SYSTEM_PROMPT) + 110), None);
    }
}
