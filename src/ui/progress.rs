//! Progress bars: the one place that draws them (indicatif, on stderr, hidden when it
//! is not a terminal). Commands report bytes and layers; this decides how they look.

use crate::engine::registry::LayerProgress;
use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;

/// Sizes as people read them (`1.50 GiB`), the same units the bars use.
pub fn human_bytes(n: u64) -> String {
    HumanBytes(n).to_string()
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).expect("a valid template").progress_chars("=> ")
}

/// One transfer of a known or growing number of bytes (saving or loading a kit).
pub struct Transfer {
    bar: ProgressBar,
}

impl Transfer {
    pub fn new(what: &str) -> Transfer {
        let bar = ProgressBar::new(0).with_style(style("  {msg:10} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}"));
        bar.set_message(what.to_owned());
        Transfer { bar }
    }

    /// `done` bytes of `total` (0: not known yet) in the phase `what`.
    pub fn update(&self, what: &str, done: u64, total: u64) {
        self.bar.set_message(what.to_owned());
        if total > 0 {
            self.bar.set_length(total);
        }
        self.bar.set_position(done);
    }

    pub fn position(&self, done: u64) {
        self.bar.set_position(done);
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// The bars of one image's pull: the image as a whole, and one per layer below it.
pub struct Pull {
    multi: MultiProgress,
    total: ProgressBar,
    layers: HashMap<String, (ProgressBar, u64, u64)>,
}

impl Pull {
    pub fn new(image: &str) -> Pull {
        let multi = MultiProgress::new();
        let total = multi.add(ProgressBar::new(0).with_message(format!("{image}: pulling")));
        total.set_style(style("{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}"));
        Pull { multi, total, layers: HashMap::new() }
    }

    pub fn layer(&mut self, p: &LayerProgress) {
        let (bar, done, size) = self.layers.entry(p.layer.clone()).or_insert_with(|| {
            let b = self.multi.add(
                ProgressBar::new(0)
                    .with_style(style("  {prefix} {bar:30} {bytes}/{total_bytes} {msg}"))
                    .with_prefix(p.layer.clone()),
            );
            (b, 0, 0)
        });
        if let Some(t) = p.total {
            bar.set_length(t);
            *size = t;
        }
        if let Some(c) = p.current {
            bar.set_position(c);
            *done = c;
        }
        bar.set_message(p.status.clone());
        self.total.set_length(self.layers.values().map(|l| l.2).sum());
        self.total.set_position(self.layers.values().map(|l| l.1.min(l.2)).sum());
    }

    pub fn finish(self) {
        for (bar, _, _) in self.layers.values() {
            bar.finish_and_clear();
        }
        self.total.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_in_the_units_of_the_bars() {
        assert_eq!(super::human_bytes(80_123_000_000), "74.62 GiB");
        assert_eq!(super::human_bytes(250_000_000), "238.42 MiB");
    }
}
