//! Prints the presets table as an ES module for pkg/presets.js (run by scripts/build.sh), so the
//! JS `presets` export is generated from the one table in src/preset.rs.

fn main() {
    let json = serde_json::to_string_pretty(&bedrock_connect::preset::to_json()).unwrap_or_default();
    println!("/** Model-family presets: generated from src/preset.rs by scripts/build.sh; do not edit. */");
    println!("export const presets = Object.freeze({json});");
}
