//! The HITLayoutParameter shape of CreateHIT and CreateHITWithHITType, as the `mturk` service
//! model names it: both members are required.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HitLayoutParameter {
    pub name: String,
    pub value: String,
}
