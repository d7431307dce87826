//! The `threadcheck` command-line tool; see `threadcheck --help` and [`threadcheck::cli`].
fn main() {
    std::process::exit(threadcheck::cli::main());
}
