//! Just enough XML reading for the Query protocol's answers: the text of named elements.

/// The text of the first `<tag>` element, unescaped.
pub fn xml_value(body: &str, tag: &str) -> Option<String> {
    xml_values(body, tag).into_iter().next()
}

/// The text of every `<tag>` element, in order, unescaped.
pub fn xml_values(body: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(unescape(&after[..end]));
        rest = &after[end + close.len()..];
    }
    out
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(semi) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let entity = &tail[1..semi];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if entity.starts_with("#x") => u32::from_str_radix(&entity[2..], 16).ok().and_then(char::from_u32),
            _ if entity.starts_with('#') => entity[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => out.push(c),
            None => out.push_str(&tail[..=semi]),
        }
        rest = &tail[semi + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_and_entities() {
        let body = "<R><Body>{&quot;a&quot;:&#34;&lt;b&gt;&#x26;&#34;}</Body><Body>2</Body><Code>X</Code></R>";
        assert_eq!(xml_values(body, "Body"), vec![r#"{"a":"<b>&"}"#.to_owned(), "2".to_owned()]);
        assert_eq!(xml_value(body, "Code").as_deref(), Some("X"));
        assert_eq!(xml_value(body, "Missing"), None);
    }
}
