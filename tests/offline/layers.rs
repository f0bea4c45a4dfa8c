//! The crate's modules form layers: no module may import, directly or through others, a
//! module that imports it back. This test reads `src/` as text (no build of the crate is
//! needed), finds every `crate::` path outside comments and unit tests, and fails with the
//! cycle it found. It checks the top-level modules (`client`, `cluster`, `commands`, ...) and,
//! inside each directory module, its submodules among themselves.
//!
//! It also prints the layer order it found (each module after everything it imports), which
//! docs/architecture.md describes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file below `src/`: `src/cluster/pipeline.rs` is `["cluster",
/// "pipeline"]`, `src/cluster/mod.rs` is `["cluster"]`, `src/lib.rs` is `[]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("below src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// The code of a file without comments, string literals and its `#[cfg(test)]` tail.
fn code_only(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' && (i == 0 || b[i - 1] != b'\'') {
            // A string literal (raw strings with quotes inside are not used in src/).
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// The module paths a piece of code names through `crate::` (with `use crate::{a, b::c}`
/// groups expanded one level), each as its segments.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let ident = |s: &str| -> Vec<String> {
        s.split("::")
            .map(|p| {
                p.trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|p| !p.is_empty())
            .collect()
    };
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::` is the macro's own crate: seen where the macro is called.
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let p = ident(item);
                if !p.is_empty() {
                    found.push(p);
                }
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let p = ident(&rest[..end]);
            if !p.is_empty() {
                found.push(p);
            }
        }
    }
    found
}

/// What the crate root re-exports: `pub use client::{ClientBuilder, StrictRedis};` in
/// lib.rs maps `StrictRedis` to `client`, so `crate::StrictRedis` counts as an import of
/// `client`.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for stmt in code_only(lib).split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            // `a::B` inside the group, `B as C`: the name is the last word.
            let name = item.split_whitespace().last().unwrap_or("");
            let name = name.rsplit("::").next().unwrap_or("");
            if !name.is_empty() {
                names.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    names
}

/// A cycle in `graph`, if any, as the list of its nodes.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        mark: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        mark.insert(n.to_string(), Mark::Open);
        stack.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            match mark.get(m).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = stack.iter().position(|s| s == m).expect("on the stack");
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(m, graph, mark, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        mark.insert(n.to_string(), Mark::Done);
        None
    }
    let mut mark = BTreeMap::new();
    for n in graph.keys() {
        if mark.get(n).copied().unwrap_or(Mark::New) == Mark::New {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, graph, &mut mark, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

/// The groups of two or more modules that all reach each other (the strongly connected
/// components), to say everything that must be untangled at once.
fn tangles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for m in graph.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|n| (n, reach(n))).collect();
    let mut groups: Vec<BTreeSet<String>> = Vec::new();
    for (n, r) in &reaches {
        if !r.contains(*n) || groups.iter().any(|g| g.contains(*n)) {
            continue;
        }
        let group: BTreeSet<String> = r
            .iter()
            .filter(|m| reaches.get(m).is_some_and(|rm| rm.contains(*n)))
            .cloned()
            .collect();
        groups.push(group);
    }
    groups
}

/// The dependency graphs to check: `""` for the top-level modules, and `"cluster"` (say)
/// for the submodules of `cluster` among themselves.
fn graphs() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let lib = fs::read_to_string(src.join("lib.rs")).expect("read src/lib.rs");
    let reexports = root_reexports(&lib);
    let mut graphs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in &files {
        let from = module_path(&src, file);
        if from.is_empty() {
            continue; // lib.rs re-exports everything: it is the top, not a layer.
        }
        let text = fs::read_to_string(file).expect("read a source file");
        let code = code_only(&text);
        graphs
            .entry(String::new())
            .or_default()
            .entry(from[0].clone())
            .or_default();
        let mut uses = crate_paths(&code);
        // `super::x` inside a submodule names a sibling of the same parent.
        if from.len() >= 2 {
            let parent = from[..from.len() - 1].to_vec();
            let mut rest = code.as_str();
            while let Some(i) = rest.find("super::") {
                rest = &rest[i + "super::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    let mut p = parent.clone();
                    p.push(name);
                    uses.push(p);
                }
            }
        }
        for mut to in uses {
            if let Some(module) = reexports.get(&to[0]) {
                to.insert(0, module.clone());
            }
            if to[0] != from[0] {
                let top = graphs.entry(String::new()).or_default();
                top.entry(from[0].clone())
                    .or_default()
                    .insert(to[0].clone());
            } else if from.len() >= 2 && to.len() >= 2 && to[1] != from[1] {
                // Two submodules of the same directory module.
                let g = graphs.entry(from[0].clone()).or_default();
                g.entry(from[1].clone()).or_default().insert(to[1].clone());
            }
        }
    }
    graphs
}

#[test]
fn no_import_cycle_between_modules() {
    let graphs = graphs();
    let mut cycles = Vec::new();
    for (scope, g) in &graphs {
        // Only submodules that exist as files count (`crate::cluster::RedisCluster` names a
        // type in cluster/mod.rs, not a submodule).
        let nodes: BTreeSet<&String> = g.keys().collect();
        let g: BTreeMap<String, BTreeSet<String>> = g
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.iter().filter(|m| nodes.contains(m)).cloned().collect(),
                )
            })
            .collect();
        if let Some(c) = find_cycle(&g) {
            let scope = if scope.is_empty() {
                "crate".to_string()
            } else {
                scope.clone()
            };
            let tangled: Vec<String> = tangles(&g)
                .into_iter()
                .map(|t| format!("{{{}}}", t.into_iter().collect::<Vec<_>>().join(", ")))
                .collect();
            cycles.push(format!(
                "{scope}: {} (modules that import each other: {})",
                c.join(" -> "),
                tangled.join(" ")
            ));
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles between modules (each module may import only from layers below it):\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_checker_resolves_root_reexports() {
    let map = root_reexports("pub mod a;\npub use client::{ClientBuilder, StrictRedis};\npub use cmd::{cmd, Cmd as C};\npub use value::Value;\n");
    assert_eq!(map["StrictRedis"], "client");
    assert_eq!(map["ClientBuilder"], "client");
    assert_eq!(map["C"], "cmd");
    assert_eq!(map["Value"], "value");
}

#[test]
fn the_checker_finds_a_cycle_and_reads_use_groups() {
    let code = code_only(
        "use crate::{a::X, b};\n// crate::c\nlet s = \"crate::d\";\nfn f() { crate::e::g(); $crate::h::i }\n",
    );
    let names: Vec<String> = crate_paths(&code)
        .into_iter()
        .map(|p| p[0].clone())
        .collect();
    assert_eq!(names, ["a", "b", "e"]);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default();
    assert_eq!(find_cycle(&g), None);
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
