//! `cargo xtask`: the repository's maintenance commands.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("help" | "--help" | "-h") => {
            println!("usage: cargo xtask <command>\n\ncommands:\n  help    this text");
        }
        Some(other) => {
            eprintln!("error: unknown command {other:?}; see `cargo xtask help`");
            std::process::exit(2);
        }
    }
}
