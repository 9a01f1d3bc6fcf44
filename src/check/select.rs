//! Which containers an assertion is about (its [`Target`]), finding them in an
//! observation, and saying why none matched: the nearest name, another tag of the
//! image, what is there instead. Shared by every kind that looks at containers.

use super::observation::{ContainerInfo, ImageInfo, Observation, State};
use crate::reference::ImageRef;

/// The containers an assertion is about: by name, by image, or both. "Neither" cannot
/// be written: it is refused when the checks file is read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Name(String),
    Image(String),
    Both { name: String, image: String },
}

impl Target {
    /// The target from a checks file's optional `name:` and `image:` fields.
    pub fn from_fields(name: Option<String>, image: Option<String>) -> Result<Target, String> {
        match (name, image) {
            (Some(name), Some(image)) => Ok(Target::Both { name, image }),
            (Some(name), None) => Ok(Target::Name(name)),
            (None, Some(image)) => Ok(Target::Image(image)),
            (None, None) => Err("needs `name:` or `image:` to say which containers it is about".to_owned()),
        }
    }
    pub fn name(&self) -> Option<&str> {
        match self {
            Target::Name(n) | Target::Both { name: n, .. } => Some(n),
            Target::Image(_) => None,
        }
    }
    pub fn image(&self) -> Option<&str> {
        match self {
            Target::Image(i) | Target::Both { image: i, .. } => Some(i),
            Target::Name(_) => None,
        }
    }
    /// `a container named `web` from image `nginx``, as a sentence's subject.
    pub fn describe(&self) -> String {
        match self {
            Target::Both { name, image } => format!("a container named `{name}` from image `{image}`"),
            Target::Name(n) => format!("a container named `{n}`"),
            Target::Image(i) => format!("a container from image `{i}`"),
        }
    }
}

/// Ids of the local images that `wanted` names.
pub fn image_ids(wanted: &ImageRef, images: &[ImageInfo]) -> Vec<String> {
    images.iter().filter(|i| i.tags.iter().any(|t| ImageRef::parse(t).matches(wanted))).map(|i| i.id.clone()).collect()
}

/// Whether a container was made from the image `wanted` names.
fn from_image(c: &ContainerInfo, wanted: &ImageRef, ids: &[String]) -> bool {
    ImageRef::parse(&c.image).matches(wanted) || ids.iter().any(|id| *id == c.image_id || *id == c.image)
}

/// The containers a target names, newest first.
pub fn select<'a>(target: &Target, obs: &'a Observation) -> Vec<&'a ContainerInfo> {
    select_in(target, &obs.containers, &obs.images)
}

/// The containers among `containers` a target names, newest first.
pub fn select_in<'a>(target: &Target, containers: &'a [ContainerInfo], images: &[ImageInfo]) -> Vec<&'a ContainerInfo> {
    let wanted = target.image().map(ImageRef::parse);
    let ids = wanted.as_ref().map(|w| image_ids(w, images)).unwrap_or_default();
    let mut out: Vec<&ContainerInfo> = containers
        .iter()
        .filter(|c| target.name().is_none_or(|n| c.name == n))
        .filter(|c| wanted.as_ref().is_none_or(|w| from_image(c, w, &ids)))
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.created));
    out
}

/// `exited with code 1`, `is running`.
pub fn state_of(c: &ContainerInfo) -> String {
    match (c.state, c.exit_code) {
        (State::Exited, Some(code)) => format!("exited with code {code}"),
        (state, _) => format!("is {state}"),
    }
}

/// Why no container matched a target, naming the nearest thing that exists.
pub fn explain_missing(target: &Target, obs: &Observation) -> String {
    if let Some(name) = target.name() {
        if let Some(c) = obs.containers.iter().find(|c| c.name == name) {
            if let Some(image) = target.image() {
                return format!("container `{name}` exists but was made from image `{}`, not `{image}`", c.image);
            }
        }
        let near = near_names(name, obs.containers.iter().map(|c| c.name.as_str()));
        if !near.is_empty() {
            return format!("there is no container named `{name}`; did you mean {}?", quoted_list(&near));
        }
        return format!("there is no container named `{name}`{}", others(obs));
    }
    let image = target.image().unwrap_or_default();
    let wanted = ImageRef::parse(image);
    let same_repo: Vec<String> = obs
        .containers
        .iter()
        .filter(|c| ImageRef::parse(&c.image).repository() == wanted.repository())
        .map(|c| format!("{} ({})", c.name, c.image))
        .collect();
    if !same_repo.is_empty() {
        return format!("no container from `{wanted}`, but some from another tag: {}", quoted_list(&same_repo));
    }
    format!("there is no container from image `{wanted}`{}", others(obs))
}

fn others(obs: &Observation) -> String {
    if obs.containers.is_empty() {
        return " (there are no containers at all)".to_owned();
    }
    let names: Vec<String> = obs.containers.iter().map(|c| format!("{} ({})", c.name, c.image)).collect();
    format!(" (found: {})", quoted_list(&names))
}

/// At most five items, quoted: `a`, `b` and 3 more.
pub fn quoted_list(items: &[String]) -> String {
    let shown: Vec<String> = items.iter().take(5).map(|s| format!("`{s}`")).collect();
    let more = items.len().saturating_sub(5);
    if more > 0 { format!("{} and {more} more", shown.join(", ")) } else { shown.join(", ") }
}

/// An image id as `docker images` shows it.
pub fn short_id(id: &str) -> &str {
    let id = id.strip_prefix("sha256:").unwrap_or(id);
    id.get(..12).unwrap_or(id)
}

/// The names among `candidates` a learner may have meant by `name`, the three nearest:
/// a typo or two away (one for short names), or holding it with a little more
/// (`web-1` for `web`).
pub fn near_names<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let length = name.chars().count();
    let typos = if length < 5 { 1 } else { 2 };
    let mut near: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(c, name), c))
        .filter(|(d, c)| *d <= typos || c.contains(name) && c.chars().count() <= length + 6)
        .collect();
    near.sort();
    near.dedup();
    near.into_iter().take(MAX_NEAR).map(|(_, c)| c.to_owned()).collect()
}

/// Most names a "did you mean" offers.
const MAX_NEAR: usize = 3;

/// ", did you mean `a` or `b`?" when there are near names, else "".
pub fn did_you_mean(near: &[String]) -> String {
    if near.is_empty() { String::new() } else { format!("; did you mean {}?", quoted_list(near)) }
}

/// Levenshtein distance, for "did you mean" suggestions on short names.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_are_typos_or_hold_the_name() {
        let there = ["notes-data", "notesdata-old", "web", "db", "cache", "notesdata-from-last-year"];
        assert_eq!(near_names("notesdata", there), ["notes-data", "notesdata-old"]);
        let many = ["web1", "web2", "web3", "web4", "web5"];
        assert_eq!(near_names("web", many).len(), 3, "three at most");
        assert_eq!(near_names("wbe", there), Vec::<String>::new(), "two typos are too many in a short name");
        assert_eq!(near_names("dbb", there), ["db"]);
        assert_eq!(near_names("cache", there), Vec::<String>::new(), "the name itself is not a suggestion");
        assert_eq!(did_you_mean(&near_names("webb", there)), "; did you mean `web`?");
        assert_eq!(did_you_mean(&[]), "");
    }

    #[test]
    fn a_target_needs_a_name_or_an_image() {
        assert!(Target::from_fields(None, None).is_err());
        assert_eq!(Target::from_fields(Some("a".into()), None), Ok(Target::Name("a".into())));
        let both = Target::from_fields(Some("a".into()), Some("b".into())).unwrap();
        assert_eq!((both.name(), both.image()), (Some("a"), Some("b")));
    }

    #[test]
    fn edit_distance_is_levenshtein() {
        assert_eq!(edit_distance("hello", "helo"), 1);
        assert_eq!(edit_distance("web", "db"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn short_ids_never_split_a_character() {
        assert_eq!(short_id("sha256:0123456789abcdef"), "0123456789ab");
        assert_eq!(short_id("é"), "é");
    }
}
