//! Embeds the course (`lessons/` and `checks/`) in the binary, so `dockerlearn start`
//! works from a single file; `--lessons DIR` replaces it at run time.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let mut entries = String::from("pub static FILES: &[(&str, &str)] = &[\n");
    for dir in ["lessons", "checks"] {
        println!("cargo:rerun-if-changed={dir}");
        let Ok(read) = std::fs::read_dir(Path::new(&root).join(dir)) else {
            continue;
        };
        let mut names: Vec<String> = read
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md") || n.ends_with(".yaml"))
            .collect();
        names.sort();
        for name in names {
            writeln!(
                entries,
                "    (\"{dir}/{name}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{dir}/{name}\"))),"
            )
            .unwrap();
        }
    }
    entries.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(out, entries).unwrap();
}
