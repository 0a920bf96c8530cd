//! Layers import downward only. Every file under src/ is parsed with syn, each reference
//! to another module of the crate is resolved to the file that defines it, and the test
//! fails on an import from a layer above, on an import circle between files, and on a
//! file that no layer covers. Run with `--nocapture` to see the summary when it passes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use proc_macro2::{Spacing, Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Attribute, Item, UseTree};

/// Bottom to top: a module may import its own layer and those below (and see `rule_broken`).
const ORDER: [&str; 7] = ["base", "model", "store", "service", "clusters", "domain", "entry"];

/// Module prefix → layer; the longest matching prefix wins. A new domain adds one line.
const LAYERS: &[(&str, &str)] = &[
    ("", "entry"), // the crate root, src/lib.rs
    ("main", "entry"),
    ("api", "entry"),
    ("server", "entry"),
    ("config", "entry"),
    ("openapi", "entry"),
    ("system", "entry"),
    ("web", "entry"),
    // The auth router and its API types are a domain; the rest of auth is a service every router uses.
    ("auth::routes", "domain"),
    ("auth::model", "domain"),
    ("auth::accounts", "domain"),
    ("auth::oidc::routes", "domain"),
    ("inventory", "domain"),
    ("flux", "domain"),
    ("incidents", "domain"),
    ("signals", "domain"),
    ("billing", "domain"),
    ("clusters", "clusters"),
    ("auth", "service"),
    ("audit", "service"),
    ("kube", "service"),
    ("metrics", "service"),
    ("mail", "service"),
    ("store", "store"),
    // Plain data and pure rules the store keeps as they are; they import only models and base.
    ("auth::identity", "model"),
    ("audit::model", "model"),
    ("audit::chain", "model"),
    ("clusters::record", "model"),
    ("flux::model", "model"),
    ("body_limit", "base"),
    ("error", "base"),
    ("request", "base"),
    ("names", "base"),
    // The risk guard is pure and the inventory's apply calls it; it reads documents with the
    // manifests parser, which imports nothing of the crate.
    ("incidents::risk_guard", "model"),
    ("inventory::manifests", "model"),
    // Pure rules the action cores (clusters::actions) and remediation plans share: revisions and
    // the rollback patch, the drain plan and the selectors it reads, unified text diffs.
    ("inventory::rollout", "model"),
    ("inventory::drain_plan", "model"),
    ("inventory::selector", "model"),
    ("inventory::helm_diff", "model"),
    ("inventory::helm_release", "model"),
];

/// Imports the layers would allow but which are forbidden: (from, to, why).
const FORBIDDEN: &[(&str, &str, &str)] = &[("kube", "store", "kube must not import store")];

/// `module` is `prefix` or inside it. The root prefix "" covers the root alone, so that
/// a new module fails until it is placed in `LAYERS`.
fn within(module: &str, prefix: &str) -> bool {
    module == prefix || (!prefix.is_empty() && module.strip_prefix(prefix).is_some_and(|r| r.starts_with("::")))
}

/// (matching prefix, layer)
fn layer_of(module: &str) -> Option<(&'static str, &'static str)> {
    let matching = LAYERS.iter().copied().filter(|(p, _)| within(module, p));
    matching.max_by_key(|(p, _)| p.len())
}

/// The rule an import from module `from` into module `to` breaks, if any.
fn rule_broken(from: &str, to: &str) -> Option<&'static str> {
    // A module in no layer is reported on its own.
    let ((from_prefix, from_layer), (to_prefix, to_layer)) = (layer_of(from)?, layer_of(to)?);
    let rank = |layer| ORDER.iter().position(|l| *l == layer).expect("a layer of ORDER");
    // A domain is named by its prefix's first segment: auth::routes and auth::model are one.
    let domain = |prefix: &'static str| prefix.split("::").next();
    if let Some((_, _, why)) = FORBIDDEN.iter().find(|(a, b, _)| within(from, a) && within(to, b)) {
        Some(why)
    } else if from_layer == "domain" && to_layer == "domain" && domain(from_prefix) != domain(to_prefix) {
        Some("a domain must not import another domain")
    } else if rank(to_layer) > rank(from_layer) {
        Some("a layer imports only its own layer and those below")
    } else {
        None
    }
}

/// `src/a/b.rs` → `a::b`, `src/a/mod.rs` → `a`, `src/lib.rs` → `` (the crate root).
fn module_of(file: &str) -> String {
    let path = file.strip_prefix("src/").unwrap_or(file);
    let path = path.strip_suffix(".rs").unwrap_or(path);
    let path = path.strip_suffix("/mod").unwrap_or(path);
    let path = if path == "lib" { "" } else { path };
    path.replace('/', "::")
}

/// `a::b` → ["a", "b"], `` → [].
fn segments(module: &str) -> Vec<String> {
    module.split("::").filter(|s| !s.is_empty()).map(String::from).collect()
}

/// A path seen from module `cur`, made crate-absolute; None if it leads out of the crate.
/// `aliases` are the names that `mod x;` and `use` bound in the file.
fn absolute(cur: &[String], aliases: &HashMap<String, Vec<String>>, path: &[String]) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    let (mut abs, mut rest) = match first.as_str() {
        // The binary reaches the library by the crate's name.
        "crate" | "fleetdeck" => (vec![], rest),
        "self" => (cur.to_vec(), rest),
        "super" => (cur.to_vec(), path),
        name => (aliases.get(name)?.clone(), rest),
    };
    while let Some((s, tail)) = rest.split_first()
        && s == "super"
    {
        abs.pop()?;
        rest = tail;
    }
    abs.extend(rest.iter().cloned());
    Some(abs)
}

/// The longest prefix of `abs` that is a module with a file; the crate root if none is.
fn owner(modules: &BTreeSet<String>, abs: &[String]) -> String {
    let mut prefixes = (0..=abs.len()).rev().map(|n| abs[..n].join("::"));
    prefixes.find(|m| modules.contains(m)).unwrap_or_default()
}

/// The strongly connected components of more than one file. src/ is small, so a
/// component is simply found as the files that reach each other.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut reaches: BTreeMap<&String, BTreeSet<&String>> = BTreeMap::new();
    for from in graph.keys() {
        let (mut seen, mut todo) = (BTreeSet::new(), vec![from]);
        while let Some(n) = todo.pop() {
            todo.extend(graph.get(n).into_iter().flatten().filter(|next| seen.insert(*next)));
        }
        reaches.insert(from, seen);
    }
    let mut out: Vec<Vec<String>> = vec![];
    for (n, r) in &reaches {
        let back = |m: &&&String| reaches.get(*m).is_some_and(|b| b.contains(n));
        let scc: Vec<String> = r.iter().filter(back).map(|m| m.to_string()).collect();
        if scc.len() > 1 && !out.iter().any(|c| c.contains(n)) {
            out.push(scc);
        }
    }
    out
}

fn line(span: Span) -> usize {
    span.start().line
}

/// `#[cfg(test)]`: unit tests may reach anywhere, so they are not checked.
fn is_cfg_test(attrs: &[Attribute]) -> bool {
    let cfg = |l: &syn::MetaList| l.path.is_ident("cfg") && l.tokens.to_string() == "test";
    attrs.iter().any(|a| matches!(&a.meta, syn::Meta::List(l) if cfg(l)))
}

fn item_attrs(item: &Item) -> &[Attribute] {
    use syn::*;
    match item {
        Item::Const(ItemConst { attrs, .. })
        | Item::Enum(ItemEnum { attrs, .. })
        | Item::ExternCrate(ItemExternCrate { attrs, .. })
        | Item::Fn(ItemFn { attrs, .. })
        | Item::ForeignMod(ItemForeignMod { attrs, .. })
        | Item::Impl(ItemImpl { attrs, .. })
        | Item::Macro(ItemMacro { attrs, .. })
        | Item::Mod(ItemMod { attrs, .. })
        | Item::Static(ItemStatic { attrs, .. })
        | Item::Struct(ItemStruct { attrs, .. })
        | Item::Trait(ItemTrait { attrs, .. })
        | Item::TraitAlias(ItemTraitAlias { attrs, .. })
        | Item::Type(ItemType { attrs, .. })
        | Item::Union(ItemUnion { attrs, .. })
        | Item::Use(ItemUse { attrs, .. }) => attrs,
        _ => &[],
    }
}

/// Every reference of one file to a module of the crate: (crate-absolute path, line).
struct Collector {
    cur: Vec<String>,
    aliases: HashMap<String, Vec<String>>,
    refs: Vec<(Vec<String>, usize)>,
}

impl Collector {
    fn add(&mut self, path: &[String], line: usize) {
        if let Some(abs) = absolute(&self.cur, &self.aliases, path) {
            self.refs.push((abs, line));
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &UseTree) {
        let (ident, rename) = match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
                return;
            }
            UseTree::Group(g) => return g.items.iter().for_each(|t| self.use_tree(prefix, t)),
            UseTree::Glob(g) => return self.add(prefix, line(g.star_token.span)),
            UseTree::Name(n) => (&n.ident, None),
            UseTree::Rename(r) => (&r.ident, Some(&r.rename)),
        };
        let mut path = prefix.clone();
        if ident != "self" {
            path.push(ident.to_string());
        }
        if let Some(abs) = absolute(&self.cur, &self.aliases, &path) {
            self.refs.push((abs.clone(), line(ident.span())));
            // Remember the bound name, so that `merge::x()` after `use super::merge;` resolves.
            if let Some(name) = rename.map(|r| r.to_string()).or(path.last().cloned()) {
                self.aliases.insert(name, abs);
            }
        }
    }

    /// Paths in tokens that syn leaves unparsed (macro bodies, attribute arguments): every
    /// `a::b::c` run, `$crate::x` included (`$` is a token of its own).
    fn scan(&mut self, tokens: TokenStream) {
        let tts: Vec<TokenTree> = tokens.into_iter().collect();
        let colon = |i: usize| matches!(tts.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ':');
        let joint = |i: usize| matches!(tts.get(i), Some(TokenTree::Punct(p)) if p.spacing() == Spacing::Joint);
        let sep = |i: usize| colon(i) && joint(i) && colon(i + 1);
        for (i, tt) in tts.iter().enumerate() {
            match tt {
                TokenTree::Group(g) => self.scan(g.stream()),
                TokenTree::Ident(first) if i < 2 || !sep(i - 2) => {
                    let (mut path, mut j) = (vec![first.to_string()], i + 1);
                    while let (true, Some(TokenTree::Ident(next))) = (sep(j), tts.get(j + 2)) {
                        path.push(next.to_string());
                        j += 3;
                    }
                    if path.len() > 1 {
                        self.add(&path, line(first.span()));
                    }
                }
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, item: &'ast Item) {
        if !is_cfg_test(item_attrs(item)) {
            visit::visit_item(self, item);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_cfg_test(&f.attrs) {
            visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        // `mod x;` declares, it does not import; an inline `mod x { .. }` moves `self` and `super`.
        if m.content.is_some() {
            self.cur.push(m.ident.to_string());
            visit::visit_item_mod(self, m);
            self.cur.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if u.leading_colon.is_none() {
            self.use_tree(&mut vec![], &u.tree);
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        // A single segment is a local name (a variable may be named like a module).
        if p.leading_colon.is_none() && p.segments.len() > 1 {
            let path: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
            self.add(&path, line(p.segments[0].ident.span()));
        }
        visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.scan(m.tokens.clone());
        visit::visit_macro(self, m);
    }

    fn visit_meta_list(&mut self, m: &'ast syn::MetaList) {
        self.scan(m.tokens.clone());
        visit::visit_meta_list(self, m);
    }
}

/// The references of one file, in source order.
fn references(file: &str, text: &str) -> Vec<(Vec<String>, usize)> {
    let ast = syn::parse_file(text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let cur = segments(&module_of(file));
    // Child modules are names in scope even for a `use` above their `mod x;`.
    let mut aliases = HashMap::new();
    for item in &ast.items {
        if let Item::Mod(m) = item
            && m.content.is_none()
        {
            let child = [cur.clone(), vec![m.ident.to_string()]].concat();
            aliases.insert(m.ident.to_string(), child);
        }
    }
    let mut collector = Collector {
        cur,
        aliases,
        refs: vec![],
    };
    collector.visit_file(&ast);
    collector.refs.sort_by_key(|(_, line)| *line);
    collector.refs
}

struct Report {
    violations: Vec<String>,
    circles: Vec<Vec<String>>,
    summary: String,
}

/// Checks (`src/a/b.rs`, source) pairs. An edge is one file importing another: it is
/// counted once and reported at its first line.
fn check(sources: &[(String, String)]) -> Report {
    let files: BTreeMap<String, &String> = sources.iter().map(|(f, _)| (module_of(f), f)).collect();
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let (mut edges, mut violations, mut graph) = (0, vec![], BTreeMap::new());
    for (file, text) in sources {
        let module = module_of(file);
        if layer_of(&module).is_none() {
            violations.push(format!("{file}:1: {module} is in no layer: add it to LAYERS"));
        }
        let mut seen = BTreeSet::new();
        for (abs, line) in references(file, text) {
            let target = owner(&modules, &abs);
            if target == module || !seen.insert(target.clone()) {
                continue;
            }
            edges += 1;
            // The crate root (AppState) is how every axum handler reaches shared state.
            if target.is_empty() {
                continue;
            }
            let entry: &mut BTreeSet<String> = graph.entry(file.clone()).or_default();
            entry.insert(files[&target].clone());
            if let Some(why) = rule_broken(&module, &target) {
                let layer = |m: &str| layer_of(m).map_or("none", |(_, l)| l);
                let (from, to) = (layer(&module), layer(&target));
                violations.push(format!(
                    "{file}:{line}: {module} ({from}) imports {target} ({to}): {why}"
                ));
            }
        }
    }
    let circles = circles(&graph);
    let (files, count) = (sources.len(), violations.len());
    let in_circles: usize = circles.iter().map(Vec::len).sum();
    let summary =
        format!("{files} files scanned, {edges} edges, {count} violations, {in_circles} files in import circles");
    Report {
        violations,
        circles,
        summary,
    }
}

#[test]
fn src_layers_import_downward_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut sources, mut dirs) = (vec![], vec![root.join("src")]);
    while let Some(dir) = dirs.pop() {
        for path in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let file = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                sources.push((file, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    sources.sort();
    let report = check(&sources);
    if !report.violations.is_empty() || !report.circles.is_empty() {
        let mut lines = report.violations;
        for c in &report.circles {
            lines.push(format!("import circle of {} files: {}", c.len(), c.join(", ")));
        }
        panic!("layers import downward only:\n{}\n{}", lines.join("\n"), report.summary);
    }
    println!("{}", report.summary);
}

// The checker on small synthetic crates: it must be able to fail, and to pass.

fn run(files: &[(&str, &str)]) -> Report {
    let files: Vec<_> = files.iter().map(|(f, s)| (f.to_string(), s.to_string())).collect();
    check(&files)
}

#[test]
fn layers_and_paths_resolve() {
    let layer = |m: &str| layer_of(m).map(|(_, l)| l);
    assert!(LAYERS.iter().all(|(_, l)| ORDER.contains(l)));
    assert_eq!(layer(""), Some("entry"));
    assert_eq!(layer("auth::routes"), Some("domain"));
    assert_eq!(layer("auth::resolve"), Some("service"));
    assert_eq!(layer("flux::cache"), Some("domain"));
    assert_eq!(layer("authx"), None);
    let modules: BTreeSet<String> = ["", "a", "a::b", "c"].map(String::from).into();
    let resolve = |cur: &str, path: &str| {
        let abs = absolute(&segments(cur), &HashMap::new(), &segments(path));
        abs.map(|abs| owner(&modules, &abs))
    };
    assert_eq!(resolve("", "crate::a::b::C").as_deref(), Some("a::b"));
    assert_eq!(resolve("", "crate::a::x::f").as_deref(), Some("a"));
    assert_eq!(resolve("a::b", "super::D").as_deref(), Some("a"));
    assert_eq!(resolve("a", "super::AppState").as_deref(), Some(""));
    assert_eq!(resolve("a::b", "super::super::c::f").as_deref(), Some("c"));
    assert_eq!(resolve("a", "self::b::f").as_deref(), Some("a::b"));
    assert_eq!(resolve("", "super::x"), None);
    assert_eq!(resolve("a", "serde::Serialize"), None);
    assert_eq!(module_of("src/a/mod.rs") + "/" + &module_of("src/a/b.rs"), "a/a::b");
}

#[test]
fn every_kind_of_reference_is_collected() {
    let error = r#"
        use crate::{store::{self as db}, kube::client::Client as C};
        use super::metrics::*;
        use crate::auth;
        mod inner;
        fn f(x: crate::audit::Event) { crate::server::now(); auth::resolve::who(); inner::g(); db::h() }
        macro_rules! m { () => { $crate::flux::X } }
        #[utoipa::path(get, responses((status = 200, body = crate::inventory::Y)))]
        fn g() {}
        #[cfg(test)]
        mod tests { use crate::web::X; }
    "#;
    let mut files = vec![("src/error/mod.rs", error)];
    let empty = "lib store/mod kube/client metrics auth/mod auth/resolve audit server flux/mod inventory/mod web";
    for f in empty.split(' ').chain(["error/inner"]) {
        files.push((String::leak(format!("src/{f}.rs")), ""));
    }
    let report = run(&files);
    let targets: Vec<&str> = report.violations.iter().map(|v| v.split(' ').nth(4).unwrap()).collect();
    let expected = "store kube::client metrics auth audit server auth::resolve flux inventory";
    assert_eq!(targets.join(" "), expected, "{:#?}", report.violations);
    assert!(report.violations[0].starts_with("src/error/mod.rs:2: error (base) imports store (store): "));
}

#[test]
fn imports_from_above_are_reported() {
    let report = run(&[
        ("src/lib.rs", "pub mod store; use crate::store::Store;"),
        ("src/error.rs", "use crate::store::Store;"),
        ("src/store/mod.rs", "use crate::AppState;"),
        ("src/kube/mod.rs", "use crate::store::Store;"),
        ("src/auth/mod.rs", ""),
        (
            "src/auth/resolve.rs",
            "use crate::server::Ctx; use crate::auth::routes::X;",
        ),
        (
            "src/auth/routes.rs",
            "use super::model::A; use crate::clusters::C; use crate::flux::F;",
        ),
        ("src/auth/model.rs", ""),
        ("src/flux/mod.rs", "use crate::auth::Principal;"),
        ("src/clusters.rs", "use crate::inventory::I;"),
        ("src/inventory/mod.rs", ""),
        ("src/server.rs", "use crate::flux::F;"),
        ("src/unplaced/mod.rs", ""),
    ]);
    let below = "a layer imports only its own layer and those below";
    let expected = [
        format!("src/error.rs:1: error (base) imports store (store): {below}"),
        "src/kube/mod.rs:1: kube (service) imports store (store): kube must not import store".into(),
        format!("src/auth/resolve.rs:1: auth::resolve (service) imports server (entry): {below}"),
        format!("src/auth/resolve.rs:1: auth::resolve (service) imports auth::routes (domain): {below}"),
        "src/auth/routes.rs:1: auth::routes (domain) imports flux (domain): a domain must not import another domain"
            .into(),
        format!("src/clusters.rs:1: clusters (clusters) imports inventory (domain): {below}"),
        "src/unplaced/mod.rs:1: unplaced is in no layer: add it to LAYERS".into(),
    ];
    assert_eq!(report.violations, expected);
    assert!(report.circles.is_empty());
}

#[test]
fn import_circles_are_reported() {
    let report = run(&[
        ("src/lib.rs", "pub mod audit; pub mod error; pub use error::E;"),
        ("src/audit.rs", "use crate::metrics::Counter;"),
        ("src/metrics.rs", "pub fn f() { crate::audit::record() }"),
        ("src/store/mod.rs", "mod users; pub fn f() { users::all() }"),
        ("src/store/users.rs", "pub fn all() -> super::Row { todo!() }"),
        ("src/error.rs", "use crate::AppState;"), // the crate root closes no circle
    ]);
    let expected = [
        ["src/audit.rs", "src/metrics.rs"],
        ["src/store/mod.rs", "src/store/users.rs"],
    ];
    assert_eq!(report.circles, expected);
    assert_eq!(
        report.summary,
        "6 files scanned, 6 edges, 0 violations, 4 files in import circles"
    );
}

#[test]
fn a_clean_set_passes() {
    let report = run(&[
        ("src/lib.rs", "pub mod server; pub struct AppState;"),
        ("src/main.rs", "fn main() { fleetdeck::run() }"),
        ("src/server.rs", "use crate::{AppState, flux, inventory::routes};"),
        (
            "src/flux/mod.rs",
            "mod routes; use crate::clusters::C; fn f(s: crate::AppState) { routes::g() }",
        ),
        (
            "src/flux/routes.rs",
            "use crate::auth::Principal; use super::super::store::Store;",
        ),
        ("src/inventory/routes.rs", "use crate::kube::Client;"),
        ("src/clusters.rs", "use crate::{kube, store::Store, error::E};"),
        ("src/auth/mod.rs", "use crate::audit::Audit; use crate::store::Store;"),
        ("src/auth/routes.rs", "use super::model::User; use super::Role;"),
        ("src/auth/model.rs", "use super::Role;"),
        ("src/audit.rs", "use crate::metrics::M; use crate::AppState;"),
        ("src/kube/mod.rs", "use crate::metrics::M; use crate::error::ApiError;"),
        ("src/metrics.rs", ""),
        (
            "src/store/mod.rs",
            "use crate::names::Dns; #[cfg(test)] mod tests { use crate::server::X; }",
        ),
        ("src/names.rs", "use crate::request::Ctx;"),
        ("src/request.rs", "use super::error::E;"),
        ("src/error.rs", "use crate::AppState;"),
    ]);
    assert!(
        report.violations.is_empty() && report.circles.is_empty(),
        "{:#?}",
        report.violations
    );
    assert_eq!(
        report.summary,
        "17 files scanned, 26 edges, 0 violations, 0 files in import circles"
    );
}
