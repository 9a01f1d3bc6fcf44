//! Which step a command means: `LESSON/STEP`, `LESSON` (its first step not passed yet),
//! or nothing (the learner's current step). Pure: course and progress in, position out.

use crate::course::Course;
use crate::progress::CourseProgress;
use crate::session::Position;
use crate::ui::escape;

/// The step `target` names, or a message saying what is wrong with it.
pub fn resolve(course: &Course, progress: &CourseProgress, target: Option<&str>) -> Result<Position, String> {
    let Some(target) = target else {
        let current = progress.current.as_ref().and_then(|c| {
            let lesson = course.find(&c.lesson)?;
            Some(Position { lesson, step: course.lessons[lesson].lesson.step_index(&c.step)? })
        });
        return Ok(current.unwrap_or(Position { lesson: 0, step: 0 }));
    };
    let (lesson_name, step_name) = match target.split_once('/') {
        Some((l, s)) => (l, Some(s)),
        None => (target, None),
    };
    let lesson = course
        .find_by_name(lesson_name)
        .ok_or_else(|| format!("there is no lesson `{}`. `dockerlearn list` shows them.", escape(lesson_name)))?;
    let l = &course.lessons[lesson].lesson;
    let Some(s) = step_name else {
        return Ok(Position { lesson, step: progress.first_open_step(l) });
    };
    let step = l.step_index(s).ok_or_else(|| {
        let ids: Vec<&str> = l.steps.iter().map(|s| s.id.as_str()).collect();
        format!("lesson `{}` has no step `{}`; its steps are: {}", l.id, escape(s), ids.join(", "))
    })?;
    Ok(Position { lesson, step })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Cursor;

    #[test]
    fn targets_name_a_step_a_lessons_next_step_or_the_current_one() {
        let course = crate::course::load_from(None).unwrap();
        let hello = course.find("hello-world").unwrap();
        let mut progress = CourseProgress::default();
        assert_eq!(resolve(&course, &progress, None), Ok(Position { lesson: 0, step: 0 }));
        assert_eq!(resolve(&course, &progress, Some("hello-world/name-it")), Ok(Position { lesson: hello, step: 1 }));
        progress.lesson_mut("hello-world").passed.insert("run-it".into());
        assert_eq!(resolve(&course, &progress, Some("hello-world")), Ok(Position { lesson: hello, step: 1 }));
        progress.current = Some(Cursor { lesson: "hello-world".into(), step: "clean-up".into() });
        assert_eq!(resolve(&course, &progress, None), Ok(Position { lesson: hello, step: 2 }));
        let e = resolve(&course, &progress, Some("hello-world/nope")).unwrap_err();
        assert!(e.starts_with("lesson `hello-world` has no step `nope`; its steps are: run-it, name-it"), "{e}");
        let e = resolve(&course, &progress, Some("\u{1b}]0;x\u{7}")).unwrap_err();
        assert!(!e.contains('\u{1b}') && e.contains("\\u{1b}]0;x\\u{7}"), "{e}");
    }
}
