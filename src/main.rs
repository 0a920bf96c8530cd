fn main() -> std::process::ExitCode {
    match fleetdeck::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleetdeck: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
