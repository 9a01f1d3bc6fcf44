//! The notebook lesson against the image built from Debian's Jupyter packages: each
//! checkpoint fails the lazy or wrong attempt (no `-p`, a notebook made without the
//! token, the folder mounted at the wrong path, a package installed in another
//! container, a commit made before the install, a function that runs the wrong image)
//! and passes the right one, `--rm` included where the lesson allows it.

use crate::fixtures::NOTEBOOK;
use crate::support::{Image, Sandbox, docker, docker_status, fixed_names, wait_until};
use crate::tight::{LabelledImages, absent, begin, check_in, passes, passes_soon, sh};
use std::path::Path;
use std::time::Duration;

/// Jupyter answers inside `name` (whether or not a port is published).
fn wait_serving(name: &str) {
    let probe = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8888/api')";
    wait_until(&format!("Jupyter in `{name}` to answer"), Duration::from_secs(60), || {
        docker_status(&["exec", name, "python", "-c", probe]).status.success()
    });
}

/// The lesson's folder, `~/dockerlearn/notebook`, which the notebook's user (uid 1000)
/// may write into, as the lesson has the learner make it.
fn work_folder(sb: &Sandbox) -> std::path::PathBuf {
    let dir = sb.folder("notebook");
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    dir
}

/// Another folder the notebook's user may write into: not the lesson's.
fn other_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    dir
}

/// Creates a notebook through Jupyter's API at `path` (`""` or `work`), with the token
/// from the container's log when `with_token`.
fn new_notebook(sb: &Sandbox, dir: &Path, container: &str, path: &str, with_token: bool) {
    let auth = if with_token {
        format!(
            "-H \"Authorization: token $(docker logs {container} 2>&1 | grep -o 'token=[0-9a-f]*' | tail -n 1 | cut -d= -f2)\""
        )
    } else {
        String::new()
    };
    sh(
        sb,
        dir,
        &format!("curl -s -X POST {auth} -d '{{\"type\": \"notebook\"}}' http://localhost:8888/api/contents/{path}"),
    );
}

#[test]
fn start_needs_the_published_port_and_accepts_rm() {
    let _image = Image::acquire(NOTEBOOK);
    let _names = fixed_names();
    let sb = Sandbox::new();
    let dir = work_folder(&sb);
    begin(&sb, "notebook", "start");
    assert!(!passes(&sb, "notebook/start", dir.as_path()), "passes before the server runs");

    // The server runs and answers inside, but nothing outside reaches it.
    sh(&sb, dir.as_path(), &format!("docker run -d --name notebook {NOTEBOOK}"));
    wait_serving("notebook");
    let v = check_in(&sb, "notebook/start", dir.as_path());
    assert_eq!(v["passed"], false, "passes without -p: {v}");
    assert_eq!(v["outcomes"][1]["status"], "fail", "{v}");
    docker(&["rm", "-f", "notebook"]);

    sh(&sb, dir.as_path(), &format!("docker run -d --rm --name notebook -p 8888:8888 {NOTEBOOK}"));
    passes_soon(&sb, "notebook/start", dir.as_path());
}

#[test]
fn a_notebook_needs_the_token() {
    let _image = Image::acquire(NOTEBOOK);
    let _names = fixed_names();
    let sb = Sandbox::new();
    let dir = work_folder(&sb);
    sh(&sb, dir.as_path(), &format!("docker run -d --name notebook -p 8888:8888 {NOTEBOOK}"));
    wait_serving("notebook");
    begin(&sb, "notebook", "open");
    assert!(!passes(&sb, "notebook/open", dir.as_path()), "passes before a notebook was made");

    new_notebook(&sb, dir.as_path(), "notebook", "", false);
    assert!(!passes(&sb, "notebook/open", dir.as_path()), "passes after a request without the token");
    // A file of that name is not a notebook.
    docker(&["exec", "notebook", "touch", "/home/jovyan/Untitled.ipynb"]);
    assert!(!passes(&sb, "notebook/open", dir.as_path()), "passes with an empty file");
    docker(&["exec", "notebook", "rm", "/home/jovyan/Untitled.ipynb"]);

    new_notebook(&sb, dir.as_path(), "notebook", "", true);
    passes_soon(&sb, "notebook/open", dir.as_path());
    // The log shows the address as the real image does.
    let logs = docker_status(&["logs", "notebook"]);
    let logs = String::from_utf8_lossy(&logs.stderr);
    assert!(logs.contains("http://127.0.0.1:8888/lab?token="), "{logs}");
}

#[test]
fn the_work_folder_must_be_mounted_at_home_jovyan_work() {
    let _image = Image::acquire(NOTEBOOK);
    let _names = fixed_names();
    let sb = Sandbox::new();
    let dir = work_folder(&sb);
    sh(&sb, dir.as_path(), &format!("docker run -d --name notebook -p 8888:8888 {NOTEBOOK}"));
    wait_serving("notebook");
    begin(&sb, "notebook", "work-folder");
    assert!(!passes(&sb, "notebook/work-folder", dir.as_path()), "passes without a mount");
    docker(&["rm", "-f", "notebook"]);

    for wrong in ["/home/jovyan", "/work"] {
        sh(&sb, dir.as_path(), &format!("docker run -d --name notebook -p 8888:8888 -v \"$PWD\":{wrong} {NOTEBOOK}"));
        wait_serving("notebook");
        assert!(!passes(&sb, "notebook/work-folder", dir.as_path()), "passes with the folder at {wrong}");
        docker(&["rm", "-f", "notebook"]);
    }
    // Another folder at the right path is not the learner's.
    let other = other_folder();
    sh(
        &sb,
        other.path(),
        &format!("docker run -d --name notebook -p 8888:8888 -v \"$PWD\":/home/jovyan/work {NOTEBOOK}"),
    );
    wait_serving("notebook");
    assert!(!passes(&sb, "notebook/work-folder", dir.as_path()), "passes with another folder mounted");
    docker(&["rm", "-f", "notebook"]);

    sh(
        &sb,
        dir.as_path(),
        &format!("docker run -d --rm --name notebook -p 8888:8888 -v \"$PWD\":/home/jovyan/work {NOTEBOOK}"),
    );
    passes_soon(&sb, "notebook/work-folder", dir.as_path());

    begin(&sb, "notebook", "save-work");
    assert!(!passes(&sb, "notebook/save-work", dir.as_path()), "passes before a notebook was saved");
    // Saved at the top level, it stays in the container.
    new_notebook(&sb, dir.as_path(), "notebook", "", true);
    assert!(!passes(&sb, "notebook/save-work", dir.as_path()), "passes with the notebook outside `work`");
    new_notebook(&sb, dir.as_path(), "notebook", "work", true);
    passes_soon(&sb, "notebook/save-work", dir.as_path());
    assert!(dir.as_path().join("Untitled.ipynb").is_file());
}

#[test]
fn install_commit_and_the_function_need_the_package_the_image_and_the_folder() {
    let _image = Image::acquire(NOTEBOOK);
    let _names = fixed_names();
    absent("mynotebook:v1");
    let sb = Sandbox::new();
    let _images = LabelledImages(sb.label.clone());
    let dir = work_folder(&sb);
    sh(
        &sb,
        dir.as_path(),
        &format!("docker run -d --name notebook -p 8888:8888 -v \"$PWD\":/home/jovyan/work {NOTEBOOK}"),
    );
    wait_serving("notebook");

    // Committed before the install: the image lacks the package.
    begin(&sb, "notebook", "commit");
    sh(&sb, dir.as_path(), "docker commit notebook mynotebook:v1");
    let v = check_in(&sb, "notebook/commit", dir.as_path());
    assert_eq!(v["passed"], false, "passes with an image committed before the install: {v}");
    docker(&["rmi", "mynotebook:v1"]);

    begin(&sb, "notebook", "install");
    assert!(!passes(&sb, "notebook/install", dir.as_path()), "passes before the install");
    // Installed in another container of the same image: not in `notebook`.
    sh(&sb, dir.as_path(), &format!("docker run --rm {NOTEBOOK} pip install cowsay"));
    assert!(!passes(&sb, "notebook/install", dir.as_path()), "passes with the package in another container");
    sh(&sb, dir.as_path(), "docker exec notebook pip install cowsay");
    passes_soon(&sb, "notebook/install", dir.as_path());

    begin(&sb, "notebook", "commit");
    sh(&sb, dir.as_path(), "docker commit notebook mynotebook:v1");
    passes_soon(&sb, "notebook/commit", dir.as_path());

    begin(&sb, "notebook", "function");
    docker(&["rm", "-f", "notebook"]);
    assert!(!passes(&sb, "notebook/function", dir.as_path()), "passes before the function ran");
    let function = |image: &str, mount: &str| {
        format!(
            "cat > jupyter.sh <<'EOF'\njupyter() {{\n  docker run -d --rm --name jupyter -p \"${{1:-8888}}\":8888 {mount} {image}\n}}\nEOF\n. ./jupyter.sh && jupyter"
        )
    };
    for (image, mount) in [(NOTEBOOK, "-v \"$PWD\":/home/jovyan/work"), ("mynotebook:v1", "")] {
        sh(&sb, dir.as_path(), &function(image, mount));
        wait_serving("jupyter");
        assert!(!passes(&sb, "notebook/function", dir.as_path()), "passes with {image} {mount}");
        docker(&["rm", "-f", "jupyter"]);
    }
    sh(&sb, dir.as_path(), &function("mynotebook:v1", "-v \"$PWD\":/home/jovyan/work"));
    passes_soon(&sb, "notebook/function", dir.as_path());

    begin(&sb, "notebook", "clean-up");
    assert!(!passes(&sb, "notebook/clean-up", dir.as_path()), "passes while `jupyter` runs");
    sh(&sb, dir.as_path(), "docker stop jupyter");
    passes_soon(&sb, "notebook/clean-up", dir.as_path());
}
