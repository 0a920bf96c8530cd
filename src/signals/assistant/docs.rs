//! Fleetdeck's own docs (`docs/*.md`, embedded in the binary) as the assistant searches them: one
//! section per heading, so a citation points at one section (`docs/api.md#incidents-and-postmortems`).
//! Splitting is pure; `sections` reads the embedded files.

use std::collections::HashMap;

use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "docs/"]
struct Docs;

/// One section of one doc: from a heading to the next heading.
#[derive(Debug, Clone, PartialEq)]
pub struct DocSection {
    /// `docs/api.md`
    pub file: String,
    /// The heading's anchor as GitHub makes it (`incidents-and-postmortems`); '' for the text
    /// before the first heading.
    pub anchor: String,
    /// The heading, after the file's title when it has one (`API — Incidents and postmortems`).
    pub title: String,
    pub body: String,
}

impl DocSection {
    /// The id a citation names: `api.md#incidents-and-postmortems`.
    pub fn id(&self) -> String {
        let name = self.file.trim_start_matches("docs/");
        match self.anchor.as_str() {
            "" => name.to_string(),
            anchor => format!("{name}#{anchor}"),
        }
    }
}

/// A heading's anchor as GitHub makes it: lowercase, punctuation dropped, spaces to `-`.
pub fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// `markdown` split at its headings (`#` to `######`, outside code fences); sections with no
/// text are left out. A heading's anchor repeated in a file gets `-1`, `-2`… as GitHub does.
pub fn split(file: &str, markdown: &str) -> Vec<DocSection> {
    let mut sections = Vec::new();
    let mut anchors: HashMap<String, usize> = HashMap::new();
    let mut unique_anchor = |heading: &str| {
        let base = anchor(heading);
        let seen = anchors.entry(base.clone()).or_default();
        *seen += 1;
        match *seen {
            1 => base,
            n => format!("{base}-{}", n - 1),
        }
    };
    let mut doc_title: Option<String> = None;
    let mut heading = String::new();
    let mut heading_anchor = String::new();
    let mut body = String::new();
    let mut fenced = false;
    let mut flush = |heading: &str, anchor: String, body: &mut String, doc_title: &Option<String>| {
        let text = body.trim();
        if !text.is_empty() {
            let title = match (doc_title, heading) {
                (Some(t), "") => t.clone(),
                (Some(t), h) if t != h => format!("{t} — {h}"),
                (_, h) if !h.is_empty() => h.to_string(),
                _ => file.to_string(),
            };
            sections.push(DocSection {
                file: file.to_string(),
                anchor,
                title,
                body: text.to_string(),
            });
        }
        body.clear();
    };
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        let level = line.chars().take_while(|c| *c == '#').count();
        let is_heading = !fenced && (1..=6).contains(&level) && line[level..].starts_with(' ');
        if !is_heading {
            body.push_str(line);
            body.push('\n');
            continue;
        }
        flush(&heading, heading_anchor, &mut body, &doc_title);
        heading = line[level..].trim().replace('`', "");
        heading_anchor = unique_anchor(&heading);
        if level == 1 && doc_title.is_none() {
            doc_title = Some(heading.clone());
        }
    }
    flush(&heading, heading_anchor, &mut body, &doc_title);
    sections
}

/// Every section of every embedded doc, by file, and their fingerprint (which changes with any
/// of their text).
pub fn sections() -> (Vec<DocSection>, String) {
    let mut files: Vec<String> = Docs::iter()
        .map(|f| f.into_owned())
        .filter(|f| f.ends_with(".md"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    let mut hash = Sha256::new();
    for name in files {
        let Some(file) = Docs::get(&name) else { continue };
        hash.update(name.as_bytes());
        hash.update(&file.data);
        let text = String::from_utf8_lossy(&file.data);
        all.extend(split(&format!("docs/{name}"), &text));
    }
    (all, hex::encode(hash.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doc_is_split_at_its_headings() {
        let md = "# Fleetdeck — API\n\nIntro text.\n\n## Incidents and postmortems\n\nOpen one.\n\n```sh\n# not a heading\n```\n\
                  ### `GET /api/audit/verify`\nVerify.\n## Empty\n\n####### seven is text\n#hashtag\n## Empty\nAgain.\n";
        let s = split("docs/api.md", md);
        let got: Vec<(&str, &str, &str)> = s
            .iter()
            .map(|d| (d.anchor.as_str(), d.title.as_str(), d.body.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("fleetdeck--api", "Fleetdeck — API", "Intro text."),
                (
                    "incidents-and-postmortems",
                    "Fleetdeck — API — Incidents and postmortems",
                    "Open one.\n\n```sh\n# not a heading\n```"
                ),
                (
                    "get-apiauditverify",
                    "Fleetdeck — API — GET /api/audit/verify",
                    "Verify."
                ),
                ("empty", "Fleetdeck — API — Empty", "####### seven is text\n#hashtag"),
                ("empty-1", "Fleetdeck — API — Empty", "Again."),
            ]
        );
        assert_eq!(s[1].id(), "api.md#incidents-and-postmortems");
        assert_eq!(split("docs/x.md", "no heading at all")[0].id(), "x.md");
        assert_eq!(split("docs/x.md", "no heading at all")[0].title, "docs/x.md");
    }

    #[test]
    fn the_embedded_docs_are_all_there() {
        let (all, fingerprint) = sections();
        assert!(all.iter().any(|s| s.file == "docs/architecture.md"), "architecture");
        assert!(
            all.iter().any(|s| s.id() == "api.md#runbooks-and-fixes"),
            "api sections"
        );
        let mut ids: Vec<String> = all.iter().map(DocSection::id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "ids are unique");
        assert_eq!(fingerprint.len(), 64);
        assert_eq!(sections().1, fingerprint, "stable");
    }
}
