//! The `AnswerKey` of a qualification test (API Reference, "AnswerKey"): parsing, checking it
//! against its test, and grading a worker's answers with it.
//!
//! A key scores each of its questions: an `AnswerOption` whose `SelectionIdentifier`s are
//! exactly the worker's selections adds its `AnswerScore`; no matching option adds the
//! question's `DefaultScore` (0 when absent). The sum becomes the qualification value directly,
//! or through the `QualificationValueMapping`: a percentage of `MaximumSummedScore`, a
//! multiple (`SummedScoreMultiplier`, a decimal), or the value of the `SummedScoreRange` the sum
//! falls in (`OutOfRangeQualificationValue` otherwise). Results are rounded to the nearest
//! integer, halves away from zero.

use std::collections::{BTreeSet, HashMap};

use super::form::{AnswerSpecification, QuestionForm};
use super::schema::{child_path, parse_bounded, slot, Ctx, UNBOUNDED};
use super::QuestionError;

/// Namespace (= schema URL) of the `AnswerKey` schema, version 2005-10-01.
pub const ANSWER_KEY_NAMESPACE: &str =
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerKey {
    pub questions: Vec<KeyQuestion>,
    pub mapping: Option<ValueMapping>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyQuestion {
    pub identifier: String,
    pub options: Vec<AnswerOption>,
    pub default_score: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerOption {
    pub selections: BTreeSet<String>,
    pub score: i64,
}

/// A decimal as `units / 10^scale` (exact, for `SummedScoreMultiplier`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub units: i128,
    pub scale: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueMapping {
    Percentage { maximum_summed_score: i64 },
    Scale { multiplier: Decimal },
    Range { ranges: Vec<ScoreRange>, out_of_range_value: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreRange {
    pub lower: i64,
    pub upper: i64,
    pub value: i64,
}

const INT_MIN: i128 = i32::MIN as i128;
const INT_MAX: i128 = i32::MAX as i128;

/// Parses an `AnswerKey` document (its namespace must be the 2005-10-01 schema's).
pub fn parse_answer_key(xml: &str) -> Result<AnswerKey, QuestionError> {
    let src = super::document_source(xml);
    if src.trim().is_empty() {
        return Err(QuestionError("AnswerKey: the document is empty".into()));
    }
    let root = super::document_tree(src)?;
    let ctx = Ctx { src, ns: ANSWER_KEY_NAMESPACE };
    let path = "AnswerKey";
    super::expect_root(&ctx, &root, path)?;
    let kids = ctx.elements(&root, path, &[])?;
    let groups =
        ctx.sequence(&root, path, &kids, &[slot("Question", 1, UNBOUNDED), slot("QualificationValueMapping", 0, 1)])?;
    let mut questions = Vec::new();
    for (i, q) in groups[0].iter().enumerate() {
        let qp = child_path(path, "Question", Some(i + 1));
        let parts = ctx.elements(q, &qp, &[])?;
        let g = ctx.sequence(
            q,
            &qp,
            &parts,
            &[slot("QuestionIdentifier", 1, 1), slot("AnswerOption", 1, UNBOUNDED), slot("DefaultScore", 0, 1)],
        )?;
        let identifier = ctx.text_only(g[0][0], &child_path(&qp, "QuestionIdentifier", None))?.trim().to_string();
        if questions.iter().any(|k: &KeyQuestion| k.identifier == identifier) {
            return Err(ctx.err(&qp, q.pos, format!("the question '{identifier}' is answered twice")));
        }
        let mut options = Vec::new();
        for (j, o) in g[1].iter().enumerate() {
            let op = child_path(&qp, "AnswerOption", Some(j + 1));
            let oparts = ctx.elements(o, &op, &[])?;
            let og =
                ctx.sequence(o, &op, &oparts, &[slot("SelectionIdentifier", 1, UNBOUNDED), slot("AnswerScore", 1, 1)])?;
            let mut selections = BTreeSet::new();
            for s in &og[0] {
                selections.insert(ctx.text_only(s, &child_path(&op, "SelectionIdentifier", None))?.trim().to_string());
            }
            let score = int(&ctx, og[1][0], &child_path(&op, "AnswerScore", None), "AnswerScore")?;
            options.push(AnswerOption { selections, score });
        }
        let default_score = match g[2].first() {
            Some(d) => int(&ctx, d, &child_path(&qp, "DefaultScore", None), "DefaultScore")?,
            None => 0,
        };
        questions.push(KeyQuestion { identifier, options, default_score });
    }
    let mapping = match groups[1].first() {
        None => None,
        Some(m) => Some(parse_mapping(&ctx, m, &child_path(path, "QualificationValueMapping", None))?),
    };
    Ok(AnswerKey { questions, mapping })
}

fn int(ctx: &Ctx<'_>, el: &super::xml::Element, path: &str, what: &str) -> Result<i64, QuestionError> {
    let t = ctx.text_only(el, path)?;
    parse_bounded(&t, what, INT_MIN, INT_MAX).map(|v| v as i64).map_err(|m| ctx.err(path, el.pos, m))
}

fn parse_mapping(ctx: &Ctx<'_>, m: &super::xml::Element, path: &str) -> Result<ValueMapping, QuestionError> {
    let kids = ctx.elements(m, path, &[])?;
    let [one] = kids.as_slice() else {
        return Err(ctx.err(
            path,
            m.pos,
            "QualificationValueMapping must contain exactly one of PercentageMapping, ScaleMapping or RangeMapping",
        ));
    };
    let p = child_path(path, &one.name, None);
    let parts = ctx.elements(one, &p, &[])?;
    match one.name.as_str() {
        "PercentageMapping" => {
            let g = ctx.sequence(one, &p, &parts, &[slot("MaximumSummedScore", 1, 1)])?;
            let max = int(ctx, g[0][0], &child_path(&p, "MaximumSummedScore", None), "MaximumSummedScore")?;
            if max <= 0 {
                return Err(ctx.err(&p, g[0][0].pos, format!("MaximumSummedScore must be positive (got {max})")));
            }
            Ok(ValueMapping::Percentage { maximum_summed_score: max })
        }
        "ScaleMapping" => {
            let g = ctx.sequence(one, &p, &parts, &[slot("SummedScoreMultiplier", 1, 1)])?;
            let mp = child_path(&p, "SummedScoreMultiplier", None);
            let t = ctx.text_only(g[0][0], &mp)?;
            let multiplier = parse_decimal(&t).ok_or_else(|| {
                ctx.err(
                    &mp,
                    g[0][0].pos,
                    format!("SummedScoreMultiplier must be a decimal number (got \"{}\")", t.trim()),
                )
            })?;
            Ok(ValueMapping::Scale { multiplier })
        }
        "RangeMapping" => {
            let g = ctx.sequence(
                one,
                &p,
                &parts,
                &[slot("SummedScoreRange", 1, UNBOUNDED), slot("OutOfRangeQualificationValue", 1, 1)],
            )?;
            let mut ranges: Vec<ScoreRange> = Vec::new();
            for (i, r) in g[0].iter().enumerate() {
                let rp = child_path(&p, "SummedScoreRange", Some(i + 1));
                let rparts = ctx.elements(r, &rp, &[])?;
                let rg = ctx.sequence(
                    r,
                    &rp,
                    &rparts,
                    &[
                        slot("InclusiveLowerBound", 1, 1),
                        slot("InclusiveUpperBound", 1, 1),
                        slot("QualificationValue", 1, 1),
                    ],
                )?;
                let lower = int(ctx, rg[0][0], &child_path(&rp, "InclusiveLowerBound", None), "InclusiveLowerBound")?;
                let upper = int(ctx, rg[1][0], &child_path(&rp, "InclusiveUpperBound", None), "InclusiveUpperBound")?;
                let value = int(ctx, rg[2][0], &child_path(&rp, "QualificationValue", None), "QualificationValue")?;
                if lower > upper {
                    return Err(ctx.err(
                        &rp,
                        r.pos,
                        format!("InclusiveLowerBound {lower} is above InclusiveUpperBound {upper}"),
                    ));
                }
                // The spec leaves overlapping ranges undefined; refusing them keeps grading
                // unambiguous.
                if let Some(o) = ranges.iter().find(|o| lower <= o.upper && o.lower <= upper) {
                    return Err(ctx.err(
                        &rp,
                        r.pos,
                        format!(
                            "the range {lower}..{upper} overlaps the range {}..{}; ranges cannot overlap",
                            o.lower, o.upper
                        ),
                    ));
                }
                ranges.push(ScoreRange { lower, upper, value });
            }
            let out = int(
                ctx,
                g[1][0],
                &child_path(&p, "OutOfRangeQualificationValue", None),
                "OutOfRangeQualificationValue",
            )?;
            Ok(ValueMapping::Range { ranges, out_of_range_value: out })
        }
        other => Err(ctx.err(
            &p,
            one.pos,
            format!("unexpected element <{other}>; expected PercentageMapping, ScaleMapping or RangeMapping"),
        )),
    }
}

/// An `xs:decimal`: optional sign, digits, optional fraction (at most 18 fraction digits).
fn parse_decimal(s: &str) -> Option<Decimal> {
    let t = s.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int_part, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if (int_part.is_empty() && frac.is_empty())
        || !int_part.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || int_part.len() > 18
        || frac.len() > 18
    {
        return None;
    }
    let units: i128 = format!("{int_part}{frac}").parse().ok()?;
    Some(Decimal { units: if neg { -units } else { units }, scale: frac.len() as u32 })
}

/// `n / d` rounded to the nearest integer, halves away from zero (`d > 0`).
fn round_div(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d {
        q + n.signum()
    } else {
        q
    }
}

impl AnswerKey {
    /// Checks the key against its test: every question it scores is a selection question of
    /// the form, and every selection it names is one of that question's. (A test with a key is
    /// graded without the requester, so it may hold only multiple-choice questions.)
    pub fn check_against(&self, form: &QuestionForm) -> Result<(), QuestionError> {
        for q in form.questions() {
            if !matches!(q.answer, AnswerSpecification::Selection(_)) {
                return Err(QuestionError(format!(
                    "AnswerKey: the test's question '{}' is not a multiple-choice (SelectionAnswer) question; a test with an answer key may only contain multiple-choice questions",
                    q.identifier
                )));
            }
        }
        for k in &self.questions {
            let Some(q) = form.question(&k.identifier) else {
                return Err(QuestionError(format!(
                    "AnswerKey: the question '{}' is not a question of the Test",
                    k.identifier
                )));
            };
            let AnswerSpecification::Selection(sel) = &q.answer else { unreachable!("checked above") };
            for o in &k.options {
                if let Some(s) = o.selections.iter().find(|s| !sel.has_selection(s)) {
                    return Err(QuestionError(format!(
                        "AnswerKey: '{s}' is not a SelectionIdentifier of the question '{}'",
                        k.identifier
                    )));
                }
            }
        }
        Ok(())
    }

    /// The summed score of `answers` (QuestionIdentifier → the selections made).
    pub fn summed_score(&self, answers: &[(String, Vec<String>)]) -> i64 {
        let mut by_question: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for (id, values) in answers {
            by_question
                .entry(id.as_str())
                .or_default()
                .extend(values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()));
        }
        let mut sum: i64 = 0;
        for k in &self.questions {
            let chosen = by_question.get(k.identifier.as_str());
            let matched = k.options.iter().find(|o| {
                chosen.is_some_and(|c| {
                    c.len() == o.selections.len() && o.selections.iter().all(|s| c.contains(s.as_str()))
                })
            });
            sum = sum.saturating_add(matched.map_or(k.default_score, |o| o.score));
        }
        sum
    }

    /// The qualification value `answers` earn, within the range of an Integer.
    pub fn grade(&self, answers: &[(String, Vec<String>)]) -> i64 {
        let sum = self.summed_score(answers) as i128;
        let v = match &self.mapping {
            None => sum,
            Some(ValueMapping::Percentage { maximum_summed_score }) => {
                round_div(sum * 100, *maximum_summed_score as i128)
            }
            Some(ValueMapping::Scale { multiplier }) => {
                round_div(sum.saturating_mul(multiplier.units), 10i128.pow(multiplier.scale))
            }
            Some(ValueMapping::Range { ranges, out_of_range_value }) => {
                let s = sum as i64;
                ranges.iter().find(|r| r.lower <= s && s <= r.upper).map_or(*out_of_range_value, |r| r.value) as i128
            }
        };
        v.clamp(INT_MIN, INT_MAX) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(body: &str) -> String {
        format!("<AnswerKey xmlns=\"{ANSWER_KEY_NAMESPACE}\">{body}</AnswerKey>")
    }
    const Q1: &str = "<Question><QuestionIdentifier>q1</QuestionIdentifier><AnswerOption><SelectionIdentifier>a</SelectionIdentifier><AnswerScore>10</AnswerScore></AnswerOption><AnswerOption><SelectionIdentifier>b</SelectionIdentifier><SelectionIdentifier>c</SelectionIdentifier><AnswerScore>5</AnswerScore></AnswerOption><DefaultScore>-1</DefaultScore></Question>";
    const Q2: &str = "<Question><QuestionIdentifier>q2</QuestionIdentifier><AnswerOption><SelectionIdentifier>x</SelectionIdentifier><AnswerScore>5</AnswerScore></AnswerOption></Question>";

    fn ans(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect()
    }

    #[test]
    fn sums_without_mapping() {
        let k = parse_answer_key(&key(&format!("{Q1}{Q2}"))).unwrap();
        assert_eq!(k.grade(&ans(&[("q1", &["a"]), ("q2", &["x"])])), 15);
        // All of an option's selections and no others.
        assert_eq!(k.grade(&ans(&[("q1", &["c", "b"]), ("q2", &["x"])])), 10);
        assert_eq!(k.grade(&ans(&[("q1", &["a", "b"])])), -1);
        assert_eq!(k.grade(&[]), -1);
    }

    #[test]
    fn mappings() {
        let pct = "<QualificationValueMapping><PercentageMapping><MaximumSummedScore>15</MaximumSummedScore></PercentageMapping></QualificationValueMapping>";
        let k = parse_answer_key(&key(&format!("{Q1}{Q2}{pct}"))).unwrap();
        assert_eq!(k.grade(&ans(&[("q1", &["a"]), ("q2", &["x"])])), 100);
        assert_eq!(k.grade(&ans(&[("q1", &["a"])])), 67);
        let scale = "<QualificationValueMapping><ScaleMapping><SummedScoreMultiplier>2.5</SummedScoreMultiplier></ScaleMapping></QualificationValueMapping>";
        let k = parse_answer_key(&key(&format!("{Q1}{Q2}{scale}"))).unwrap();
        assert_eq!(k.grade(&ans(&[("q1", &["b", "c"])])), 13);
        let range = "<QualificationValueMapping><RangeMapping><SummedScoreRange><InclusiveLowerBound>5</InclusiveLowerBound><InclusiveUpperBound>7</InclusiveUpperBound><QualificationValue>5</QualificationValue></SummedScoreRange><SummedScoreRange><InclusiveLowerBound>8</InclusiveLowerBound><InclusiveUpperBound>10</InclusiveUpperBound><QualificationValue>10</QualificationValue></SummedScoreRange><OutOfRangeQualificationValue>0</OutOfRangeQualificationValue></RangeMapping></QualificationValueMapping>";
        let k = parse_answer_key(&key(&format!("{Q1}{Q2}{range}"))).unwrap();
        assert_eq!(k.grade(&ans(&[("q1", &["a"]), ("q2", &["y"])])), 10);
        assert_eq!(k.grade(&ans(&[("q1", &["b", "c"])])), 5);
        assert_eq!(k.grade(&ans(&[("q1", &["a"]), ("q2", &["x"])])), 0);
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(parse_answer_key("<AnswerKey/>").unwrap_err().0.contains("namespace"));
        assert!(parse_answer_key(&key("")).is_err());
        let no_option = "<Question><QuestionIdentifier>q</QuestionIdentifier></Question>";
        assert!(parse_answer_key(&key(no_option)).is_err());
        assert!(parse_answer_key(&key(&format!("{Q1}{Q1}"))).unwrap_err().0.contains("twice"));
        let zero = "<QualificationValueMapping><PercentageMapping><MaximumSummedScore>0</MaximumSummedScore></PercentageMapping></QualificationValueMapping>";
        assert!(parse_answer_key(&key(&format!("{Q1}{zero}"))).is_err());
        let overlap = "<QualificationValueMapping><RangeMapping><SummedScoreRange><InclusiveLowerBound>0</InclusiveLowerBound><InclusiveUpperBound>5</InclusiveUpperBound><QualificationValue>1</QualificationValue></SummedScoreRange><SummedScoreRange><InclusiveLowerBound>5</InclusiveLowerBound><InclusiveUpperBound>9</InclusiveUpperBound><QualificationValue>2</QualificationValue></SummedScoreRange><OutOfRangeQualificationValue>0</OutOfRangeQualificationValue></RangeMapping></QualificationValueMapping>";
        assert!(parse_answer_key(&key(&format!("{Q1}{overlap}"))).unwrap_err().0.contains("overlap"));
        let bad_mult = "<QualificationValueMapping><ScaleMapping><SummedScoreMultiplier>x</SummedScoreMultiplier></ScaleMapping></QualificationValueMapping>";
        assert!(parse_answer_key(&key(&format!("{Q1}{bad_mult}"))).is_err());
        assert!(parse_answer_key("<AnswerKey").is_err());
    }

    #[test]
    fn decimals_and_rounding() {
        assert_eq!(parse_decimal("2.5"), Some(Decimal { units: 25, scale: 1 }));
        assert_eq!(parse_decimal("-0.25"), Some(Decimal { units: -25, scale: 2 }));
        assert_eq!(parse_decimal("3"), Some(Decimal { units: 3, scale: 0 }));
        assert_eq!(parse_decimal("."), None);
        assert_eq!(round_div(5, 2), 3);
        assert_eq!(round_div(-5, 2), -3);
        assert_eq!(round_div(4, 3), 1);
    }
}
