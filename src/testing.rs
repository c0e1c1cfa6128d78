//! Test data shared by the proptests of the stream's delta scanner and the picked parse.

use proptest::prelude::*;

/// JSON-ish text: valid and invalid numbers, literals, strings with every escape (and bad
/// ones), the keys the paths use, duplicates, and random whitespace.
pub fn json_ish() -> impl Strategy<Value = String> {
    let ws = prop::sample::select(vec!["", " ", "\n", "\t ", "\r\n"]);
    let number = prop::sample::select(vec!["0", "-0", "12", "1.5", "1e5", "-2.5E-3", "1E+2", "01", "1.", "-", "1e", ".5", "+1", "1.5e3x"]);
    let literal = prop::sample::select(vec!["true", "false", "null", "tru", "nulL"]);
    let piece = prop::sample::select(vec!["a", "Hello ", "é", "😀", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\udc00x", "\\x", "\u{1}", "\\u12"]);
    let string = prop::collection::vec(piece, 0..4).prop_map(|p| format!("\"{}\"", p.concat()));
    let leaf = prop_oneof![number.prop_map(String::from), literal.prop_map(String::from), string];
    let key = prop::sample::select(vec!["delta", "text", "type", "outputs", "amazon-bedrock-invocationMetrics", "d\\u0065lta", "é", "", "a", "b", "c"]);
    leaf.prop_recursive(4, 48, 5, move |inner| {
        let ws = ws.clone();
        prop_oneof![
            (prop::collection::vec((key.clone(), inner.clone(), ws.clone()), 0..5), ws.clone()).prop_map(|(members, w)| {
                let body: Vec<String> = members.iter().map(|(k, v, w2)| format!("{w2}\"{k}\"{w}:{w2}{v}")).collect();
                format!("{{{w}{}}}", body.join(","))
            }),
            (prop::collection::vec(inner, 0..4), ws).prop_map(|(items, w)| format!("[{w}{}{w}]", items.join(&format!(",{w}")))),
        ]
    })
}
