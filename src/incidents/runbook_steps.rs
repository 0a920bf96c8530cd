//! A runbook's steps, read from its Markdown body (pure): its task-list items (`- [ ] …`), or,
//! when it has none, its ordered-list items (`1. …`). Lines indented under an item are its
//! detail; fenced code blocks are skipped, so a list inside one is not a step.

/// The most characters of a step's title; the rest of its line goes to the detail.
const TITLE_MAX_CHARS: usize = 200;

/// One step as the runbook words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookStep {
    pub title: String,
    pub detail: String,
}

/// The text after a task-list marker (`- [ ] `, `* [x] `, `+ [X] `), if the line is one.
fn task_item(line: &str) -> Option<&str> {
    let rest = line.strip_prefix(['-', '*', '+'])?.strip_prefix(' ')?.trim_start();
    let rest = rest
        .strip_prefix("[ ]")
        .or_else(|| rest.strip_prefix("[x]"))
        .or_else(|| rest.strip_prefix("[X]"))?;
    (rest.is_empty() || rest.starts_with(' ')).then(|| rest.trim())
}

/// The text after an ordered-list marker (`1. `, `12) `), if the line is one.
fn ordered_item(line: &str) -> Option<&str> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = line[digits..].strip_prefix(['.', ')'])?;
    (rest.is_empty() || rest.starts_with(' ')).then(|| rest.trim())
}

/// The items `marker` recognizes, each with the indented lines under it.
fn items(markdown: &str, marker: fn(&str) -> Option<&str>) -> Vec<RunbookStep> {
    let mut steps: Vec<RunbookStep> = Vec::new();
    // Whether the lines now read belong to the last item (indented under it, no other block since).
    let mut open = false;
    let mut fence: Option<&str> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            open = false;
            continue;
        }
        let indent = line.len() - trimmed.len();
        if let Some(text) = marker(trimmed).filter(|t| !t.is_empty()) {
            let (title, rest) = split_title(text);
            steps.push(RunbookStep { title, detail: rest });
            open = true;
        } else if open && indent > 0 && !trimmed.is_empty() {
            let step = steps.last_mut().expect("open only after an item");
            if !step.detail.is_empty() {
                step.detail.push('\n');
            }
            step.detail.push_str(trimmed);
        } else if !trimmed.is_empty() {
            open = false;
        }
    }
    steps
}

/// A title of at most `TITLE_MAX_CHARS`, and what did not fit.
fn split_title(text: &str) -> (String, String) {
    match text.char_indices().nth(TITLE_MAX_CHARS) {
        None => (text.to_string(), String::new()),
        Some((cut, _)) => (text[..cut].to_string(), text[cut..].to_string()),
    }
}

/// The steps of a runbook's body: its task list, else its ordered list, else none.
pub fn steps(markdown: &str) -> Vec<RunbookStep> {
    let tasks = items(markdown, task_item);
    if tasks.is_empty() {
        items(markdown, ordered_item)
    } else {
        tasks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(markdown: &str) -> Vec<String> {
        steps(markdown).into_iter().map(|s| s.title).collect()
    }

    #[test]
    fn task_lists_win_over_ordered_lists() {
        let md = "# Crash loop\n\n1. Read this first\n\n- [ ] Read the previous logs\n  `kubectl logs -p`\n  \
                  then compare\n- [x] Check the config\n* [ ] Roll back\n- plain bullet\n";
        let s = steps(md);
        assert_eq!(
            s.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(),
            ["Read the previous logs", "Check the config", "Roll back"]
        );
        assert_eq!(s[0].detail, "`kubectl logs -p`\nthen compare");
        assert_eq!(s[1].detail, "");
    }

    #[test]
    fn ordered_items_when_there_is_no_task_list() {
        assert_eq!(
            titles("Intro\n1. Look\n2) Fix\n   the limit\n10. Verify\n\nNot 3.a step\n"),
            ["Look", "Fix", "Verify"]
        );
        assert_eq!(steps("1. Look\n2) Fix\n   the limit\n")[1].detail, "the limit");
    }

    #[test]
    fn no_list_no_steps_and_code_is_not_a_list() {
        assert!(steps("Just prose.\n\n- a bullet\n").is_empty());
        assert!(steps("```\n- [ ] in code\n1. in code\n```\n").is_empty());
        assert_eq!(titles("~~~\n1. code\n~~~\n1. real\n"), ["real"]);
        // Empty items and markers without a space are not steps.
        assert!(steps("- [ ]\n-[ ] x\n1.x\n").is_empty());
    }

    #[test]
    fn a_long_item_keeps_the_rest_as_detail() {
        let long = format!("- [ ] {}tail", "é".repeat(TITLE_MAX_CHARS));
        let s = steps(&long);
        assert_eq!(s[0].title.chars().count(), TITLE_MAX_CHARS);
        assert_eq!(s[0].detail, "tail");
    }

    #[test]
    fn a_detail_line_after_an_unindented_paragraph_is_not_the_items() {
        let s = steps("1. One\nparagraph\n  indented\n2. Two\n");
        assert_eq!(s[0].detail, "");
        assert_eq!(s.len(), 2);
    }
}
