//! The extractive answer (pure): the sentences of the top references that hold most of the
//! question's words, each marked with its citation number, and the snippet a citation shows.

/// References an extractive answer draws from.
const ANSWER_REFERENCES: usize = 3;
/// Sentences taken from each of them.
const SENTENCES_PER_REFERENCE: usize = 2;
/// The most characters of a sentence in an answer, and of a snippet.
const SENTENCE_MAX_CHARS: usize = 300;

/// What is said when nothing the caller may see matches.
pub const NOTHING_FOUND: &str =
    "Nothing in the runbooks, incidents, findings or docs you may see answers this. Try other words.";

/// A text's sentences: split at `.`, `!` or `?` before white space and at line ends, Markdown
/// heading marks, list bullets and code fences dropped, blank ones skipped.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line
            .trim()
            .trim_start_matches('#')
            .trim_start_matches(['-', '*', '>'])
            .trim();
        if line.is_empty() || line.starts_with("```") {
            continue;
        }
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (i, &(at, c)) in chars.iter().enumerate() {
            let ends = matches!(c, '.' | '!' | '?') && chars.get(i + 1).is_none_or(|(_, next)| next.is_whitespace());
            if ends {
                let end = at + c.len_utf8();
                push_sentence(&mut out, &line[start..end]);
                start = end;
            }
        }
        push_sentence(&mut out, &line[start..]);
    }
    out
}

fn push_sentence(out: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if s.chars().any(char::is_alphanumeric) {
        out.push(cut(s, SENTENCE_MAX_CHARS));
    }
}

/// At most `max` characters of `s`, with `…` when cut.
pub fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", s[..at].trim_end()),
        None => s.to_string(),
    }
}

/// How many of `terms` (lowercase) a sentence holds, counting a word that starts with a term
/// (a crude stem: "restarts" for "restart").
fn overlap(sentence: &str, terms: &[String]) -> usize {
    let words: Vec<String> = sentence
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    terms
        .iter()
        .filter(|t| words.iter().any(|w| w.starts_with(t.as_str())))
        .count()
}

/// The sentences of `text` that hold most of `terms`, in the text's order; the first sentences
/// when none holds any.
fn best_sentences(text: &str, terms: &[String], n: usize) -> Vec<String> {
    let all = sentences(text);
    let mut scored: Vec<(usize, usize)> = all.iter().enumerate().map(|(i, s)| (i, overlap(s, terms))).collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut picked: Vec<usize> = scored.iter().take(n).map(|(i, _)| *i).collect();
    picked.sort_unstable();
    picked.into_iter().map(|i| all[i].clone()).collect()
}

/// The snippet a citation shows: its best sentence for the question (the title's words aside).
pub fn snippet(body: &str, terms: &[String]) -> String {
    best_sentences(body, terms, 1).into_iter().next().unwrap_or_default()
}

/// The answer drawn from the references (title, body), in citation order: the best sentences of
/// the first few, each followed by its citation number `[n]`.
pub fn extractive_answer(references: &[(&str, &str)], terms: &[String]) -> String {
    if references.is_empty() {
        return NOTHING_FOUND.to_string();
    }
    let mut parts = Vec::new();
    for (n, (title, body)) in references.iter().take(ANSWER_REFERENCES).enumerate() {
        let mut picked = best_sentences(body, terms, SENTENCES_PER_REFERENCE);
        if picked.is_empty() {
            picked.push(cut(title, SENTENCE_MAX_CHARS));
        }
        for sentence in picked {
            let sentence = sentence.trim_end_matches(['.', '!', '?', ':', ';']);
            parts.push(format!("{sentence} [{}].", n + 1));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn markdown_is_read_as_sentences() {
        let text = "# Raise the limit\n\nThe pod was killed. Check usage first!\n- Raise `memory` to 512Mi\n```\nkubectl top pod\n```\nv1.2 is fine";
        assert_eq!(
            sentences(text),
            [
                "Raise the limit",
                "The pod was killed.",
                "Check usage first!",
                "Raise `memory` to 512Mi",
                "kubectl top pod",
                "v1.2 is fine"
            ]
        );
        assert_eq!(cut("héllo world", 5), "héllo…");
        assert_eq!(cut("short", 5), "short");
    }

    #[test]
    fn the_answer_takes_the_best_sentences_and_cites_them() {
        let oom = "# OOM\nPods are killed when they use more memory than their limit. Raise the memory limit. \
                   Then watch the restarts.";
        let crash = "A crash loop means the container exits. Read the previous logs.";
        let answer = extractive_answer(
            &[("OOM runbook", oom), ("Crash loops", crash)],
            &terms(&["memory", "limit", "restart"]),
        );
        assert_eq!(
            answer,
            "Pods are killed when they use more memory than their limit [1]. Raise the memory limit [1]. \
             A crash loop means the container exits [2]. Read the previous logs [2]."
        );
        assert_eq!(extractive_answer(&[], &terms(&["x"])), NOTHING_FOUND);
        assert_eq!(
            extractive_answer(&[("Only a title", "")], &terms(&["x"])),
            "Only a title [1]."
        );
    }

    #[test]
    fn a_snippet_is_the_best_sentence() {
        let body = "Intro line. The readiness probe fails on port 8080. Unrelated.";
        assert_eq!(
            snippet(body, &terms(&["readiness", "probe"])),
            "The readiness probe fails on port 8080."
        );
        assert_eq!(snippet(body, &terms(&["nothing"])), "Intro line.");
        assert_eq!(snippet("", &terms(&["x"])), "");
    }
}
