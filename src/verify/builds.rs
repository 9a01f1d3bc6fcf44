//! What a solution's `docker build` leaves that carries no label of the run. The
//! classic builder (the engine's own, used unless BuildKit is) commits every step as
//! an image and runs it in an intermediate container, but the run's `--label` reaches
//! only the final image: a failed build leaves its failing step's container and the
//! images of the steps before it, and a multi-stage build leaves each builder stage's
//! last image untagged. The shim adds `--force-rm` (no containers left, even on
//! failure) and keeps a copy of each build's output, which names every step's image;
//! verify removes those it made, and only those: a step answered from the cache
//! (`Using cache`) names an image that existed before, maybe another build's. BuildKit
//! keeps no stage images in the image store and prints no steps, so nothing is read.

use crate::clean::Kind;
use crate::engine::Engine;
use tokio::runtime::Runtime;

/// What builds made, in the order they made it, as their output names it (short ids).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Made {
    pub containers: Vec<String>,
    pub images: Vec<String>,
}

/// One `Step N/M : INSTRUCTION` of a classic build's output, read so far.
#[derive(Default)]
struct Step {
    from: bool,
    ran: bool,
    cached: bool,
    result: Option<String>,
}

impl Step {
    /// The image this step committed, when it was this build's: not a cache hit, and not
    /// the base image a `FROM` names (unless `ONBUILD` triggers ran on top of it).
    fn made(self) -> Option<String> {
        (!self.cached && (!self.from || self.ran)).then_some(self.result).flatten()
    }
}

fn is_id(word: &str) -> bool {
    word.len() >= 12 && word.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads the output of any number of classic builds.
pub fn made_by(output: &str) -> Made {
    let mut made = Made::default();
    let mut step: Option<Step> = None;
    for line in output.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Step ").and_then(|r| r.split_once(" : ")).map(|(_, i)| i) {
            made.images.extend(step.take().and_then(Step::made));
            let from = rest.split_whitespace().next().is_some_and(|w| w.eq_ignore_ascii_case("from"));
            step = Some(Step { from, ..Step::default() });
            continue;
        }
        let Some(s) = step.as_mut() else { continue };
        match line.strip_prefix("---> ") {
            Some("Using cache") => s.cached = true,
            Some(arrow) => {
                if let Some(id) = arrow.strip_prefix("Running in ").filter(|id| is_id(id)) {
                    s.ran = true;
                    made.containers.push(id.to_owned());
                } else if is_id(arrow) {
                    s.result = Some(arrow.to_owned());
                }
            }
            // A failed step, or the end of a build: its last step is complete.
            None if line.starts_with("Successfully built ") || line.starts_with("The command ") => {
                made.images.extend(step.take().and_then(Step::made));
            }
            None => {}
        }
    }
    made.images.extend(step.and_then(Step::made));
    made
}

/// Removes what `made` names and the engine still holds: the containers (forced), then
/// the images, newest first, each only while untagged and without its parents. Run
/// after the run's labelled images are gone, so a final image's chain went with it.
/// Best effort, like the rest of verify's cleaning.
pub(super) fn remove(rt: &Runtime, engine: &mut Engine, made: &Made) {
    for id in &made.containers {
        let _ = rt.block_on(engine.remove_object(Kind::Container, id));
    }
    for id in made.images.iter().rev() {
        let _ = rt.block_on(engine.remove_untagged_image(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_stage_build_names_its_stage_images_but_not_the_cached_or_base_ones() {
        let output = "\
Sending build context to Docker daemon  2.048kB
Step 1/6 : FROM busybox:latest AS build
 ---> afa48a499d3c
Step 2/6 : RUN echo one > /one
 ---> Using cache
 ---> 8bb89f50de19
Step 3/6 : RUN echo built > /artifact
 ---> Running in e75d945c01e3
Removing intermediate container e75d945c01e3
 ---> d79e53e78ed0
Step 4/6 : FROM busybox:latest
 ---> afa48a499d3c
Step 5/6 : COPY --from=build /artifact /artifact
 ---> 5868b8073f1a
Step 6/6 : LABEL org.dockerlearn.verify=run1
 ---> Running in dc034f4495e1
Removing intermediate container dc034f4495e1
 ---> 95ea516bf351
Successfully built 95ea516bf351
Successfully tagged every-kind/app:stages
";
        let made = made_by(output);
        assert_eq!(made.images, ["d79e53e78ed0", "5868b8073f1a", "95ea516bf351"]);
        assert_eq!(made.containers, ["e75d945c01e3", "dc034f4495e1"]);
    }

    #[test]
    fn a_failed_build_names_its_failing_container_and_the_images_before_it() {
        let output = "\
Step 1/4 : FROM busybox:latest
 ---> afa48a499d3c
Step 2/4 : RUN echo one > /one
 ---> Running in 2284e7a16894
Removing intermediate container 2284e7a16894
 ---> 8bb89f50de19
Step 3/4 : RUN exit 3
 ---> Running in f16de2dcd94b
The command '/bin/sh -c exit 3' returned a non-zero code: 3
Step 1/2 : from busybox:latest
# Executing 1 build trigger
 ---> Running in 0123456789ab
Removing intermediate container 0123456789ab
 ---> 0123456789cd
";
        let made = made_by(output);
        assert_eq!(made.images, ["8bb89f50de19", "0123456789cd"], "an ONBUILD trigger's image is the build's own");
        assert_eq!(made.containers, ["2284e7a16894", "f16de2dcd94b", "0123456789ab"]);
    }

    #[test]
    fn output_without_steps_names_nothing() {
        assert_eq!(made_by("sha256:95ea516bf351\n#5 writing image sha256:0123 done\n"), Made::default());
    }
}
