//! Build facts for /version, and where the console's files are (web/dist, or an empty folder
//! so that `cargo build` works before the console is built).

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dist = root.join("web/dist");
    let folder = if dist.join("index.html").is_file() {
        dist.clone()
    } else {
        let empty = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("web-not-built");
        std::fs::create_dir_all(&empty).unwrap();
        empty
    };
    println!("cargo:rustc-env=FLEETDECK_WEB_DIST={}", folder.display());
    println!("cargo:rerun-if-changed=web/dist");
    println!("cargo:rerun-if-changed=web/dist/index.html");

    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    // The commit's date, not the clock, so a build is reproducible.
    let date = git(&["log", "-1", "--format=%cI"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=FLEETDECK_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=FLEETDECK_BUILD_DATE={date}");
    if let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]) {
        println!("cargo:rerun-if-changed={head}");
    }
    if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]).and_then(|r| git(&["rev-parse", "--git-path", &r])) {
        println!("cargo:rerun-if-changed={r}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
