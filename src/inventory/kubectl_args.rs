//! Which kubectl command lines the console may run (pure): read commands only, with nothing that
//! changes the connection Fleetdeck sets up, reads or writes files on the server, never ends, or
//! talks to the apiserver past these checks. Every argument that starts with `-` is checked as a
//! flag wherever it stands (a flag's value included), so a mistaken idea of which flags take a
//! value can only refuse too much, never let something through.

/// The read commands, first word of the command line.
pub const READ_VERBS: &[&str] = &[
    "get",
    "describe",
    "logs",
    "top",
    "api-resources",
    "api-versions",
    "explain",
    "version",
    "auth",
];
/// The most arguments, and the longest one, a command line may have.
pub const MAX_ARGS: usize = 64;
pub const MAX_ARG_CHARS: usize = 1024;
/// The longest audit reason: the arguments joined.
const AUDIT_CHARS: usize = 512;

/// Commands that open a session, a tunnel or copy files.
const INTERACTIVE: &[&str] = &["exec", "attach", "port-forward", "proxy", "cp", "run", "debug"];
/// Long flags (without `--`) refused, with why.
const REFUSED_FLAGS: &[(&str, &str)] = &[
    ("kubeconfig", CONNECTION),
    ("server", CONNECTION),
    ("token", CONNECTION),
    ("context", CONNECTION),
    ("cluster", CONNECTION),
    ("user", CONNECTION),
    ("username", CONNECTION),
    ("password", CONNECTION),
    ("certificate-authority", CONNECTION),
    ("client-certificate", CONNECTION),
    ("client-key", CONNECTION),
    ("insecure-skip-tls-verify", CONNECTION),
    ("insecure-skip-tls-verify-backend", CONNECTION),
    ("tls-server-name", CONNECTION),
    ("kuberc", FILES),
    ("filename", FILES),
    ("kustomize", FILES),
    ("cache-dir", FILES),
    ("profile", FILES),
    ("profile-output", FILES),
    ("raw", RAW),
    ("watch", ENDLESS),
    ("watch-only", ENDLESS),
    ("follow", ENDLESS),
    ("v", VERBOSE),
    ("vmodule", VERBOSE),
];
/// Short flags refused (`-f` is a file on most commands and follow on `logs`).
const REFUSED_SHORT: &[(char, &str)] = &[('s', CONNECTION), ('k', FILES), ('w', ENDLESS), ('v', VERBOSE)];
/// Short flags that take a value: the rest of a bundle (`-nshop`) or the next argument is it.
const SHORT_WITH_VALUE: &[char] = &['n', 'o', 'l', 'c', 'L'];
/// Output formats that read a file on the server.
const FILE_FORMATS: &[&str] = &[
    "go-template-file",
    "templatefile",
    "jsonpath-file",
    "custom-columns-file",
];
/// Flags whose value is a credential: never written to the audit log.
const CREDENTIAL_FLAGS: &[&str] = &["token", "password"];

const CONNECTION: &str = "the connection (server, credentials, context) is Fleetdeck's to set";
const IMPERSONATION: &str = "impersonation is Fleetdeck's to set: commands run as you";
const FILES: &str = "reads or writes files on the server";
const RAW: &str = "raw requests go past the read-only check";
const ENDLESS: &str = "never ends (watch and follow are not for a one-shot command)";
const VERBOSE: &str = "verbose logs show the connection's details";
const SECRETS: &str = "on a shared cluster, Secret values are for operators";

/// Why a command line is refused: the offending argument (a flag without its value) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub argument: String,
    pub reason: String,
}

fn refuse(argument: &str, reason: impl Into<String>) -> Refusal {
    Refusal {
        argument: argument.to_string(),
        reason: reason.into(),
    }
}

/// Whether `args` (what follows `kubectl`) may run; `may_read_secrets` is false for a viewer on a
/// `shared` cluster, where kubectl reads as Fleetdeck and a `get` of Secrets would show their values.
pub fn check(args: &[String], may_read_secrets: bool) -> Result<(), Refusal> {
    let Some(verb) = args.first() else {
        return Err(refuse("", "name a read command, e.g. get pods -n default"));
    };
    if args.len() > MAX_ARGS {
        return Err(refuse(&args[MAX_ARGS], format!("at most {MAX_ARGS} arguments")));
    }
    if let Some(long) = args.iter().find(|a| a.chars().count() > MAX_ARG_CHARS) {
        let start: String = long.chars().take(32).collect();
        return Err(refuse(
            &start,
            format!("an argument is at most {MAX_ARG_CHARS} characters"),
        ));
    }
    if let Some(bad) = args.iter().find(|a| a.contains('\0')) {
        return Err(refuse(&bad.replace('\0', "\\0"), "holds a NUL character"));
    }
    check_verb(verb, args.get(1).map(String::as_str))?;
    for (i, arg) in args.iter().enumerate().skip(1) {
        check_flag(verb, arg, args.get(i + 1).map(String::as_str))?;
    }
    if !may_read_secrets && verb == "get" {
        check_no_secrets(args)?;
    }
    Ok(())
}

fn check_verb(verb: &str, second: Option<&str>) -> Result<(), Refusal> {
    if verb.starts_with('-') {
        return Err(refuse(
            verb,
            "the command comes first, flags after it (get pods -n shop)",
        ));
    }
    if INTERACTIVE.contains(&verb) {
        return Err(refuse(verb, "opens a session, a tunnel or copies files"));
    }
    if !READ_VERBS.contains(&verb) {
        return Err(refuse(
            verb,
            format!(
                "only read commands run here ({}, auth can-i); writes and plugins are refused",
                READ_VERBS[..READ_VERBS.len() - 1].join(", ")
            ),
        ));
    }
    if verb == "auth" && second != Some("can-i") {
        return Err(refuse(second.unwrap_or("auth"), "of auth, only can-i runs here"));
    }
    Ok(())
}

/// One argument; `next` is the one after it (the value of a flag that takes one).
fn check_flag(verb: &str, arg: &str, next: Option<&str>) -> Result<(), Refusal> {
    match arg {
        "--" => return Err(refuse(arg, "ends the flags: nothing may hide behind it")),
        "-" => return Err(refuse(arg, "reads standard input")),
        _ => {}
    }
    if let Some(long) = arg.strip_prefix("--") {
        let (name, value) = match long.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (long, None),
        };
        let flag = format!("--{name}");
        if name == "as" || name.starts_with("as-") {
            return Err(refuse(&flag, IMPERSONATION));
        }
        if let Some((_, why)) = REFUSED_FLAGS.iter().find(|(n, _)| *n == name) {
            return Err(refuse(&flag, *why));
        }
        if name == "output" {
            return check_output(&flag, value.or(next));
        }
        return Ok(());
    }
    let Some(bundle) = arg.strip_prefix('-') else {
        return Ok(());
    };
    // pflag reads `-abc` as -a -b -c until a flag that takes a value, which takes the rest.
    for (at, c) in bundle.char_indices() {
        let flag = format!("-{c}");
        if c == 'f' {
            return Err(refuse(&flag, if verb == "logs" { ENDLESS } else { FILES }));
        }
        if let Some((_, why)) = REFUSED_SHORT.iter().find(|(s, _)| *s == c) {
            return Err(refuse(&flag, *why));
        }
        if SHORT_WITH_VALUE.contains(&c) {
            let rest = &bundle[at + c.len_utf8()..];
            let value = if rest.is_empty() {
                next
            } else {
                Some(rest.trim_start_matches('='))
            };
            return if c == 'o' { check_output(&flag, value) } else { Ok(()) };
        }
    }
    Ok(())
}

/// `-o`/`--output`: not a format that reads a template file.
fn check_output(flag: &str, value: Option<&str>) -> Result<(), Refusal> {
    let format = value.unwrap_or_default().split('=').next().unwrap_or_default();
    if FILE_FORMATS.contains(&format.to_ascii_lowercase().as_str()) {
        return Err(refuse(&format!("{flag} {format}"), FILES));
    }
    Ok(())
}

/// `get` naming Secrets (`secret`, `secrets/x`, `cm,secrets`, `secrets.v1.`), among the
/// arguments that are not flags nor the value of -n/-o/-l.
fn check_no_secrets(args: &[String]) -> Result<(), Refusal> {
    let takes_value = |a: &str| ["-n", "-o", "-l", "--namespace", "--output", "--selector"].contains(&a);
    let mut previous = "";
    for arg in &args[1..] {
        let is_value = takes_value(previous);
        previous = arg;
        if arg.starts_with('-') || is_value {
            continue;
        }
        let names_secrets = arg.split(',').any(|part| {
            let kind = part.split('/').next().unwrap_or_default().to_ascii_lowercase();
            matches!(kind.split('.').next(), Some("secret" | "secrets"))
        });
        if names_secrets {
            return Err(refuse(arg, SECRETS));
        }
    }
    Ok(())
}

/// The arguments as the audit log keeps them: joined, credential values hidden, capped.
pub fn audit_text(args: &[String]) -> String {
    let is_credential = |a: &str| {
        a.strip_prefix("--")
            .is_some_and(|name| CREDENTIAL_FLAGS.contains(&name))
    };
    let mut words = Vec::with_capacity(args.len());
    let mut hide_next = false;
    for arg in args {
        let word = if hide_next {
            "***".to_string()
        } else {
            match arg.split_once('=') {
                Some((flag, _)) if is_credential(flag) => format!("{flag}=***"),
                _ => arg.clone(),
            }
        };
        hide_next = is_credential(arg);
        words.push(word);
    }
    let text = words.join(" ");
    match text.char_indices().nth(AUDIT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    fn ok(line: &str) {
        assert_eq!(check(&args(line), true), Ok(()), "{line}");
    }

    /// The argument a command line is refused for, and why.
    fn refused(line: &str) -> (String, String) {
        refused_args(&args(line), true)
    }

    fn refused_args(args: &[String], may_read_secrets: bool) -> (String, String) {
        let r = check(args, may_read_secrets).expect_err(&format!("{args:?} is refused"));
        (r.argument, r.reason)
    }

    #[test]
    fn read_commands_run() {
        ok("get pods -n shop");
        ok("get pods -A -o wide --show-labels --sort-by=.metadata.name");
        ok("get deploy,svc -l app=web -o jsonpath={.items[*].metadata.name}");
        ok("describe pod web-1 -n shop");
        ok("logs web-1 -n shop -c nginx --tail=20 --previous --timestamps");
        ok("logs -p web-1 -nshop");
        ok("top pods -A --containers");
        ok("api-resources --namespaced=true -o wide");
        ok("api-versions");
        ok("explain deployments.spec --recursive");
        ok("version -o json");
        ok("auth can-i list pods -n shop");
        ok("get pods -o=yaml");
        ok("get pods -ojson");
    }

    #[test]
    fn writes_plugins_and_other_commands_are_refused() {
        for verb in [
            "apply", "delete", "patch", "scale", "edit", "drain", "cordon", "wait", "label", "rollout",
        ] {
            let (arg, why) = refused(&format!("{verb} pod web-1"));
            assert_eq!(arg, verb);
            assert!(why.contains("only read commands"), "{why}");
        }
        assert_eq!(refused("ns-switch shop").0, "ns-switch", "a plugin");
        assert_eq!(refused("auth reconcile -f x").0, "reconcile");
        assert_eq!(refused("auth").0, "auth");
    }

    #[test]
    fn sessions_tunnels_and_copies_are_refused() {
        for line in [
            "exec -it web-1 -- sh",
            "attach web-1",
            "port-forward web-1 8080",
            "proxy",
            "cp web-1:/etc/x y",
        ] {
            let (arg, why) = refused(line);
            assert_eq!(arg, line.split(' ').next().unwrap());
            assert!(why.contains("session"), "{why}");
        }
    }

    #[test]
    fn the_command_comes_first() {
        assert_eq!(refused("-n shop get pods").0, "-n");
        assert_eq!(refused("--kubeconfig=/x get pods").0, "--kubeconfig=/x");
        assert_eq!(refused("").0, "", "nothing to run");
    }

    #[test]
    fn raw_requests_are_refused() {
        assert_eq!(
            refused("get --raw /api/v1/namespaces/x/secrets"),
            ("--raw".into(), RAW.into())
        );
        assert_eq!(refused("get --raw=/metrics").0, "--raw");
    }

    #[test]
    fn impersonation_is_refused() {
        for flag in ["--as", "--as-group", "--as-uid", "--as-user-extra"] {
            assert_eq!(
                refused(&format!("get pods {flag} admin")),
                (flag.into(), IMPERSONATION.into())
            );
            assert_eq!(refused(&format!("get pods {flag}=admin")).0, flag, "= form");
        }
        ok("logs deploy/web --all-containers");
    }

    #[test]
    fn connection_overrides_are_refused() {
        for flag in [
            "--kubeconfig",
            "--server",
            "--token",
            "--context",
            "--cluster",
            "--user",
            "--username",
            "--password",
            "--certificate-authority",
            "--client-certificate",
            "--client-key",
            "--insecure-skip-tls-verify",
            "--tls-server-name",
        ] {
            assert_eq!(refused(&format!("get pods {flag} x")), (flag.into(), CONNECTION.into()));
            assert_eq!(refused(&format!("get pods {flag}=x")).0, flag, "= form");
        }
        assert_eq!(refused("get pods -s https://evil"), ("-s".into(), CONNECTION.into()));
        assert_eq!(refused("get pods -s=https://evil").0, "-s");
    }

    #[test]
    fn file_inputs_are_refused() {
        for line in [
            "get -f /etc/passwd",
            "describe --filename=/x",
            "get -k ./dir",
            "get --kustomize ./dir",
            "version --kuberc /x",
            "get pods --cache-dir=/tmp/x",
            "get pods --profile-output=/tmp/p",
        ] {
            assert_eq!(refused(line).1, FILES, "{line}");
        }
        assert_eq!(refused("get -f /etc/passwd").0, "-f");
        assert_eq!(
            refused("get pods -o go-template-file=/etc/passwd").0,
            "-o go-template-file"
        );
        assert_eq!(refused("get pods -ojsonpath-file=/x").0, "-o jsonpath-file");
        assert_eq!(
            refused("get pods --output=custom-columns-file=/x").0,
            "--output custom-columns-file"
        );
        assert_eq!(refused("get pods --output templatefile=/x").0, "--output templatefile");
        ok("get pods -o go-template={{.metadata.name}}");
    }

    #[test]
    fn endless_commands_are_refused() {
        assert_eq!(refused("get pods -w"), ("-w".into(), ENDLESS.into()));
        assert_eq!(refused("get pods --watch").0, "--watch");
        assert_eq!(refused("get pods --watch-only=true").0, "--watch-only");
        assert_eq!(refused("logs web-1 -f"), ("-f".into(), ENDLESS.into()));
        assert_eq!(refused("logs web-1 --follow").0, "--follow");
        assert_eq!(
            refused("logs web-1 --follow=false").0,
            "--follow",
            "no exceptions for =false"
        );
    }

    #[test]
    fn verbose_logs_are_refused() {
        assert_eq!(refused("get pods -v=9"), ("-v".into(), VERBOSE.into()));
        assert_eq!(refused("get pods --v 9").0, "--v");
        assert_eq!(refused("get pods --vmodule=x=9").0, "--vmodule");
    }

    #[test]
    fn double_dash_and_stdin_are_refused() {
        assert_eq!(refused("get pods -- --raw").0, "--");
        assert_eq!(refused("describe -f -").0, "-f");
        assert_eq!(refused("get pods -").0, "-");
    }

    #[test]
    fn short_flag_bundles_are_read_like_kubectl() {
        assert_eq!(refused("get pods -Aw").0, "-w");
        assert_eq!(refused("get pods -wA").0, "-w");
        assert_eq!(refused("logs web-1 -pf").0, "-f");
        // A flag that takes a value takes the rest of the bundle: `-nkube-system` is a namespace.
        ok("get pods -nkube-system");
        ok("logs web-1 -cfluentd");
        assert_eq!(refused("get pods -Ao=go-template-file=/x").0, "-o go-template-file");
        // A flag's value is checked as a flag too, which can only refuse too much.
        assert_eq!(refused("get pods -n --raw").0, "--raw");
    }

    #[test]
    fn only_can_i_of_auth() {
        ok("auth can-i '*' '*'");
        assert_eq!(refused("auth whoami").0, "whoami");
    }

    #[test]
    fn oversized_and_odd_arguments_are_refused() {
        let many: Vec<String> = std::iter::once("get".to_string())
            .chain((0..MAX_ARGS).map(|i| format!("p{i}")))
            .collect();
        assert!(refused_args(&many, true).1.contains("at most 64 arguments"));
        let long = vec!["get".to_string(), "x".repeat(MAX_ARG_CHARS + 1)];
        assert!(refused_args(&long, true).1.contains("1024 characters"));
        let nul = vec!["get".to_string(), "pods\0--raw".to_string()];
        assert_eq!(refused_args(&nul, true).0, "pods\\0--raw");
    }

    #[test]
    fn secrets_are_refused_to_who_may_not_read_them() {
        for line in [
            "get secrets -n shop",
            "get secret db -o yaml",
            "get cm,secrets",
            "get secrets.v1. -A",
            "get Secret/db",
            "get -o yaml secrets/db",
        ] {
            let (arg, why) = refused_args(&args(line), false);
            assert_eq!(why, SECRETS, "{line}");
            assert!(arg.to_ascii_lowercase().contains("secret"), "{line}: {arg}");
            ok(line);
        }
        // Describing shows sizes, not values; a namespace or selector named so is no Secret.
        for line in [
            "describe secret db",
            "get pods -n secrets",
            "get pods -l secret=x",
            "get secretstores",
        ] {
            assert_eq!(check(&args(line), false), Ok(()), "{line}");
        }
    }

    #[test]
    fn audit_text_hides_credentials_and_is_capped() {
        assert_eq!(audit_text(&args("get pods -n shop")), "get pods -n shop");
        assert_eq!(
            audit_text(&args("get --token=abc pods --password hunter2 -o")),
            "get --token=*** pods --password *** -o"
        );
        let long = audit_text(&args(&format!("get {}", "p ".repeat(400))));
        assert_eq!(long.chars().count(), AUDIT_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}
