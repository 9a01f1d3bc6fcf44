//! `dockerlearn map` and the prompt's `:map`: the learner's containers drawn as a
//! terminal diagram — grouped by the networks they share, with their volumes and bind
//! mounts and the host ports that reach them. Fits 80 columns (long names end in `…`);
//! coloured when the caller says the terminal has colour. Pure: takes a `Snapshot`.
//!
//! The learner's own are those made from dockerlearn's prompt (the record `clean`
//! reads) and those the prompt's commands worked on this session; `render_own` draws
//! only them and says how many others the engine holds, `render` draws all.

use crate::snapshot::{Container, MountKind, Port, Snapshot};
use anstyle::{AnsiColor, Style};
use std::collections::BTreeSet;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The widest line the map draws.
pub const WIDTH: usize = 80;

#[derive(Clone, Copy)]
enum Ink {
    Plain,
    Network,
    Name,
    Running,
    Stopped,
    Port,
    Storage,
    Faint,
}

impl Ink {
    fn style(self) -> Style {
        match self {
            Ink::Plain => Style::new(),
            Ink::Network => Style::new().bold().fg_color(Some(AnsiColor::Blue.into())),
            Ink::Name => Style::new().bold(),
            Ink::Running => Style::new().fg_color(Some(AnsiColor::Green.into())),
            Ink::Stopped => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Ink::Port => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
            Ink::Storage => Style::new().fg_color(Some(AnsiColor::Magenta.into())),
            Ink::Faint => Style::new().dimmed(),
        }
    }
}

/// One line of the map, in coloured pieces.
#[derive(Default)]
struct Line(Vec<(String, Ink)>);

impl Line {
    fn add(mut self, text: impl Into<String>, ink: Ink) -> Line {
        self.0.push((text.into(), ink));
        self
    }

    /// The line, cut to `WIDTH` columns with `…` where it was cut.
    fn render(&self, colour: bool) -> String {
        let total: usize = self.0.iter().map(|(t, _)| t.width()).sum();
        let mut room = if total > WIDTH { WIDTH - 1 } else { WIDTH };
        let mut out = String::new();
        for (text, ink) in &self.0 {
            let mut piece = String::new();
            for c in text.chars() {
                let w = c.width().unwrap_or(0);
                if w > room {
                    room = 0;
                    break;
                }
                room -= w;
                piece.push(c);
            }
            if colour && !piece.is_empty() {
                let s = ink.style();
                out.push_str(&format!("{}{piece}{}", s.render(), s.render_reset()));
            } else {
                out.push_str(&piece);
            }
            if room == 0 && total > WIDTH {
                break;
            }
        }
        if total > WIDTH {
            out.push('…');
        }
        out.trim_end().to_owned()
    }
}

/// Draws the containers in `own` (ids) only; `all` is how the learner asks for every
/// container (`dockerlearn map --all`), said when others are left out.
pub fn render_own(snapshot: &Snapshot, own: &BTreeSet<String>, all: &str, colour: bool) -> String {
    let (mine, others): (Vec<Container>, Vec<Container>) =
        snapshot.containers.iter().cloned().partition(|c| own.contains(&c.id));
    if mine.is_empty() {
        let what = match others.len() {
            0 => String::new(),
            n => format!(" The engine holds {n} other container(s): `{all}` draws them."),
        };
        return format!(
            "No containers of yours to draw yet: run one (`docker run -d --name web -p 8080:80 nginx:alpine`), then look again.{what}\n"
        );
    }
    let mut out = render(&Snapshot { containers: mine, ..snapshot.clone() }, colour);
    if !others.is_empty() {
        let note = format!(
            "{} other container(s) on the engine, not made from dockerlearn's prompt, are not drawn: `{all}` draws them.",
            others.len()
        );
        out.push('\n');
        for line in textwrap::wrap(&note, WIDTH) {
            out.push_str(&Line::default().add(line, Ink::Faint).render(colour));
            out.push('\n');
        }
    }
    out
}

/// Draws the map of the snapshot's containers.
pub fn render(snapshot: &Snapshot, colour: bool) -> String {
    if snapshot.containers.is_empty() {
        return "No containers to draw yet: run one (`docker run -d --name web -p 8080:80 nginx:alpine`), then look again.\n"
            .to_owned();
    }
    let mut lines = vec![Line::default().add(
        format!(
            "{} container(s); in each arrow the host side is on the left: host ──▶ container",
            snapshot.containers.len()
        ),
        Ink::Faint,
    )];
    for (network, members) in groups(snapshot) {
        lines.push(Line::default());
        let title = match network.as_str() {
            "" => "no network".to_owned(),
            n @ ("bridge" | "podman") => {
                format!("network {n} (the default one; containers here reach each other by IP only)")
            }
            n => format!("network {n} (containers here reach each other by name)"),
        };
        lines.push(Line::default().add(title, Ink::Network));
        for (i, c) in members.iter().enumerate() {
            let last = i + 1 == members.len();
            lines.extend(container_lines(c, &network, last));
        }
    }
    let mut out: String = lines.iter().map(|l| l.render(colour) + "\n").collect();
    if out.ends_with('\n') {
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    out
}

/// Containers by network, networks by name; a container on several networks is
/// drawn under the first and named under the others.
fn groups(snapshot: &Snapshot) -> Vec<(String, Vec<&Container>)> {
    let mut names: Vec<String> = snapshot.containers.iter().flat_map(|c| c.networks.iter().cloned()).collect();
    if snapshot.containers.iter().any(|c| c.networks.is_empty()) {
        names.push(String::new());
    }
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            let mut members: Vec<&Container> = snapshot
                .containers
                .iter()
                .filter(|c| if n.is_empty() { c.networks.is_empty() } else { c.networks.contains(&n) })
                .collect();
            members.sort_by(|a, b| a.name.cmp(&b.name));
            (n, members)
        })
        .collect()
}

fn container_lines(c: &Container, network: &str, last: bool) -> Vec<Line> {
    let (branch, rail) = if last { ("  └─ ", "     ") } else { ("  ├─ ", "  │  ") };
    let state_ink = if c.is_running() { Ink::Running } else { Ink::Stopped };
    let head = Line::default()
        .add(branch, Ink::Faint)
        .add(c.name.clone(), Ink::Name)
        .add("  ", Ink::Plain)
        .add(c.state.clone(), state_ink)
        .add(format!("  from {}", c.image), Ink::Faint);
    let mut lines = vec![head];
    let first = c.networks.iter().min().map(String::as_str).unwrap_or_default();
    if !network.is_empty() && first != network {
        lines.push(Line::default().add(rail, Ink::Faint).add(format!("(drawn under network {first})"), Ink::Faint));
        return lines;
    }
    let others: Vec<&str> = c.networks.iter().map(String::as_str).filter(|n| *n != network).collect();
    if !others.is_empty() {
        lines.push(
            Line::default().add(rail, Ink::Faint).add(format!("also on network {}", others.join(", ")), Ink::Faint),
        );
    }
    for p in ports(&c.ports) {
        let host = if p.host_ip.is_empty() || p.host_ip == "0.0.0.0" || p.host_ip == "::" {
            format!("host port {}", p.host_port)
        } else {
            format!("host {}:{}", p.host_ip, p.host_port)
        };
        let mut line = Line::default()
            .add(rail, Ink::Faint)
            .add(host, Ink::Port)
            .add(format!(" ──▶ {}/{}", p.container_port, p.protocol), Ink::Plain);
        if p.protocol == "tcp" {
            line = line.add(format!("   http://localhost:{}", p.host_port), Ink::Faint);
        }
        lines.push(line);
    }
    for m in &c.mounts {
        let source = match m.kind {
            MountKind::Bind => format!("folder {}", m.source),
            MountKind::Volume => format!("volume {}", m.source),
            MountKind::Tmpfs => "memory (tmpfs)".to_owned(),
        };
        let ro = if m.read_only { " (read-only)" } else { "" };
        lines.push(
            Line::default()
                .add(rail, Ink::Faint)
                .add(source, Ink::Storage)
                .add(format!(" ──▶ {}{ro}", m.destination), Ink::Plain),
        );
    }
    lines
}

/// Published ports, once each (the engine lists IPv4 and IPv6 bindings separately).
fn ports(ports: &[Port]) -> Vec<&Port> {
    let mut out: Vec<&Port> = Vec::new();
    for p in ports {
        let everywhere = |ip: &str| ip.is_empty() || ip == "0.0.0.0" || ip == "::";
        if !out.iter().any(|o| {
            o.host_port == p.host_port
                && o.container_port == p.container_port
                && o.protocol == p.protocol
                && (o.host_ip == p.host_ip || (everywhere(&o.host_ip) && everywhere(&p.host_ip)))
        }) {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Mount;

    fn web_and_db() -> Snapshot {
        let web = Container {
            id: "1".into(),
            name: "web".into(),
            image: "nginx:alpine".into(),
            state: "running".into(),
            networks: vec!["appnet".into()],
            ports: vec![
                Port { host_ip: "0.0.0.0".into(), host_port: 8080, container_port: 80, protocol: "tcp".into() },
                Port { host_ip: "::".into(), host_port: 8080, container_port: 80, protocol: "tcp".into() },
            ],
            mounts: vec![Mount {
                kind: MountKind::Bind,
                source: "/home/ada/site".into(),
                destination: "/usr/share/nginx/html".into(),
                read_only: true,
            }],
            ..Container::default()
        };
        let db = Container {
            id: "2".into(),
            name: "db".into(),
            image: "postgres:16-alpine".into(),
            state: "exited".into(),
            networks: vec!["appnet".into()],
            mounts: vec![Mount {
                kind: MountKind::Volume,
                source: "db-data".into(),
                destination: "/var/lib/postgresql/data".into(),
                read_only: false,
            }],
            ..Container::default()
        };
        Snapshot { containers: vec![web, db], ..Snapshot::default() }
    }

    #[test]
    fn two_containers_on_a_network() {
        insta::assert_snapshot!(render(&web_and_db(), false));
    }

    #[test]
    fn only_the_learners_own_are_drawn_and_the_others_counted() {
        let own = BTreeSet::from(["1".to_owned()]);
        let text = render_own(&web_and_db(), &own, "dockerlearn map --all", false);
        assert!(text.contains("web") && !text.contains("db"), "{text}");
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("1 other container(s) on the engine, not made from dockerlearn's prompt, are not drawn: `dockerlearn map --all` draws them."), "{text}");
        assert!(text.lines().all(|l| l.width() <= WIDTH), "{text}");
        let none = render_own(&web_and_db(), &BTreeSet::new(), ":map all", false);
        assert!(
            none.starts_with("No containers of yours to draw yet") && none.contains("2 other container(s): `:map all`"),
            "{none}"
        );
        let everything = BTreeSet::from(["1".to_owned(), "2".to_owned()]);
        assert_eq!(render_own(&web_and_db(), &everything, ":map all", false), render(&web_and_db(), false));
    }

    #[test]
    fn colour_only_when_asked() {
        assert!(!render(&web_and_db(), false).contains('\u{1b}'));
        assert!(render(&web_and_db(), true).contains('\u{1b}'));
    }

    #[test]
    fn long_names_are_cut_to_80_columns() {
        let mut snap = web_and_db();
        let long = "x".repeat(150);
        snap.containers[0].name = format!("web-{long}");
        snap.containers[0].networks.push(format!("net-{long}"));
        snap.containers[1].mounts[0].source = format!("/home/{long}");
        snap.containers[1].image = format!("registry.example.com/{long}:tag");
        for colour in [false, true] {
            let text = render(&snap, colour);
            let plain = if colour { strip(&text) } else { text.clone() };
            for line in plain.lines() {
                assert!(line.width() <= WIDTH, "{} columns: {line}", line.width());
            }
            assert!(plain.contains('…'), "{plain}");
        }
    }

    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut in_escape = false;
        for c in s.chars() {
            match (in_escape, c) {
                (false, '\u{1b}') => in_escape = true,
                (true, 'm') => in_escape = false,
                (true, _) => {}
                (false, c) => out.push(c),
            }
        }
        out
    }
}
