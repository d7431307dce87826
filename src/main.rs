//! The `threadcheck` command-line tool.
fn main() {
    eprintln!("threadcheck: the command-line tool is not built yet");
    std::process::exit(2);
}
