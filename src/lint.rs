//! `dockerlearn lint`: everything that can be checked about a course without an engine.
//! Loading already proves the files parse and agree (manifest ↔ lessons ↔ checks); lint
//! adds that the images a lesson's front matter lists are the ones its commands use.

use crate::course::{self, Course, Directory};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::reference::ImageRef;
use std::collections::BTreeSet;
use std::path::Path;

/// Every problem in the course at `dir`, in `file:line:col: message` form.
pub fn lint(dir: &Path) -> Diagnostics {
    let (course, mut problems) = course::load_partial(&Directory(dir.to_path_buf()), &dir.display().to_string());
    if let Some(course) = course {
        problems.extend(image_agreement(&course));
    }
    problems
}

/// Lint for a course already loaded (the built-in one, for instance).
pub fn lint_course(course: &Course) -> Diagnostics {
    image_agreement(course)
}

fn image_agreement(course: &Course) -> Diagnostics {
    let mut problems = Diagnostics::default();
    for cl in &course.lessons {
        let lesson = &cl.lesson;
        for reserved in lesson.images.iter().filter(|i| is_reserved(i)) {
            problems.push(Diagnostic::new(&cl.path, 2, 1, format!(
                "the front matter lists `{reserved}`, which is no image (`FROM {reserved}` starts from nothing): remove it from `images:`"
            )));
        }
        let listed: Vec<ImageRef> =
            lesson.images.iter().filter(|i| !is_reserved(i)).map(|i| ImageRef::parse(i)).collect();
        let mut produced: Vec<ImageRef> = Vec::new();
        let mut used_anywhere: BTreeSet<String> = BTreeSet::new();
        for step in &lesson.steps {
            let mut commands: Vec<&String> = step.commands.iter().collect();
            if let Some(sol) = &step.solution {
                commands.extend(sol.commands.iter());
            }
            for cmd in commands {
                let images = images_in(cmd);
                produced.extend(images.produced.iter().map(|i| ImageRef::parse(i)));
                for image in images.used {
                    let r = ImageRef::parse(&image);
                    used_anywhere.insert(r.familiar());
                    let known = listed.iter().any(|l| l.matches(&r)) || produced.iter().any(|p| p.matches(&r));
                    if !known {
                        problems.push(Diagnostic::new(&cl.path, step.line, 1, format!(
                            "step `{}` runs image `{image}`, which the front matter does not list: add it to `images:` so it can be prepared before class",
                            step.id
                        )));
                        produced.push(r);
                    }
                }
            }
        }
        // The lesson's starter files: a Dockerfile's `FROM`, a compose file's `image:`.
        for (path, text) in
            crate::starter::source(course, &lesson.id).map(|d| crate::starter::texts(&d)).unwrap_or_default()
        {
            for image in images_in(&format!("starter file\n{text}")).used {
                let r = ImageRef::parse(&image);
                used_anywhere.insert(r.familiar());
                if !listed.iter().any(|l| l.matches(&r)) && !produced.iter().any(|p| p.matches(&r)) {
                    let line = text.lines().position(|l| l.contains(&image)).map_or(1, |i| i + 1);
                    problems.push(Diagnostic::new(&path.display().to_string(), line, 1, format!(
                        "this starter file uses image `{image}`, which the front matter of lesson `{}` does not list: add it to `images:` so it can be prepared before class",
                        lesson.id
                    )));
                }
            }
        }
        for l in &listed {
            if !used_anywhere.iter().any(|u| ImageRef::parse(u).matches(l)) {
                problems.push(Diagnostic::new(
                    &cl.path,
                    2,
                    1,
                    format!("the front matter lists image `{}`, but no command of the lesson uses it", l.familiar()),
                ));
            }
        }
    }
    problems
}

/// Images one shell command line uses (pulls or runs) and produces (builds, commits, tags).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CommandImages {
    pub used: Vec<String>,
    pub produced: Vec<String>,
}

/// `docker run` options that take a value as the next word.
const RUN_VALUE_OPTIONS: &[&str] = &[
    "-a",
    "--attach",
    "-c",
    "--cpu-shares",
    "--cidfile",
    "--cpus",
    "-e",
    "--env",
    "--env-file",
    "--entrypoint",
    "-h",
    "--hostname",
    "-l",
    "--label",
    "--label-file",
    "--link",
    "--log-driver",
    "--log-opt",
    "-m",
    "--memory",
    "--mount",
    "--name",
    "--network",
    "--net",
    "--network-alias",
    "-p",
    "--publish",
    "--platform",
    "--pull",
    "--restart",
    "--runtime",
    "--security-opt",
    "--shm-size",
    "--stop-signal",
    "--stop-timeout",
    "-u",
    "--user",
    "-v",
    "--volume",
    "--volumes-from",
    "-w",
    "--workdir",
    "--add-host",
    "--device",
    "--dns",
    "--expose",
    "--gpus",
    "--health-cmd",
    "--ipc",
    "--pid",
    "--ulimit",
    "--userns",
    "--uts",
    "--cap-add",
    "--cap-drop",
    "--tmpfs",
    "--group-add",
    "--memory-swap",
    "--init-path",
];

pub fn images_in(line: &str) -> CommandImages {
    let mut out = CommandImages::default();
    // Each `docker ...` in a line (`a && docker run x`, `$(docker ps -q)`).
    // Continuation lines (also inside a heredoc that writes a script) join up.
    let joined = line.replace("\\\n", " ");
    let words = crate::shell::words(&joined);
    let mut i = 0;
    while i < words.len() {
        let w = words[i].trim_start_matches("$(");
        if w != "docker" {
            i += 1;
            continue;
        }
        let rest: Vec<&str> = words[i + 1..].iter().map(String::as_str).collect();
        read_docker(&rest, &mut out);
        i += 1;
    }
    // Images named in files the command writes: a Dockerfile's `FROM`, a compose file's
    // `image:`.
    // `scratch` and the names of earlier build stages (`FROM build`) are no images.
    if line.contains('\n') {
        let mut stages: Vec<String> = Vec::new();
        for l in line.lines().skip(1).map(str::trim) {
            if let Some(rest) = l.strip_prefix("FROM ") {
                let mut words = rest.split_whitespace().filter(|w| !w.starts_with("--"));
                if let Some(image) = words.next() {
                    if !is_reserved(image) && !stages.iter().any(|s| s.eq_ignore_ascii_case(image)) {
                        out.used.push(image.to_owned());
                    }
                }
                if let (Some(as_), Some(stage)) = (words.next(), words.next()) {
                    if as_.eq_ignore_ascii_case("as") {
                        stages.push(stage.to_owned());
                    }
                }
            } else if let Some(rest) = l.strip_prefix("image:") {
                out.used.push(rest.trim().trim_matches(['"', '\'']).to_owned());
            }
        }
    }
    out.used.retain(|u| !u.starts_with('$') && !u.is_empty());
    out.produced.retain(|p| !p.starts_with('$') && !p.is_empty());
    out
}

/// Names a Dockerfile's `FROM` accepts that are no image to pull or prepare.
pub fn is_reserved(image: &str) -> bool {
    image == "scratch"
}

fn read_docker(args: &[&str], out: &mut CommandImages) {
    let (sub, args) = match args {
        ["container", sub @ ("run" | "create"), rest @ ..] => (*sub, rest),
        ["image", sub @ ("pull" | "build" | "tag" | "save"), rest @ ..] => (*sub, rest),
        [sub, rest @ ..] => (*sub, rest),
        [] => return,
    };
    let positional = |args: &[&str], with_values: &[&str]| -> Vec<String> {
        let mut pos = Vec::new();
        let mut skip = false;
        for a in args {
            if skip {
                skip = false;
                continue;
            }
            if matches!(*a, "&&" | "||" | ";" | "|" | ")") || a.ends_with(')') && a.starts_with('$') {
                break;
            }
            if a.starts_with('-') {
                skip = !a.contains('=') && with_values.contains(a);
                continue;
            }
            pos.push((*a).to_owned());
        }
        pos
    };
    match sub {
        "run" | "create" => {
            if let Some(image) = positional(args, RUN_VALUE_OPTIONS).first() {
                out.used.push(image.clone());
            }
        }
        "pull" => out.used.extend(positional(args, &["--platform"]).into_iter().take(1)),
        "save" => out.used.extend(positional(args, &["-o", "--output"])),
        "build" => {
            let mut it = args.iter();
            while let Some(a) = it.next() {
                if let Some(t) = a.strip_prefix("--tag=") {
                    out.produced.push(t.to_owned());
                } else if matches!(*a, "-t" | "--tag") {
                    if let Some(t) = it.next() {
                        out.produced.push((*t).to_owned());
                    }
                }
            }
        }
        "commit" => out
            .produced
            .extend(positional(args, &["-a", "--author", "-c", "--change", "-m", "--message"]).into_iter().nth(1)),
        "tag" => {
            let pos = positional(args, &[]);
            out.used.extend(pos.first().cloned());
            out.produced.extend(pos.get(1).cloned());
        }
        "import" => out
            .produced
            .extend(positional(args, &["-c", "--change", "-m", "--message", "--platform"]).into_iter().nth(1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_skips_options_and_their_values() {
        let i = images_in(
            "docker run -it --rm -p 8888:8888 -e A=b --name nb -v \"$PWD\":/w quay.io/jupyter/base-notebook start.sh",
        );
        assert_eq!(i.used, ["quay.io/jupyter/base-notebook"]);
        let i = images_in("docker run --entrypoint=bash -it python:3.12");
        assert_eq!(i.used, ["python:3.12"]);
        let i = images_in("docker container run -d --network=appnet redis");
        assert_eq!(i.used, ["redis"]);
    }

    #[test]
    fn builds_commits_and_tags_produce_images() {
        assert_eq!(images_in("docker build -t test:pandas .").produced, ["test:pandas"]);
        assert_eq!(images_in("docker commit nb my-notebook:v2").produced, ["my-notebook:v2"]);
        let t = images_in("docker tag alpine:3.20 mine/alpine");
        assert_eq!((t.used, t.produced), (vec!["alpine:3.20".to_owned()], vec!["mine/alpine".to_owned()]));
        assert_eq!(images_in("docker import rootfs.tar restored:latest").produced, ["restored:latest"]);
    }

    #[test]
    fn images_in_written_dockerfiles_and_compose_files() {
        let i = images_in("cat > Dockerfile <<'EOF'\nFROM --platform=linux/amd64 alpine:3.20 AS build\nRUN true\nEOF");
        assert_eq!(i.used, ["alpine:3.20"]);
        let s = images_in(
            "cat > Dockerfile <<'EOF'\nFROM alpine:3.20 AS build\nRUN true\nFROM build AS test\nFROM scratch\nCOPY --from=build /x /x\nEOF",
        );
        assert_eq!(s.used, ["alpine:3.20"], "scratch and stage names are no images");
        let c = images_in("cat > compose.yaml <<'EOF'\nservices:\n  web:\n    image: \"nginx:alpine\"\nEOF");
        assert_eq!(c.used, ["nginx:alpine"]);
    }

    #[test]
    fn several_commands_in_one_line() {
        let i = images_in("docker pull busybox && docker run --rm hello-world");
        assert_eq!(i.used, ["busybox", "hello-world"]);
        assert!(images_in("docker rm $(docker ps -aq --filter ancestor=hello-world)").used.is_empty());
        assert!(images_in("docker run $IMAGE").used.is_empty());
    }

    #[test]
    fn the_built_in_course_lints_clean() {
        let course = course::load_from(None).unwrap();
        let problems = lint_course(&course);
        assert!(problems.is_empty(), "{problems}");
    }
}
