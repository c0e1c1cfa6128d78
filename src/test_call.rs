//! Rules of the Test call (`client.test()`), the "enter test values, click Test, review the raw
//! response" step: which template and mapping apply, and which setting to blame when it fails.

use crate::error::Error;
use crate::preset::{self, Preset};

/// The preset for a resolved family, or the error saying a template is needed.
pub fn preset_for_family(family: Option<&str>, model_id: &str) -> Result<&'static Preset, Error> {
    family.and_then(preset::by_family).ok_or_else(|| {
        Error::config(
            "NO_PRESET",
            "template",
            format!("there is no preset for `{model_id}`"),
            "Pass `template` (and `mapping`) for this model: its family has no built-in preset.",
        )
    })
}

/// The setting most likely at fault, for the Test screen: the body comes from the template, and
/// an error with no field is blamed on the STS endpoint (AssumeRole stage) or the model ID.
pub fn culprit(field: Option<&str>, at_sts: bool) -> String {
    match field {
        Some("body") => "template".into(),
        Some(f) => f.into(),
        None if at_sts => "assumeRole.stsEndpoint".into(),
        None => "modelId".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_by_family() {
        assert_eq!(preset_for_family(Some("nova"), "x").unwrap().family, "nova");
        let e = preset_for_family(None, "stability.sd3-large-v1:0").unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("NO_PRESET", Some("template")));
        assert_eq!(e.message, "there is no preset for `stability.sd3-large-v1:0`");
    }

    #[test]
    fn culprits() {
        assert_eq!(culprit(Some("body"), false), "template");
        assert_eq!(culprit(Some("assumeRole.roleArn"), true), "assumeRole.roleArn");
        assert_eq!(culprit(None, true), "assumeRole.stsEndpoint");
        assert_eq!(culprit(None, false), "modelId");
    }
}
