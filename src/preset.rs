//! Ready request templates and output mappings per model family (the "Test and map" defaults):
//! Anthropic Messages, Titan Text, Nova, Llama, Mistral, Cohere Command and Command R, AI21
//! Jamba, and the Converse API (`converse`). Every template takes the prompt variables `prompt` and `system.prompt`.
//! Embeddings families (`EMBEDDINGS`: Titan Text Embeddings, Cohere Embed) take `prompt`. Data only;
//! the JS `presets` object is generated from this table at build time (`examples/presets.rs`).

use crate::model_id;

/// JSONPaths of a preset's output mapping; `None` = not in the body (the token-count headers
/// are used instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresetMapping {
    pub output_text: &'static str,
    pub input_tokens: Option<&'static str>,
    pub output_tokens: Option<&'static str>,
    /// The text delta of one streamed chunk (InvokeModelWithResponseStream / ConverseStream).
    pub delta: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub family: &'static str,
    pub template: &'static str,
    pub mapping: PresetMapping,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        family: "anthropic",
        template: r#"{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, "system": "{{system.prompt}}", "messages": [{"role": "user", "content": [{"type": "text", "text": "{{prompt}}"}]}]}"#,
        mapping: PresetMapping {
            output_text: "$.content[?@.type=='text'].text",
            input_tokens: Some("$.usage.input_tokens"),
            output_tokens: Some("$.usage.output_tokens"),
            delta: "$.delta.text",
        },
    },
    Preset {
        family: "titan-text",
        template: r#"{"inputText": "{{system.prompt}}\n\nUser: {{prompt}}\nBot:", "textGenerationConfig": {"maxTokenCount": 1024, "temperature": 0.7, "topP": 0.9}}"#,
        mapping: PresetMapping {
            output_text: "$.results[*].outputText",
            input_tokens: Some("$.inputTextTokenCount"),
            output_tokens: Some("$.results[0].tokenCount"),
            delta: "$.outputText",
        },
    },
    Preset {
        family: "nova",
        template: r#"{"schemaVersion": "messages-v1", "system": [{"text": "{{system.prompt}}"}], "messages": [{"role": "user", "content": [{"text": "{{prompt}}"}]}], "inferenceConfig": {"maxTokens": 1024}}"#,
        mapping: PresetMapping {
            output_text: "$.output.message.content[*].text",
            input_tokens: Some("$.usage.inputTokens"),
            output_tokens: Some("$.usage.outputTokens"),
            delta: "$.contentBlockDelta.delta.text",
        },
    },
    Preset {
        family: "llama",
        template: r#"{"prompt": "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{{system.prompt}}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n{{prompt}}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", "max_gen_len": 1024, "temperature": 0.5}"#,
        mapping: PresetMapping {
            output_text: "$.generation",
            input_tokens: Some("$.prompt_token_count"),
            output_tokens: Some("$.generation_token_count"),
            delta: "$.generation",
        },
    },
    Preset {
        family: "mistral",
        template: r#"{"prompt": "<s>[INST] {{system.prompt}}\n\n{{prompt}} [/INST]", "max_tokens": 1024, "temperature": 0.5}"#,
        mapping: PresetMapping { output_text: "$.outputs[*].text", input_tokens: None, output_tokens: None, delta: "$.outputs[0].text" },
    },
    Preset {
        family: "cohere-command",
        template: r#"{"prompt": "{{system.prompt}}\n\n{{prompt}}", "max_tokens": 1024, "temperature": 0.5}"#,
        mapping: PresetMapping { output_text: "$.generations[0].text", input_tokens: None, output_tokens: None, delta: "$.text" },
    },
    Preset {
        family: "cohere-command-r",
        template: r#"{"message": "{{prompt}}", "preamble": "{{system.prompt}}", "max_tokens": 1024, "temperature": 0.5}"#,
        mapping: PresetMapping { output_text: "$.text", input_tokens: None, output_tokens: None, delta: "$.text" },
    },
    Preset {
        family: "jamba",
        template: r#"{"messages": [{"role": "system", "content": "{{system.prompt}}"}, {"role": "user", "content": "{{prompt}}"}], "max_tokens": 1024, "temperature": 0.5}"#,
        mapping: PresetMapping {
            output_text: "$.choices[0].message.content",
            input_tokens: Some("$.usage.prompt_tokens"),
            output_tokens: Some("$.usage.completion_tokens"),
            delta: "$.choices[0].delta.content",
        },
    },
    Preset {
        family: "converse",
        template: r#"{"messages": [{"role": "user", "content": [{"text": "{{prompt}}"}]}], "system": [{"text": "{{system.prompt}}"}], "inferenceConfig": {"maxTokens": 1024}}"#,
        mapping: PresetMapping {
            output_text: "$.output.message.content[*].text",
            input_tokens: Some("$.usage.inputTokens"),
            output_tokens: Some("$.usage.outputTokens"),
            delta: "$.delta.text",
        },
    },
];

/// An embeddings family (InvokeModel only: no stream, no output text): its template over
/// `prompt`, the vector as an extra mapped field, and the input token count (`None`: the
/// `X-Amzn-Bedrock-Input-Token-Count` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddingPreset {
    pub family: &'static str,
    pub template: &'static str,
    /// The extra field's name and its JSONPath.
    pub vector: (&'static str, &'static str),
    pub input_tokens: Option<&'static str>,
}

pub const EMBEDDINGS: &[EmbeddingPreset] = &[
    EmbeddingPreset {
        family: "titan-embed",
        template: r#"{"inputText": "{{prompt}}", "dimensions": 1024, "normalize": true}"#,
        vector: ("embedding", "$.embedding"),
        input_tokens: Some("$.inputTextTokenCount"),
    },
    EmbeddingPreset {
        family: "cohere-embed",
        template: r#"{"texts": ["{{prompt}}"], "input_type": "search_document"}"#,
        vector: ("embeddings", "$.embeddings"),
        input_tokens: None,
    },
];

pub fn embedding_by_family(family: &str) -> Option<&'static EmbeddingPreset> {
    EMBEDDINGS.iter().find(|p| p.family == family)
}

impl EmbeddingPreset {
    /// The output mapping: `outputText` none, the input token count, the vector as an extra field.
    pub fn output_mapping(&self) -> crate::error::Result<crate::mapping::OutputMapping> {
        crate::mapping::OutputMapping::new(None, self.input_tokens, None, &[(self.vector.0.to_string(), self.vector.1.to_string())])
    }
}

pub fn by_family(family: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.family == family)
}

/// The preset of a model ID whose family shows in the ID (base IDs, foundation-model ARNs,
/// system inference profiles); ARNs that hide it need `resolveModel` first.
pub fn for_model(model_id: &str) -> Option<&'static Preset> {
    let parsed = model_id::parse(model_id, model_id::Context::default()).ok()?;
    by_family(model_id::family_of(&parsed.model_id)?)
}

/// The prompt-cache (read, write) paths of a family that reports them in its body (else the
/// cache headers are used).
pub fn cache_paths(family: &str) -> (Option<&'static str>, Option<&'static str>) {
    match family {
        "anthropic" => (Some("$.usage.cache_read_input_tokens"), Some("$.usage.cache_creation_input_tokens")),
        _ => (None, None),
    }
}

/// The family of any preset (text or embeddings) of a model ID, as `presetFor` finds it; image
/// models have none.
pub fn family_for_model(model_id: &str) -> Option<&'static str> {
    let parsed = model_id::parse(model_id, model_id::Context::default()).ok()?;
    let family = model_id::family_of(&parsed.model_id)?;
    (by_family(family).is_some() || embedding_by_family(family).is_some()).then_some(family)
}

/// All presets as the JSON the JS `presets` export holds; `variables` are the template's own.
pub fn to_json() -> serde_json::Value {
    let mut all = serde_json::Map::new();
    for p in PRESETS {
        let variables = crate::template::Template::parse(p.template, true).map(|t| t.variables().to_vec()).unwrap_or_default();
        all.insert(
            p.family.to_string(),
            serde_json::json!({
                "family": p.family,
                "template": p.template,
                "variables": variables,
                "mapping": {
                    "outputText": p.mapping.output_text,
                    "inputTokens": p.mapping.input_tokens,
                    "outputTokens": p.mapping.output_tokens,
                    "cacheReadInputTokens": cache_paths(p.family).0,
                    "cacheWriteInputTokens": cache_paths(p.family).1,
                    "delta": p.mapping.delta,
                },
            }),
        );
    }
    for p in EMBEDDINGS {
        let variables = crate::template::Template::parse(p.template, true).map(|t| t.variables().to_vec()).unwrap_or_default();
        let mut mapping = serde_json::json!({ "outputText": null, "inputTokens": p.input_tokens, "outputTokens": null, "delta": null });
        if let Some(m) = mapping.as_object_mut() {
            m.insert(p.vector.0.to_string(), p.vector.1.into());
        }
        all.insert(p.family.to_string(), serde_json::json!({ "family": p.family, "template": p.template, "variables": variables, "mapping": mapping }));
    }
    serde_json::Value::Object(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{OutputMapping, Source};
    use serde_json::Value;

    fn fixture(family: &str) -> Value {
        let path = format!("{}/tests/fixtures/responses/{family}.json", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn every_preset_maps_its_family_fixture() {
        for p in PRESETS.iter().filter(|p| p.family != "converse") {
            let fx = fixture(p.family);
            let headers = vec![
                ("x-amzn-bedrock-input-token-count".to_string(), fx["inputTokens"].to_string()),
                ("x-amzn-bedrock-output-token-count".to_string(), fx["outputTokens"].to_string()),
            ];
            let m = OutputMapping::new(Some(p.mapping.output_text), p.mapping.input_tokens, p.mapping.output_tokens, &[]).unwrap();
            let got = m.apply(&fx["response"], &headers).unwrap();
            let text = got.output_text.unwrap_or_default();
            assert!(!text.is_empty(), "{}", p.family);
            let source = if p.mapping.input_tokens.is_some() { Source::Body } else { Source::Headers };
            assert_eq!(got.input_tokens, Some((fx["inputTokens"].as_u64().unwrap(), source)), "{}", p.family);
            assert_eq!(got.output_tokens, Some((fx["outputTokens"].as_u64().unwrap(), source)), "{}", p.family);
        }
    }

    #[test]
    fn every_template_is_valid_and_takes_prompt_and_system_prompt() {
        for p in PRESETS {
            let t = crate::template::Template::parse(p.template, true).unwrap();
            let mut vars = t.variables().to_vec();
            vars.sort();
            assert_eq!(vars, ["prompt", "system.prompt"], "{}", p.family);
        }
    }

    #[test]
    fn exact_text_for_claude_and_llama() {
        let m = |f: &str| {
            let p = by_family(f).unwrap();
            OutputMapping::new(Some(p.mapping.output_text), None, None, &[]).unwrap().apply(&fixture(f)["response"], &[]).unwrap().output_text
        };
        assert_eq!(m("anthropic").as_deref(), Some("👋🌍"));
        assert_eq!(m("llama").as_deref(), fixture("llama")["response"]["generation"].as_str());
    }

    #[test]
    fn preset_for_model_ids() {
        assert_eq!(for_model("anthropic.claude-3-haiku-20240307-v1:0").map(|p| p.family), Some("anthropic"));
        assert_eq!(for_model("us.anthropic.claude-3-5-sonnet-20241022-v2:0").map(|p| p.family), Some("anthropic"));
        assert_eq!(for_model("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0").map(|p| p.family), Some("nova"));
        assert_eq!(for_model("cohere.command-r-plus-v1:0").map(|p| p.family), Some("cohere-command-r"));
        assert_eq!(for_model("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc").map(|p| p.family), None);
        assert_eq!(for_model("stability.sd3-large-v1:0"), None);
        assert_eq!(for_model("not an id"), None);
    }

    #[test]
    fn embeddings_presets_map_their_fixtures() {
        for p in EMBEDDINGS {
            let fx = fixture(p.family);
            let headers = vec![("x-amzn-bedrock-input-token-count".to_string(), fx["inputTokens"].to_string())];
            let got = p.output_mapping().unwrap().apply(&fx["response"], &headers).unwrap();
            assert_eq!(got.output_text, None, "{}", p.family);
            assert_eq!(got.input_tokens.map(|(n, _)| n), fx["inputTokens"].as_u64(), "{}", p.family);
            assert_eq!(got.output_tokens, None);
            assert_eq!(got.extra, vec![(p.vector.0.to_string(), fx["response"][p.vector.0].clone())], "{}", p.family);
            let t = crate::template::Template::parse(p.template, true).unwrap();
            assert_eq!(t.variables(), ["prompt"]);
        }
        assert_eq!(to_json()["titan-embed"]["mapping"], serde_json::json!({"outputText": null, "inputTokens": "$.inputTextTokenCount", "outputTokens": null, "delta": null, "embedding": "$.embedding"}));
    }

    #[test]
    fn image_models_have_no_preset() {
        for id in ["amazon.nova-canvas-v1:0", "amazon.nova-reel-v1:1", "amazon.titan-image-generator-v2:0", "stability.sd3-5-large-v1:0", "us.stability.stable-image-core-v1:1"] {
            assert_eq!(for_model(id), None, "{id}");
            assert_eq!(model_id::family_of(id), None, "{id}");
        }
        assert_eq!(model_id::family_of("amazon.titan-embed-text-v2:0"), Some("titan-embed"));
        assert_eq!(model_id::family_of("cohere.embed-multilingual-v3"), Some("cohere-embed"));
        assert_eq!(model_id::family_of("amazon.nova-lite-v1:0"), Some("nova"));
        assert_eq!(family_for_model("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"), Some("titan-embed"));
        assert_eq!(family_for_model("amazon.nova-canvas-v1:0"), None);
        assert_eq!(family_for_model("amazon.nova-pro-v1:0"), Some("nova"));
    }

    #[test]
    fn families_match_model_id_families() {
        let families: Vec<&str> = PRESETS.iter().map(|p| p.family).collect();
        assert_eq!(families, ["anthropic", "titan-text", "nova", "llama", "mistral", "cohere-command", "cohere-command-r", "jamba", "converse"]);
        assert_eq!(to_json()["nova"]["mapping"]["delta"], "$.contentBlockDelta.delta.text");
        assert_eq!(to_json()["anthropic"]["variables"], serde_json::json!(["system.prompt", "prompt"]));
        assert_eq!(to_json()["cohere-command-r"]["variables"], serde_json::json!(["prompt", "system.prompt"]));
        assert_eq!(to_json()["mistral"]["mapping"]["inputTokens"], Value::Null);
        assert_eq!(to_json()["anthropic"]["mapping"]["cacheReadInputTokens"], "$.usage.cache_read_input_tokens");
        assert_eq!(to_json()["anthropic"]["mapping"]["cacheWriteInputTokens"], "$.usage.cache_creation_input_tokens");
        assert_eq!(to_json()["nova"]["mapping"]["cacheReadInputTokens"], Value::Null);
    }
}
