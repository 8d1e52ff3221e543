//! Progress bars for commands that send many transactions.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::context::Context;
use crate::error::{CliError, CliResult};

/// A bar over `len` items on stderr for humans at a terminal. Elsewhere it
/// draws nothing, but its `println` lines still reach stderr for humans.
pub fn bar(ctx: &Context, len: u64, verb: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if ctx.human() && std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} ({elapsed})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(verb.to_string());
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar
}

/// Prints through `bar` for humans; `ProgressBar::println` is silent when the
/// bar is hidden, so lines go straight to stderr then.
pub fn line(ctx: &Context, bar: &ProgressBar, text: String) {
    if !ctx.human() {
        return;
    }
    if bar.is_hidden() {
        eprintln!("{text}");
    } else {
        bar.println(text);
    }
}

/// An error when any of a batch failed, so the exit code says so.
pub fn fail_if_any(failures: usize, what: &str) -> CliResult {
    if failures == 0 {
        Ok(())
    } else {
        Err(CliError::Remote(format!("{failures} {what} failed")))
    }
}
