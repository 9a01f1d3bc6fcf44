//! The sandbox around commands, against the real engine: the guard warns before
//! removing a container the session did not make and lets the session's own through;
//! what a command made is recorded and told.

use crate::support::{
    Image, LABEL_KEY, Shared, docker, docker_status, run_id, sandbox_prompt, sandbox_test, told_after,
};
use dockerlearn::clean::{Kind, Ledger};
use dockerlearn::engine::{Engine, context};
use dockerlearn::explain::Knowledge;
use dockerlearn::sandbox::Sandbox;

struct Made {
    label: String,
    network: String,
}

impl Drop for Made {
    fn drop(&mut self) {
        for c in docker(&["ps", "-aq", "--filter", &format!("label={}", self.label)]).lines() {
            let _ = docker_status(&["rm", "-f", c]);
        }
        let _ = docker_status(&["network", "rm", &self.network]);
    }
}

#[test]
fn the_sandbox_guards_records_and_tells() {
    let _busybox = Image::acquire("busybox:latest");
    let id = format!("{}-sandbox", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let (net, web, theirs) = (format!("dl-sb-net-{id}"), format!("dl-sb-web-{id}"), format!("dl-sb-theirs-{id}"));
    let _made = Made { label: label.clone(), network: net.clone() };
    docker(&["run", "-d", "--label", &label, "--name", &theirs, "busybox:latest", "sleep", "600"]);

    let data = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::new(data.path(), Knowledge::builtin());
    let mut engine = Engine::new(context::resolve_from_environment().unwrap(), Default::default());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let cwd = std::env::current_dir().unwrap();
    let mut run = |line: &str| -> (Option<String>, Vec<String>) {
        let (before, warning) = rt.block_on(sandbox.before(&mut engine, line, &cwd, &[])).unwrap();
        if warning.is_none() {
            let ok = std::process::Command::new("sh").arg("-c").arg(line).status().unwrap();
            assert!(ok.success(), "{line}");
        }
        let told = rt.block_on(sandbox.after(&mut engine, before)).unwrap();
        (warning.map(|w| w.render()), told)
    };

    let (warning, told) = run(&format!("docker network create {net} >/dev/null"));
    assert!(warning.is_none());
    assert!(told.contains(&format!("created network {net}")), "{told:?}");
    let (warning, told) = run(&format!(
        "docker run -d --label {label} --name {web} --network {net} -p 8000 busybox:latest sleep 600 >/dev/null"
    ));
    assert!(warning.is_none());
    assert!(
        told.iter().any(|l| l.starts_with(&format!("container {web}: created from busybox:latest, started"))),
        "{told:?}"
    );
    assert!(told.iter().any(|l| l.contains("reaches port 8000/tcp") && l.contains("http://localhost:")), "{told:?}");

    // Someone else's container: the guard names it, and it is not run.
    let (warning, _) = run(&format!("docker rm -f {theirs}"));
    let warning = warning.expect("removing a container the session did not make is flagged");
    assert!(warning.contains(&format!("remove container {theirs}")), "{warning}");
    assert!(docker_status(&["inspect", &theirs]).status.success());
    // The session's own: runs without a word.
    let (warning, told) = run(&format!("docker rm -f {web} >/dev/null"));
    assert!(warning.is_none(), "{warning:?}");
    assert!(told.iter().any(|l| l.starts_with(&format!("container {web}:")) && l.ends_with("removed")), "{told:?}");

    let records = Ledger::in_dir(data.path()).load().unwrap();
    assert!(records.iter().any(|r| r.kind == Kind::Network && r.name == net), "{records:?}");
    assert!(records.iter().any(|r| r.kind == Kind::Container && r.name == web), "{records:?}");
    assert!(!records.iter().any(|r| r.name == theirs), "made before the session: never recorded");
}

/// The sandbox's prompt, in a pty, as a learner meets it: narration after each command,
/// `:what`, `:map`, `:explain`, the guard's question, and the way back to the course.
#[test]
fn a_learner_plays_in_the_sandbox_and_goes_back_to_the_course() {
    let _busybox = Image::acquire("busybox:latest");
    let id = format!("{}-prompt", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let (net, theirs, mine) = (format!("dl-sbp-net-{id}"), format!("dl-sbp-theirs-{id}"), format!("dl-sbp-mine-{id}"));
    let _made = Made { label: label.clone(), network: net.clone() };
    // Someone else's container: the guard must ask before removing it.
    docker(&["run", "-d", "--label", &label, "--name", &theirs, "busybox:latest", "sleep", "600"]);
    let data = tempfile::tempdir().unwrap();
    let mut p = sandbox_prompt(data.path());

    p.send_line(&format!("docker network create --label {label} {net}")).unwrap();
    p.exp_string(&format!("created network {net}")).unwrap();
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(&format!(
        "docker run -d --label {label} --name {mine} --network {net} -p 127.0.0.1::80 busybox:latest httpd -f -p 80"
    ))
    .unwrap();
    p.exp_string(&format!("container {mine}: ")).unwrap();
    p.exp_string("open http://localhost:").unwrap();
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(":what").unwrap();
    p.exp_string(&format!("container {mine}: ")).unwrap();

    p.send_line(":explain docker run -p 8080:80 nginx").unwrap();
    p.exp_string("host").unwrap();
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(":map").unwrap();
    p.exp_string(&mine).unwrap();
    p.exp_string("[sandbox] $").unwrap();

    // Removing what is not the learner's asks first; "no" leaves it.
    p.send_line(&format!("docker rm -f {theirs}")).unwrap();
    p.exp_string("Run it anyway? [y/N]").unwrap();
    p.send_line("n").unwrap();
    p.exp_string("Not run.").unwrap();
    p.exp_string("[sandbox] $").unwrap();
    assert!(docker_status(&["inspect", &theirs]).status.success(), "the guard kept someone else's container");
    // What the learner made goes without a question.
    p.send_line(&format!("docker rm -f {mine}")).unwrap();
    p.exp_string(&format!("container {mine}: ")).unwrap();
    p.exp_string("[sandbox] $").unwrap();

    p.send_line(":hint").unwrap();
    p.exp_string("`:sandbox` to go back to the course").unwrap();
    // Help in the sandbox lists what works there, not the lesson's commands.
    p.send_line(":help").unwrap();
    let listed = p.exp_string("Ctrl-D leaves.").unwrap();
    assert!(listed.contains(":map") && listed.contains(":explain CMD"), "{listed}");
    assert!(!listed.contains(":hint") && !listed.contains(":solution"), "{listed}");
    p.send_line(":sandbox").unwrap();
    p.exp_string("To the course.").unwrap();
    p.exp_string("[install-check 1/").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// On a shared engine: while a sandbox command runs, another program (this test) makes
/// a container, a volume and a network. The narration names only the command's own
/// objects, and `clean` lists only them; a Compose project made at the prompt is told
/// and listed too.
#[test]
fn on_a_shared_engine_only_the_commands_own_objects_are_told_and_recorded() {
    let _busybox = Image::acquire("busybox:latest");
    let id = format!("{}-shared", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let n = |what: &str| format!("dl-sh-{what}-{id}");
    let (my_net, my_vol, my_mount, mine) = (n("mynet"), n("myvol"), n("mymount"), n("mine"));
    let (their_net, their_vol, theirs) = (n("theirnet"), n("theirvol"), n("theirs"));
    let project = format!("dlsh{}", id.replace('-', ""));
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("compose.yaml");
    let labels = format!("    labels:\n      {LABEL_KEY}: \"{id}\"\n");
    std::fs::write(
        &file,
        format!("version: \"3\"\nservices:\n  app:\n    image: busybox:latest\n    command: sleep 600\n{labels}networks:\n  default:\n{labels}"),
    )
    .unwrap();
    let _made = Shared {
        label: label.clone(),
        networks: vec![my_net.clone(), their_net.clone(), format!("{project}_default")],
        volumes: vec![my_vol.clone(), my_mount.clone(), their_vol.clone()],
        compose: Some((file.clone(), project.clone())),
    };
    let (ready, go) = (work.path().join("ready"), work.path().join("go"));

    let data = tempfile::tempdir().unwrap();
    let mut p = sandbox_prompt(data.path());
    // The learner's command makes its objects, then waits while another program works.
    let command = format!(
        "docker volume create --label {label} {my_vol} && docker network create --label {label} {my_net} && docker run -d --label {label} --name {mine} --network {my_net} --mount type=volume,source={my_mount},target=/data,volume-label={label} busybox:latest sleep 600 && touch {ready} && while [ ! -e {go} ]; do sleep 0.05; done",
        ready = ready.display(),
        go = go.display()
    );
    p.send_line(&format!("{command}; echo ran-$((40+2))")).unwrap();
    crate::support::wait_until("the command's objects", std::time::Duration::from_secs(30), || ready.exists());
    docker(&["volume", "create", "--label", &label, &their_vol]);
    docker(&["network", "create", "--label", &label, &their_net]);
    // On the learner's network, too: its joining is not the learner's doing.
    docker(&[
        "run",
        "-d",
        "--label",
        &label,
        "--name",
        &theirs,
        "--network",
        &my_net,
        "busybox:latest",
        "sleep",
        "600",
    ]);
    std::fs::write(&go, "").unwrap();
    p.exp_string("ran-42").unwrap();
    let told = p.exp_string("[sandbox] $").unwrap();
    for own in [
        format!("created volume {my_vol}"),
        format!("created network {my_net}"),
        format!("container {mine}: created from busybox:latest, started"),
        format!("/data in {mine} is kept in volume {my_mount}"),
    ] {
        assert!(told.contains(&own), "the narration lacks {own:?}:\n{told}");
    }
    for other in [&theirs, &their_vol, &their_net] {
        assert!(!told.contains(other.as_str()), "another program's {other} was told as the learner's:\n{told}");
    }

    // Compose v1 honours DOCKER_HOST too: its project is the learner's.
    let told = told_after(&mut p, &format!("docker-compose -f {} -p {project} up -d", file.display()));
    for own in [
        format!("created network {project}_default"),
        format!("container {project}_app_1: created from busybox:latest, started"),
    ] {
        assert!(told.contains(&own), "the narration lacks {own:?}:\n{told}");
    }
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();

    let dry = crate::support::Test::new()
        .env("DOCKERLEARN_DATA_DIR", data.path())
        .remove_env("DOCKERLEARN_SCOPE")
        .args(["clean", "--dry-run"])
        .run()
        .code(0);
    for own in [
        format!("container {mine}"),
        format!("network   {my_net}"),
        format!("volume    {my_vol}"),
        format!("volume    {my_mount}"),
        format!("container {project}_app_1"),
        format!("network   {project}_default"),
    ] {
        assert!(dry.stdout.contains(&own), "clean's list lacks {own:?}:\n{}", dry.stdout);
    }
    assert!(dry.stdout.contains("still there (6)"), "{}", dry.stdout);
    for other in [&theirs, &their_vol, &their_net] {
        assert!(!dry.stdout.contains(other.as_str()), "clean would remove another program's {other}:\n{}", dry.stdout);
    }
}

/// Through the proxy, the terminal still belongs to the command: `docker run -it` takes
/// what is typed, `docker attach` and `docker exec -it` too, and `docker logs -f`
/// streams until the container ends.
#[test]
fn interactive_commands_pass_through_the_proxy() {
    let _busybox = Image::acquire("busybox:latest");
    // `docker events --since` below reads the engine's memory of events.
    let _memory = crate::support::EventMemory::shared();
    let id = format!("{}-interactive", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let n = |what: &str| format!("dl-it-{what}-{id}");
    let _made = Shared { label: label.clone(), networks: vec![], volumes: vec![], compose: None };
    let data = tempfile::tempdir().unwrap();
    let mut p = sandbox_prompt(data.path());

    let it = n("it");
    p.send_line(&format!("docker run -it --rm --label {label} --name {it} busybox:latest sh")).unwrap();
    p.exp_string("/ #").unwrap();
    p.send_line("echo typed-$((6*7))").unwrap();
    p.exp_string("typed-42").unwrap();
    p.send_line("exit").unwrap();
    p.exp_string(&format!(
        "container {it}: created from busybox:latest, started, finished (exit code 0: success), removed"
    ))
    .unwrap();
    p.exp_string("[sandbox] $").unwrap();

    let att = n("attach");
    p.send_line(&format!("docker run -di --label {label} --name {att} busybox:latest sh -c 'read l; echo got-$l'"))
        .unwrap();
    p.exp_string("[sandbox] $").unwrap();
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
    p.send_line(&format!("docker attach {att}")).unwrap();
    // Typed once attach runs (earlier, the line editor would take it as the next line).
    crate::support::wait_until("docker attach", std::time::Duration::from_secs(20), || {
        let until = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 1;
        let filters = ["--filter", &format!("container={att}"), "--filter", "event=attach"];
        let mut args = vec!["events", "--since", &since];
        let until = until.to_string();
        args.extend(["--until", &until]);
        args.extend(filters);
        !docker(&args).trim().is_empty()
    });
    p.send_line("hello").unwrap();
    p.exp_string("got-hello").unwrap();
    p.exp_string(&format!("container {att}: finished (exit code 0: success)")).unwrap();
    p.exp_string("[sandbox] $").unwrap();

    let ex = n("exec");
    p.send_line(&format!("docker run -d --label {label} --name {ex} busybox:latest sleep 600")).unwrap();
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(&format!(
        "docker exec -it {ex} sh -c 'echo exec-$((1+2)); while read l; do echo exec-$l; [ \"$l\" = x ] && break; done'"
    ))
    .unwrap();
    p.exp_string("exec-3").unwrap();
    // On a loaded machine a typed line may take long to come through: it is typed again,
    // as a learner would (a second one after the exec ended runs at the prompt, harmless).
    p.send_line("x").unwrap();
    if p.exp_string("exec-x").is_err() {
        p.send_line("x").unwrap();
        p.exp_string("exec-x").unwrap();
    }
    p.exp_string(&format!("container {ex}: a command ran in it (exec)")).unwrap();
    p.exp_string("[sandbox] $").unwrap();

    let lf = n("logs");
    p.send_line(&format!(
        "docker run -d --label {label} --name {lf} busybox:latest sh -c 'for i in 1 2 3; do echo tick$i; sleep 0.3; done' >/dev/null; docker logs -f {lf}"
    ))
    .unwrap();
    p.exp_string("tick1").unwrap();
    p.exp_string("tick3").unwrap();
    p.exp_string(&format!("container {lf}: created from busybox:latest, started, finished (exit code 0: success)"))
        .unwrap();
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// An engine that is not on a local socket cannot be fronted: the sandbox says once
/// that it takes every change for the learner's.
#[test]
fn an_engine_not_on_a_local_socket_is_said_once() {
    let data = tempfile::tempdir().unwrap();
    let command = crate::support::Test::new()
        .env("DOCKERLEARN_DATA_DIR", data.path())
        .env("DOCKER_HOST", "tcp://127.0.0.1:9")
        .args(["sandbox"])
        .command();
    let ran = crate::support::run_within(command, std::time::Duration::from_secs(30));
    let said = "The Docker engine is at tcp://127.0.0.1:9, not on a local socket";
    assert_eq!(ran.stdout.matches(said).count(), 1, "{}\n{}", ran.stdout, ran.stderr);
}

/// In a terminal 60 columns wide, the prompt's notices and what a command changed are
/// wrapped to fit, by words.
#[test]
fn notices_and_narration_are_wrapped_to_the_terminal() {
    let _busybox = Image::acquire("busybox:latest");
    let id = format!("{}-wrap", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let _made = Shared { label: label.clone(), networks: vec![], volumes: vec![], compose: None };
    let data = tempfile::tempdir().unwrap();
    let command = crate::support::with_columns(60, sandbox_test(data.path()).command());
    let mut p = rexpect::session::spawn_command(command, Some(30_000)).expect("the sandbox starts in a pty");
    let fits = |text: &str, whole: &str| {
        let plain = regex::Regex::new("\u{1b}\\[[0-9;?]*[a-zA-Z]").unwrap().replace_all(text, "").into_owned();
        for line in plain.lines() {
            assert!(line.trim_end().chars().count() <= 60, "wider than the terminal: {line:?}\n{plain}");
        }
        let words = plain.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains(whole), "{whole:?} is not there, wrapped or not:\n{plain}");
    };
    let welcome = p.exp_string("[sandbox] $").unwrap();
    fits(&welcome, "The sandbox: run any docker command; after each one dockerlearn tells what changed in the engine.");
    let name = format!("dl-wrap-{id}");
    let told = told_after(&mut p, &format!("docker run --rm --label {label} --name {name} busybox:latest true"));
    fits(
        &told,
        &format!("container {name}: created from busybox:latest, started, finished (exit code 0: success), removed"),
    );
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// A command that names its own engine goes around the prompt's relay: the prompt says
/// that what it makes is not told nor recorded. One that does not is run without a word.
#[test]
fn a_command_naming_its_own_engine_is_told_it_goes_around_the_relay() {
    let data = tempfile::tempdir().unwrap();
    let mut p = sandbox_prompt(data.path());
    p.send_line("docker ps --filter label=none -q && echo plain-$((1+1))").unwrap();
    let before = p.exp_string("plain-2").unwrap();
    assert!(!before.contains("its own way"), "{before}");
    p.exp_string("[sandbox] $").unwrap();
    p.send_line("docker -H unix:///var/run/docker.sock ps --filter label=none -q && echo direct-$((1+2))").unwrap();
    p.exp_string("This command reaches an engine its own way (`-H`)").unwrap();
    p.exp_string("direct-3").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// `docker run --rm -v NAME:/data` makes the volume `NAME` when it is missing (a typo
/// does it as well): the container is gone at once, but the volume is recorded as the
/// learner's, told, and `clean` lists it.
#[test]
fn a_volume_made_by_mounting_it_in_a_rm_run_is_recorded() {
    let _busybox = Image::acquire("busybox:latest");
    let id = format!("{}-implicit", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let volume = format!("dl-{id}-note-data");
    let _made = Shared { label: label.clone(), networks: vec![], volumes: vec![volume.clone()], compose: None };
    let data = tempfile::tempdir().unwrap();
    let mut p = sandbox_prompt(data.path());
    p.send_line(&format!("docker run --rm --label {label} -v {volume}:/data busybox:latest true")).unwrap();
    p.exp_string(&format!("volume {volume}")).unwrap();
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
    let dry = crate::support::Test::new()
        .env("DOCKERLEARN_DATA_DIR", data.path())
        .remove_env("DOCKERLEARN_SCOPE")
        .args(["clean", "--dry-run"])
        .run()
        .code(0);
    assert!(dry.stdout.contains(&format!("volume    {volume}")), "{}", dry.stdout);
}

/// A `--rm` container is gone when its command ends; the narration still says where
/// it kept its data (read as the container was created), since that data stays.
#[test]
fn a_rm_run_is_told_where_its_data_stayed() {
    let _busybox = Image::acquire("busybox:latest");
    let id = format!("{}-stayed", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let (name, volume) = (format!("dl-stayed-{id}"), format!("dl-stayed-{id}-data"));
    let _made = Shared { label: label.clone(), networks: vec![], volumes: vec![volume.clone()], compose: None };
    let data = tempfile::tempdir().unwrap();
    let folder = data.path().canonicalize().unwrap();
    let mut p = sandbox_prompt(data.path());
    let told = told_after(
        &mut p,
        &format!(
            "cd {} && docker run --rm --label {label} --name {name} -v \"$PWD\":/work -v {volume}:/data -v /cache busybox:latest sh -c 'echo hi > /work/note.txt'",
            folder.display()
        ),
    );
    assert!(told.contains(&format!("container {name}: created from busybox:latest, started")), "{told}");
    assert!(
        told.contains(&format!("/work in {name} was the folder {} on your computer", folder.display())),
        "the bind mount is told:\n{told}"
    );
    assert!(told.contains(&format!("/data in {name} was volume {volume}")), "the volume is told:\n{told}");
    assert!(!told.contains("/cache in"), "an anonymous volume goes with the container:\n{told}");
    // Without --rm, `docker rm` keeps the anonymous volume: it is named, to remove.
    let kept = format!("dl-kept-{id}");
    told_after(&mut p, &format!("docker run -d --label {label} --name {kept} -v /cache busybox:latest sleep 600"));
    let anonymous = docker(&["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", &kept]).trim().to_owned();
    let told = told_after(&mut p, &format!("docker rm -f {kept}"));
    let _ = crate::support::docker_status(&["volume", "rm", &anonymous]);
    assert!(
        told.contains(&format!("(at /cache in {kept}) stays: `docker volume rm {anonymous}` removes it")),
        "{told}"
    );
    assert_eq!(std::fs::read_to_string(folder.join("note.txt")).unwrap(), "hi\n");
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// `:quit` leaves from the sandbox however the learner came there, a trip to the course
/// and back included; the sandbox's `:help` lists what works there.
#[test]
fn quit_works_in_the_sandbox_after_a_trip_to_the_course() {
    let data = tempfile::tempdir().unwrap();
    let mut p = sandbox_prompt(data.path());
    p.send_line(":help").unwrap();
    let help = p.exp_string("Ctrl-D leaves.").unwrap();
    assert!(help.contains(":what") && help.contains(":map") && help.contains(":quit"), "{help}");
    assert!(!help.contains(":hint") && help.contains("to the course"), "{help}");
    p.send_line(":sandbox").unwrap();
    p.exp_string("To the course.").unwrap();
    p.exp_regex(r"\[[a-z-]+ \d+/\d+\] \$").unwrap();
    p.send_line(":sandbox").unwrap();
    p.exp_string("Your lesson waits").unwrap();
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_string("Progress saved.").unwrap();
    p.exp_eof().unwrap();
}

/// What the engine refused or did by force is told as such: a start that failed, an
/// exec that failed, a `docker stop` that had to kill.
#[test]
fn refused_starts_failed_execs_and_forced_stops_are_told() {
    let _busybox = Image::acquire("busybox:latest");
    let id = format!("{}-refused", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let (broken, sleeper) = (format!("dl-refused-{id}"), format!("dl-sleeper-{id}"));
    let _made = Shared { label: label.clone(), networks: vec![], volumes: vec![], compose: None };
    let data = tempfile::tempdir().unwrap();
    let mut p = sandbox_prompt(data.path());
    let told = told_after(&mut p, &format!("docker run --label {label} --name {broken} busybox:latest nosuchcommand"));
    assert!(told.contains(&format!("container {broken}: created from busybox:latest, but could not start")), "{told}");
    assert!(!told.contains("network bridge"), "joining and leaving the bridge is not news:\n{told}");
    told_after(&mut p, &format!("docker run -d --label {label} --name {sleeper} busybox:latest sleep 600"));
    let told = told_after(&mut p, &format!("docker exec {sleeper} sh -c 'exit 3'"));
    assert!(
        told.contains(&format!("container {sleeper}: a command ran in it (exec) and failed (exit code 3)")),
        "{told}"
    );
    // A command that does not exist: the engine sends no exec_die, and says so when asked.
    let told = told_after(&mut p, &format!("docker exec {sleeper} nosuchcommand"));
    assert!(
        told.contains(&format!("container {sleeper}: a command could not run in it (exec, exit code 12")),
        "{told}"
    );
    // `sleep` as the first process ignores the polite signal: stop kills it after 1 s.
    let told = told_after(&mut p, &format!("docker stop -t 1 {sleeper}"));
    assert!(
        told.contains(&format!("container {sleeper}: did not stop when asked, so it was killed (exit code 137")),
        "{told}"
    );
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// A container run with `-d` that fails after the command has returned is told before
/// the next command runs, with its last lines: not silently gone from `docker ps`.
#[test]
fn what_happened_to_the_learners_containers_meanwhile_is_told() {
    let _busybox = Image::acquire("busybox:latest");
    let id = format!("{}-meanwhile", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let (crash, theirs) = (format!("dl-crash-{id}"), format!("dl-theirs-{id}"));
    let _made = Shared { label: label.clone(), networks: vec![], volumes: vec![], compose: None };
    // What happened between two commands is read from the engine's memory of events.
    let _memory = crate::support::EventMemory::shared();
    let data = tempfile::tempdir().unwrap();
    let signal = tempfile::tempdir().unwrap();
    let mut p = sandbox_prompt(data.path());
    // It fails once the test says so, after the command has returned.
    told_after(
        &mut p,
        &format!(
            "docker run -d --label {label} --name {crash} -v {}:/signal busybox:latest sh -c 'until [ -e /signal/go ]; do sleep 0.1; done; echo oops; exit 2'",
            signal.path().display()
        ),
    );
    std::fs::write(signal.path().join("go"), "").unwrap();
    // Another program's container ends meanwhile too: not the learner's to hear of.
    crate::support::docker_status(&[
        "run",
        "--label",
        &label,
        "--name",
        &theirs,
        "busybox:latest",
        "sh",
        "-c",
        "exit 5",
    ]);
    crate::support::wait_until("the container's end", std::time::Duration::from_secs(30), || {
        docker(&["inspect", "-f", "{{.State.Status}}", &crash]).trim() == "exited"
    });
    // Told before the next command runs.
    let told_before = |p: &mut rexpect::session::PtySession| {
        p.send_line("true; echo ran-$((40+2))").unwrap();
        let told = p.exp_string("ran-42").unwrap();
        p.exp_string("[sandbox] $").unwrap();
        told
    };
    let told = told_before(&mut p);
    assert!(told.contains("Since your last command:"), "{told}");
    assert!(told.contains(&format!("container {crash}: failed (exit code 2)")), "{told}");
    assert!(told.contains("oops"), "its last lines are told:\n{told}");
    assert!(!told.contains(&theirs), "another program's container is not:\n{told}");
    let told = told_before(&mut p);
    assert!(!told.contains("Since your last command:"), "told once:\n{told}");
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}
