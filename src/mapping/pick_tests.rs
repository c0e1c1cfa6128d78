//! The picked parse (`bedrock_connect_scan::pick`) against the whole one, through the JSONPath
//! engine: every RFC 9535 selector kind finds the same located nodes in both.

use bedrock_connect_scan::pick::Pick;
use crate::testing::json_ish;
use proptest::prelude::*;
use serde_json::Value;

use super::Path;

/// Paths over the generated documents' keys: names, quoted names, wildcards, indices,
/// slices, unions, filters with comparisons, existence tests and functions.
const PATHS: &[&str] = &[
    "$", "$.a", "$.a.b", "$['a']['b'].c", "$.*", "$.a.*", "$[*].a", "$[0]", "$.a[1]", "$.a[-1].b", "$.b[1:3]",
    "$.a[::2].c", "$['a', 'b']", "$[0, 'a'].b", "$.a[?@.type == 'text'].text", "$[?@.b]", "$.a[?@.b > 1]",
    "$[?@.c == @.b].a", "$.*[?@.type != 'text' && @.c].b", "$[?length(@.a) == 2]", "$[?count(@.*) > 1].c",
    "$.a[?match(@.type, 't.*')]", "$.b[?search(@, 'x')]", "$[?@.a.b == 1 || !@.c].type", "$[?value(@.a) == null]",
    "$.a[?@[0] == 1]", "$[?count(@['b'][*]) > 1].a", "$.c[?@.a[?@.b]]", "$ .a [ 'b' ].c", "$.a[?(@.b)].c",
];

fn doc() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..4).prop_map(Value::from),
        prop::sample::select(vec!["text", "thinking", "x", "tx"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(vec!["a", "b", "c", "type", "text"]), inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

fn all_paths() -> Pick {
    Pick::union(PATHS.iter().map(|p| Pick::of(p)).collect::<Vec<_>>().iter().map(Option::as_ref)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Whatever the reader accepts, serde accepts, with the same answer for every path.
    #[test]
    fn the_reader_agrees_with_serde(json in json_ish(), cut in any::<prop::sample::Index>(), flip in any::<bool>()) {
        let json = if flip { json.get(..cut.index(json.len() + 1)).unwrap_or(&json).to_string() } else { json };
        let whole = serde_json::from_str::<Value>(&json);
        for (path, pick) in PATHS.iter().map(|p| (*p, Pick::of(p).unwrap())).chain([("(all)", all_paths())]) {
            if let Some(picked) = pick.parse(json.as_bytes()) {
                prop_assert!(whole.is_ok(), "serde refuses what the reader took: {} ({:?})", json, whole.as_ref().err());
                let whole = whole.as_ref().unwrap();
                for p in PATHS.iter().filter(|p| path == "(all)" || **p == path) {
                    let p = Path::parse(p, "path").unwrap();
                    prop_assert_eq!(p.query_located(&picked), p.query_located(whole), "{} over {}", p.source, json);
                }
            }
        }
    }

    #[test]
    fn picked_documents_answer_every_path_like_whole_ones(doc in doc(), dup in any::<bool>()) {
        let mut text = doc.to_string();
        if dup && text.starts_with("{\"") {
            text.insert_str(1, r#""a": {"b": 1, "c": [2]}, "#); // a duplicate key: the last one wins in both
        }
        let whole: Value = serde_json::from_str(&text).unwrap();
        for path in PATHS {
            let p = Path::parse(path, "path").unwrap();
            let pick = Pick::of(path).unwrap();
            let picked = pick.parse(text.as_bytes()).unwrap();
            prop_assert_eq!(p.query_located(&picked), p.query_located(&whole), "{} over {}", path, text);
        }
        let picked = all_paths().parse(text.as_bytes()).unwrap();
        for path in PATHS {
            let p = Path::parse(path, "path").unwrap();
            prop_assert_eq!(p.query_located(&picked), p.query_located(&whole), "{} (all paths) over {}", path, text);
        }
    }
}
