//! Progress of an import: a bar on a terminal, plain log lines without one, nothing with
//! `--quiet`. Everything goes to standard error, so standard output holds only the summary.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressState, ProgressStyle};

use super::summary::count;
use super::terminal;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A progress bar, redrawn in place.
    Bar,
    /// One line per step.
    Lines,
    /// Nothing.
    Quiet,
}

impl Mode {
    /// A bar when standard error is a terminal, lines when it is not, nothing when `quiet`.
    pub fn detect(quiet: bool) -> Self {
        use std::io::IsTerminal;
        match (quiet, std::io::stderr().is_terminal()) {
            (true, _) => Mode::Quiet,
            (false, true) => Mode::Bar,
            (false, false) => Mode::Lines,
        }
    }
}

/// The progress display of one import.
pub struct Progress {
    mode: Mode,
    bar: ProgressBar,
    /// When the current wait (rate limit, cool-down, processing) ends, for the bar's countdown.
    wait_until: Arc<Mutex<Option<Instant>>>,
    /// The last tenth of the users reported in line mode.
    last_tenth: Mutex<u64>,
    /// What is counted: users, deactivations, or records when there are both.
    noun: OnceLock<&'static str>,
}

impl Progress {
    /// A display; the total is known once the input is checked ([`Progress::start`]).
    pub fn new(mode: Mode) -> Self {
        let bar = match mode {
            // Drawn with the process's bars, so that log lines go above it.
            Mode::Bar => terminal::bars().add(ProgressBar::new(0)),
            Mode::Lines | Mode::Quiet => ProgressBar::hidden(),
        };
        Self::with_bar(mode, bar)
    }

    /// A display drawing on `bar` in [`Mode::Bar`].
    fn with_bar(mode: Mode, bar: ProgressBar) -> Self {
        let wait_until = Arc::new(Mutex::new(None::<Instant>));
        if mode == Mode::Bar {
            // No count until the records are checked: the total is not known yet.
            bar.set_style(checking_style());
            bar.set_message(CHECKING);
            bar.enable_steady_tick(Duration::from_millis(200));
        }
        Self {
            mode,
            bar,
            wait_until,
            last_tenth: Mutex::new(0),
            noun: OnceLock::new(),
        }
    }

    /// The number of users and deactivations to upload, counted as `users`, `deactivations`
    /// or, when there are both, `records`.
    pub fn start(&self, users: u64, deactivations: u64) {
        let noun = match (users, deactivations) {
            (0, 1..) => "deactivation",
            (1.., 1..) => "record",
            _ => "user",
        };
        let _ = self.noun.set(noun);
        if self.mode == Mode::Bar {
            self.bar
                .set_style(bar_style(Arc::clone(&self.wait_until), noun));
            self.bar.set_message("");
        }
        self.bar.set_length(users + deactivations);
        self.bar.set_position(0);
    }

    /// A step worth a line of its own (a session created, started, finished).
    pub fn step(&self, line: &str) {
        match self.mode {
            Mode::Bar => self.bar.println(terminal::one_line(line)),
            Mode::Lines => terminal::say(line),
            Mode::Quiet => {}
        }
    }

    /// What is happening now (shown beside the bar; a line in line mode).
    pub fn status(&self, status: String) {
        self.clear_wait();
        match self.mode {
            Mode::Bar => self
                .bar
                .set_message(terminal::one_line(&status).into_owned()),
            Mode::Lines => terminal::say(status),
            Mode::Quiet => {}
        }
    }

    /// `users` more users uploaded.
    pub fn uploaded(&self, users: u64) {
        self.bar.inc(users);
        if self.mode == Mode::Lines {
            self.line_per_tenth();
        }
    }

    /// A wait for `reason` (rate limit, cool-down) until `until`: the bar counts it down; a
    /// line says when it ends, as a log read later can't count.
    pub fn waiting(&self, reason: &str, until: DateTime<Utc>) {
        let left = (until - Utc::now()).to_std().unwrap_or_default();
        if let Ok(mut wait_until) = self.wait_until.lock() {
            *wait_until = Some(Instant::now() + left);
        }
        match self.mode {
            Mode::Bar => self.bar.set_message(format!("waiting for {reason}")),
            Mode::Lines => terminal::say(format_args!(
                "waiting {} (until {} UTC) for {reason}",
                seconds(left),
                until.format("%H:%M:%S")
            )),
            Mode::Quiet => {}
        }
    }

    /// Removes the bar (the summary follows).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
        if self.mode == Mode::Bar {
            terminal::bars().remove(&self.bar);
        }
    }

    fn clear_wait(&self) {
        if let Ok(mut until) = self.wait_until.lock() {
            *until = None;
        }
    }

    /// In line mode, a line each time another tenth of the records is uploaded.
    fn line_per_tenth(&self) {
        let (position, total) = (self.bar.position(), self.bar.length().unwrap_or(0).max(1));
        let tenth = position * 10 / total;
        if let Ok(mut last) = self.last_tenth.lock()
            && (tenth > *last || position == total)
        {
            *last = tenth;
            let total = count(total, self.noun.get().copied().unwrap_or("user"));
            terminal::say(format_args!("uploaded {position} of {total}"));
        }
    }
}

/// What the bar says while the records are read and checked, before anything is sent.
const CHECKING: &str = "reading and checking the records";

/// The bar before the records are checked: elapsed time and what is happening.
fn checking_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// The bar, on two lines: what is happening, with the time left of a wait, on a line of its
/// own (cut to the terminal's width, which it then has all of); the elapsed time, the bar
/// and what is uploaded (`noun`s) below it, in 80 columns.
fn bar_style(wait_until: Arc<Mutex<Option<Instant>>>, noun: &str) -> ProgressStyle {
    let template = format!(
        "{{spinner}} {{left}}{{wide_msg}}\n  [{{elapsed_precise}}] {{bar:30}} {{pos}}/{{len}} {noun}s"
    );
    ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key(
            "left",
            move |_: &ProgressState, out: &mut dyn std::fmt::Write| {
                let until = wait_until.lock().ok().and_then(|until| *until);
                if let Some(until) = until {
                    let _ = write!(
                        out,
                        "{} left, ",
                        seconds(until.saturating_duration_since(Instant::now()))
                    );
                }
            },
        )
}

/// A duration as `4m 58s`, `12s` or, under ten seconds, `2.3s` (rounded up, so a wait of
/// 73 ms is `0.1s`, not `1s`).
pub fn seconds(duration: Duration) -> String {
    if duration < Duration::from_secs(10) {
        let tenths = duration.as_millis().div_ceil(100);
        return format!("{}.{}s", tenths / 10, tenths % 10);
    }
    let total = duration.as_secs_f64().ceil() as u64;
    match total {
        0..60 => format!("{total}s"),
        _ => format!("{}m {:02}s", total / 60, total % 60),
    }
}

#[cfg(test)]
mod tests {
    use indicatif::{InMemoryTerm, ProgressDrawTarget};

    use super::*;

    #[test]
    fn a_duration_is_shown_to_a_tenth_under_ten_seconds_then_to_the_second() {
        let shown = |millis| seconds(Duration::from_millis(millis));
        assert_eq!(
            [0, 73, 100, 2_301, 9_950, 10_000, 59_001, 298_000].map(shown),
            [
                "0.0s", "0.1s", "0.1s", "2.4s", "10.0s", "10s", "1m 00s", "4m 58s"
            ]
        );
    }

    /// The bar's line as drawn now on `screen`.
    fn drawn(progress: &Progress, screen: &InMemoryTerm) -> String {
        // The target draws at most 255 times a second.
        std::thread::sleep(Duration::from_millis(10));
        progress.bar.tick();
        screen.contents()
    }

    /// On a terminal of 80 columns, what happens and a wait's reason are shown whole.
    #[test]
    fn the_bar_shows_what_is_uploaded_what_happens_and_a_wait_counted_down() {
        let screen = InMemoryTerm::new(6, 80);
        let target = ProgressDrawTarget::term_like_with_hz(Box::new(screen.clone()), 255);
        let progress =
            Progress::with_bar(Mode::Bar, ProgressBar::with_draw_target(Some(0), target));
        // No count before the total is known.
        let line = drawn(&progress, &screen);
        assert!(
            line.ends_with("] reading and checking the records") && !line.contains("0/0"),
            "{line}"
        );
        progress.start(30_000, 7_412);
        progress.uploaded(20_000);
        progress.status("session 3 of 4 (apsQMnhVEKERMYRsA43U): created".into());
        let shown = drawn(&progress, &screen);
        let lines: Vec<&str> = shown.lines().collect();
        assert!(
            lines[0].ends_with(" session 3 of 4 (apsQMnhVEKERMYRsA43U): created"),
            "{shown}"
        );
        assert!(lines[1].ends_with(" 20000/37412 records"), "{shown}");
        progress.waiting(
            "the cool-down after a start",
            Utc::now() + Duration::from_secs(298),
        );
        let shown = drawn(&progress, &screen);
        let lines: Vec<&str> = shown.lines().collect();
        // 4m 58s, or a second less on a slow machine.
        assert!(
            lines[0].contains(" 4m ")
                && lines[0].ends_with("s left, waiting for the cool-down after a start"),
            "{shown}"
        );
        assert!(lines[1].ends_with(" 20000/37412 records"), "{shown}");
        // A new status ends the wait's countdown; a step goes above the bar.
        progress.status("session 4 of 4 (aps2): created".into());
        progress.step("Session 3 finished");
        let shown = drawn(&progress, &screen);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[0], "Session 3 finished", "{shown}");
        assert!(
            lines[1].ends_with(" session 4 of 4 (aps2): created"),
            "{shown}"
        );
        assert!(
            lines.iter().all(|line| line.chars().count() <= 80),
            "{shown}"
        );
        progress.finish();
    }
}
