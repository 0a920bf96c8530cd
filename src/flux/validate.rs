//! Rules for the `depends_on` graph and references between catalog entries. Pure functions:
//! they take values and say what is wrong.

use std::collections::{BTreeMap, BTreeSet};

/// A cycle in the `depends_on` graph (`id → its dependencies`), as the ids along it with the
/// first repeated at the end; `None` when the graph is acyclic. Unknown ids are not followed.
pub fn find_cycle(graph: &BTreeMap<&str, Vec<&str>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit<'a>(
        id: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        marks: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match marks.get(id) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = path
                    .iter()
                    .position(|p| *p == id)
                    .expect("a visiting id is on the path");
                let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(id.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(id, Mark::Visiting);
        path.push(id);
        for dep in graph.get(id).into_iter().flatten() {
            if graph.contains_key(dep)
                && let Some(cycle) = visit(dep, graph, marks, path)
            {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(id, Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|id| visit(id, graph, &mut marks, &mut Vec::new()))
}

/// The ids in `wanted` that are not in `known`, sorted and without repeats.
pub fn unknown<'a>(wanted: impl IntoIterator<Item = &'a str>, known: &BTreeSet<&str>) -> Vec<String> {
    wanted
        .into_iter()
        .filter(|w| !known.contains(w))
        .map(str::to_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_with_their_path() {
        let g: BTreeMap<&str, Vec<&str>> = [
            ("a", vec!["b"]),
            ("b", vec!["c"]),
            ("c", vec![]),
            ("d", vec!["a", "missing"]),
        ]
        .into();
        assert_eq!(find_cycle(&g), None);
        let g: BTreeMap<&str, Vec<&str>> = [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"])].into();
        assert_eq!(
            find_cycle(&g),
            Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
        );
        let g: BTreeMap<&str, Vec<&str>> = [("self", vec!["self"])].into();
        assert_eq!(find_cycle(&g), Some(vec!["self".into(), "self".into()]));
    }

    #[test]
    fn unknown_ids() {
        let known: BTreeSet<&str> = ["a", "b"].into();
        assert_eq!(unknown(["b", "z", "y", "z"], &known), ["y", "z"]);
    }
}
