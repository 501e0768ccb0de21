//! Whether a worker's qualifications meet a HIT's QualificationRequirements, for each of the
//! actions a requirement can guard (the API Reference's QualificationRequirement: ActionsGuarded,
//! and the deprecated RequiredToPreview).

use crate::qualification::{ActionsGuarded, Comparator, Locale, QualificationRequirement};
use crate::qualification_type::QualificationValue as QualValue;

/// What a worker does with a HIT, least restrictive first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// See it in search results.
    Discover,
    Preview,
    Accept,
}

/// The actions a requirement guards. ActionsGuarded wins; otherwise RequiredToPreview true means
/// preview and accept; otherwise (MTurk's default) only accept.
pub fn guarded(r: &QualificationRequirement) -> ActionsGuarded {
    match (r.actions_guarded, r.required_to_preview) {
        (Some(a), _) => a,
        (None, Some(true)) => ActionsGuarded::PreviewAndAccept,
        _ => ActionsGuarded::Accept,
    }
}

fn guards(r: &QualificationRequirement, action: Action) -> bool {
    match guarded(r) {
        ActionsGuarded::Accept => action == Action::Accept,
        ActionsGuarded::PreviewAndAccept => action >= Action::Preview,
        ActionsGuarded::DiscoverPreviewAndAccept => true,
    }
}

/// Whether a worker's value (None: the worker has no such qualification) meets a requirement.
/// Every comparator but DoesNotExist needs the qualification to exist, as on MTurk: NotEqualTo
/// and NotIn are about the value a worker has.
pub fn meets(r: &QualificationRequirement, value: Option<&QualValue>) -> bool {
    use Comparator::*;
    let Some(v) = value else { return r.comparator == DoesNotExist };
    match (r.comparator, v) {
        (Exists, _) => true,
        (DoesNotExist, _) => false,
        (cmp, QualValue::Integer(n)) => {
            let first = r.integer_values.first().map(|&x| i64::from(x));
            let any = r.integer_values.iter().any(|&x| i64::from(x) == *n);
            match (cmp, first) {
                (LessThan, Some(x)) => *n < x,
                (LessThanOrEqualTo, Some(x)) => *n <= x,
                (GreaterThan, Some(x)) => *n > x,
                (GreaterThanOrEqualTo, Some(x)) => *n >= x,
                (EqualTo, Some(x)) => *n == x,
                (NotEqualTo, Some(x)) => *n != x,
                (In, _) => any,
                (NotIn, _) => !any,
                // An integer comparison without an integer (refused when the HIT is made).
                _ => false,
            }
        }
        (cmp, QualValue::Locale(l)) => {
            // A value without a subdivision names the whole country.
            let matches = |want: &Locale| {
                want.country == l.country && want.subdivision.as_ref().is_none_or(|s| Some(s) == l.subdivision.as_ref())
            };
            let any = r.locale_values.iter().any(matches);
            match cmp {
                EqualTo | In => any,
                NotEqualTo | NotIn => !r.locale_values.is_empty() && !any,
                _ => false,
            }
        }
    }
}

/// The requirements guarding `action` that the worker does not meet (empty: allowed).
/// `value` gives the worker's value of a qualification type.
pub fn unmet(
    reqs: &[QualificationRequirement],
    action: Action,
    mut value: impl FnMut(&str) -> Option<QualValue>,
) -> Vec<&QualificationRequirement> {
    reqs.iter().filter(|r| guards(r, action) && !meets(r, value(&r.qualification_type_id).as_ref())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qualification::WORKER_LOCALE_QUALIFICATION;

    fn req(cmp: Comparator, ints: &[i32]) -> QualificationRequirement {
        QualificationRequirement {
            qualification_type_id: "3Q".into(),
            comparator: cmp,
            integer_values: ints.to_vec(),
            locale_values: vec![],
            required_to_preview: None,
            actions_guarded: None,
        }
    }
    fn loc(country: &str, sub: Option<&str>) -> Locale {
        Locale { country: country.into(), subdivision: sub.map(Into::into) }
    }

    #[test]
    fn integer_comparators() {
        use Comparator::*;
        let v = |n| Some(QualValue::Integer(n));
        let cases = [
            (LessThan, vec![5], 4, true),
            (LessThan, vec![5], 5, false),
            (LessThanOrEqualTo, vec![5], 5, true),
            (GreaterThan, vec![5], 5, false),
            (GreaterThan, vec![5], 6, true),
            (GreaterThanOrEqualTo, vec![5], 5, true),
            (EqualTo, vec![5], 5, true),
            (EqualTo, vec![5], 4, false),
            (NotEqualTo, vec![5], 4, true),
            (NotEqualTo, vec![5], 5, false),
            (In, vec![1, 2, 3], 2, true),
            (In, vec![1, 2, 3], 4, false),
            (NotIn, vec![1, 2, 3], 4, true),
            (NotIn, vec![1, 2, 3], 3, false),
            (Exists, vec![], 0, true),
            (DoesNotExist, vec![], 0, false),
        ];
        for (cmp, ints, n, want) in cases {
            assert_eq!(meets(&req(cmp, &ints), v(n).as_ref()), want, "{cmp:?} {ints:?} against {n}");
        }
        // Without the qualification only DoesNotExist is met.
        for cmp in [LessThan, EqualTo, NotEqualTo, In, NotIn, Exists] {
            assert!(!meets(&req(cmp, &[1]), None), "{cmp:?}");
        }
        assert!(meets(&req(DoesNotExist, &[]), None));
    }

    #[test]
    fn locales_match_countries_and_subdivisions() {
        use Comparator::*;
        let mut r = req(EqualTo, &[]);
        r.qualification_type_id = WORKER_LOCALE_QUALIFICATION.into();
        let pa = QualValue::Locale(loc("US", Some("PA")));
        let ny = QualValue::Locale(loc("US", Some("NY")));
        let india = QualValue::Locale(loc("IN", None));
        r.locale_values = vec![loc("US", Some("PA"))];
        assert!(meets(&r, Some(&pa)));
        assert!(!meets(&r, Some(&ny)));
        assert!(!meets(&r, Some(&india)));
        r.locale_values = vec![loc("US", None)];
        assert!(meets(&r, Some(&ny)));
        r.comparator = NotEqualTo;
        r.locale_values = vec![loc("US", Some("CA"))];
        assert!(meets(&r, Some(&ny)) && meets(&r, Some(&india)));
        r.comparator = In;
        r.locale_values = vec![loc("IN", None), loc("US", Some("PA"))];
        assert!(meets(&r, Some(&india)) && meets(&r, Some(&pa)) && !meets(&r, Some(&ny)));
        r.comparator = NotIn;
        assert!(!meets(&r, Some(&india)) && meets(&r, Some(&ny)));
    }

    #[test]
    fn each_action_is_guarded_by_its_requirements() {
        let mut accept = req(Comparator::Exists, &[]);
        accept.qualification_type_id = "A".into();
        let mut preview = req(Comparator::Exists, &[]);
        preview.qualification_type_id = "P".into();
        preview.required_to_preview = Some(true);
        let mut discover = req(Comparator::Exists, &[]);
        discover.qualification_type_id = "D".into();
        discover.actions_guarded = Some(ActionsGuarded::DiscoverPreviewAndAccept);
        // ActionsGuarded wins over RequiredToPreview.
        let mut overridden = req(Comparator::Exists, &[]);
        overridden.qualification_type_id = "O".into();
        overridden.required_to_preview = Some(true);
        overridden.actions_guarded = Some(ActionsGuarded::Accept);
        let reqs = [accept, preview, discover, overridden];
        let has = |ids: &'static [&'static str]| move |t: &str| ids.contains(&t).then_some(QualValue::Integer(1));
        let ids =
            |v: Vec<&QualificationRequirement>| v.iter().map(|r| r.qualification_type_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(unmet(&reqs, Action::Discover, has(&[]))), ["D"]);
        assert_eq!(ids(unmet(&reqs, Action::Preview, has(&[]))), ["P", "D"]);
        assert_eq!(ids(unmet(&reqs, Action::Accept, has(&[]))), ["A", "P", "D", "O"]);
        assert!(unmet(&reqs, Action::Discover, has(&["D"])).is_empty());
        assert_eq!(ids(unmet(&reqs, Action::Preview, has(&["D"]))), ["P"]);
        assert!(unmet(&reqs, Action::Accept, has(&["A", "P", "D", "O"])).is_empty());
    }
}
