//! Embeds the Python worker (`worker/lathe_worker/*.py`) in the crate, so that installing lathe
//! is installing one binary. The generated list is included by src/embedded.rs.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
    let package = Path::new(&manifest).join("../../worker/lathe_worker");
    println!("cargo:rerun-if-changed={}", package.display());
    let mut files: Vec<_> = std::fs::read_dir(&package)
        .unwrap_or_else(|e| panic!("{}: {e}", package.display()))
        .map(|entry| entry.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    let mut code = String::from("/// The worker package's files: (name, source).\n");
    code.push_str("pub const WORKER_FILES: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("UTF-8 file name");
        let absolute = path.canonicalize().expect("existing file");
        writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            absolute.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("worker_files.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
