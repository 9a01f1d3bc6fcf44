//! `dockerlearn explain`: every flag and subcommand the shipped lessons use is known,
//! and the command line explains what it is given.

use crate::support::Test;
use dockerlearn::explain::{Knowledge, explain};

#[test]
fn every_command_in_the_shipped_lessons_is_explained() {
    let course = dockerlearn::course::load_from(None).unwrap();
    let knowledge = Knowledge::builtin();
    let mut unexplained = Vec::new();
    let mut docker_commands = 0;
    for l in &course.lessons {
        for step in &l.lesson.steps {
            let solution = step.solution.iter().flat_map(|s| s.commands.iter());
            for command in step.commands.iter().chain(solution) {
                let e = explain(&knowledge, command);
                docker_commands += e.commands.len();
                for u in e.unknown() {
                    unexplained.push(format!("{}/{}: `{u}` in `{command}`", l.lesson.id, step.id));
                }
            }
        }
    }
    assert!(docker_commands > 50, "only {docker_commands} docker commands found: is the loader reading the lessons?");
    assert!(unexplained.is_empty(), "add these to explain/docker.yaml:\n{}", unexplained.join("\n"));
}

#[test]
fn the_command_line_explains_a_quoted_or_split_command() {
    let quoted = Test::new().args(["explain", "docker run -d -p 8080:80 --name web nginx:alpine"]).run().code(0);
    assert!(quoted.stdout.contains("host port 8080"), "{}", quoted.stdout);
    assert!(quoted.stdout.contains("tag alpine"), "{}", quoted.stdout);
    let split =
        Test::new().args(["explain", "--", "docker", "run", "-d", "-p", "8080:80", "--name", "web", "nginx:alpine"]);
    assert_eq!(split.run().code(0).stdout, quoted.stdout);
    Test::new().args(["explain", "docker run --frob x"]).run().code(0).stdout_has("does not know `--frob`");
}

#[test]
fn a_courses_explain_file_extends_the_knowledge() {
    let dir = crate::support::course_dir(&[(
        "explain.yaml",
        "format_version: 1\ncommands:\n  run:\n    flags:\n      - {names: [--frob], text: frobs the container}\n",
    )]);
    Test::new()
        .args(["explain", "docker run --frob x"])
        .env("DOCKERLEARN_LESSONS", dir.path())
        .run()
        .code(0)
        .stdout_has("frobs the container");
}

#[test]
fn the_books_example_is_what_explain_prints() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/book/src/learner/sandbox.md")).unwrap();
    let start = page.find("$ dockerlearn explain '").expect("the page shows an explain run");
    let block = &page[start..];
    let block = &block[..block.find("```").unwrap()];
    let (command_line, shown) = block.split_once('\n').unwrap();
    let command = command_line.trim_start_matches("$ dockerlearn explain '").trim_end_matches('\'');
    let ran = Test::new().args(["explain", command]).run().code(0);
    assert_eq!(ran.stdout, shown, "update book/src/learner/sandbox.md");
}
