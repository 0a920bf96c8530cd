//! A tiny scripted shell for `pods/exec` and `pods/attach`: deterministic, so tests can
//! assert what a command prints. Pure: a [`Process`] turns a command line and stdin
//! into output [`Action`]s and an [`Exit`]; the WebSocket session in `exec.rs` carries
//! them out.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// The container a process runs in, as far as the shell can tell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Container {
    /// The pod's name, which is the container's hostname.
    pub hostname: String,
    /// `env` of the container spec (literal values only).
    pub env: Vec<(String, String)>,
    /// `workingDir` of the container spec, `/` without one.
    pub working_dir: String,
    /// Commands whose output a pod annotation scripts: name → stdout.
    pub scripted: BTreeMap<String, String>,
    /// A terminal: stderr goes to stdout, lines end in `\r\n`, input is echoed, the shell prompts.
    pub tty: bool,
}

/// What a process does, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Stdout(String),
    Stderr(String),
    Sleep(Duration),
}

/// How a process ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Exit {
    Code(u8),
    /// The command itself is no executable: the runtime fails the exec.
    NotFound(String),
}

/// Separator in front of a command in a script: how it depends on the previous status.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Connector {
    Always,
    IfSucceeded,
    IfFailed,
}

/// Where a command's output goes: `>&2`, `2>&1` and `>/dev/null` redirect it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stream {
    Stdout,
    Stderr,
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Redirect {
    stdout: Stream,
    stderr: Stream,
}

const NO_REDIRECT: Redirect = Redirect {
    stdout: Stream::Stdout,
    stderr: Stream::Stderr,
};

/// Takes the redirections a shell understands out of a command's words.
fn redirections(words: Vec<String>) -> (Vec<String>, Redirect) {
    let mut r = NO_REDIRECT;
    let mut rest = Vec::new();
    for w in words {
        match w.as_str() {
            ">&2" | "1>&2" => r.stdout = Stream::Stderr,
            "2>&1" => r.stderr = r.stdout,
            ">/dev/null" | "1>/dev/null" => r.stdout = Stream::Null,
            "2>/dev/null" => r.stderr = Stream::Null,
            _ => rest.push(w),
        }
    }
    (rest, r)
}

/// A shell running commands (from `-c` or, interactively, from stdin lines).
#[derive(Debug, Clone, PartialEq)]
struct Shell {
    name: String,
    interactive: bool,
    line_no: usize,
}

/// One running process: a direct command, `cat`, or a shell.
#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    container: Container,
    shell: Option<Shell>,
    pending: VecDeque<(Connector, String)>,
    status: u8,
    /// A `cat` copying stdin to stdout until stdin closes.
    catting: bool,
    /// An interactive shell's unfinished input line.
    line: String,
    stdin_open: bool,
    exit: Option<Exit>,
    /// The redirections of the command running now.
    redirect: Redirect,
}

enum Ran {
    Status(u8),
    Cat,
    NotFound,
}

const ROOT_LISTING: &[&str] = &[
    "bin", "boot", "dev", "etc", "home", "lib", "media", "mnt", "opt", "proc", "root", "run", "sbin", "srv", "sys",
    "tmp", "usr", "var",
];

impl Process {
    /// Starts `argv` in `container`; what it prints right away comes with it.
    pub fn start(container: Container, argv: &[String]) -> (Process, Vec<Action>) {
        let mut p = Process {
            container,
            shell: None,
            pending: VecDeque::new(),
            status: 0,
            catting: false,
            line: String::new(),
            stdin_open: true,
            exit: None,
            redirect: NO_REDIRECT,
        };
        let mut out = Vec::new();
        let program = argv.first().map(|a| base_name(a)).unwrap_or_default();
        if matches!(program, "sh" | "bash") && !p.container.scripted.contains_key(program) {
            let script =
                (argv.get(1).map(String::as_str) == Some("-c")).then(|| argv.get(2).cloned().unwrap_or_default());
            p.shell = Some(Shell {
                name: program.to_string(),
                interactive: script.is_none(),
                line_no: 1,
            });
            if let Some(script) = script {
                p.pending.extend(split_commands(&script));
            }
            p.run(&mut out);
            return (p, out);
        }
        match p.run_argv(argv, &mut out) {
            Ran::Status(s) => p.exit = Some(Exit::Code(s)),
            Ran::Cat => p.catting = true,
            Ran::NotFound => p.exit = Some(Exit::NotFound(program.to_string())),
        }
        (p, out)
    }

    /// How the process ended; None while it runs.
    pub fn exit(&self) -> Option<&Exit> {
        self.exit.as_ref()
    }

    /// Bytes arriving on stdin.
    pub fn input(&mut self, data: &str) -> Vec<Action> {
        let mut out = Vec::new();
        if self.exit.is_some() || !self.stdin_open {
            return out;
        }
        // A terminal's line discipline (ICRNL, on by default) reads Enter's carriage return as
        // a newline, and echoes what is typed.
        let data = match self.container.tty {
            true => data.replace('\r', "\n"),
            false => data.to_string(),
        };
        let data = data.as_str();
        if self.container.tty {
            self.emit(&mut out, Action::Stdout(data.to_string()));
        }
        if self.catting {
            self.emit(&mut out, Action::Stdout(data.to_string()));
            return out;
        }
        if !self.shell.as_ref().is_some_and(|s| s.interactive) {
            return out;
        }
        self.line.push_str(data);
        while let Some(end) = self.line.find('\n') {
            let line: String = self.line.drain(..=end).collect();
            self.run_line(&line, &mut out);
            if self.catting {
                // `cat` reads the rest of stdin, as it would from a pipe.
                let rest = std::mem::take(&mut self.line);
                if !rest.is_empty() {
                    self.emit(&mut out, Action::Stdout(rest));
                }
            }
            if self.exit.is_some() || self.catting {
                break;
            }
        }
        out
    }

    /// Stdin reached its end: `cat` finishes, an interactive shell runs its last line and exits.
    pub fn close_stdin(&mut self) -> Vec<Action> {
        let mut out = Vec::new();
        self.stdin_open = false;
        if self.exit.is_some() {
            return out;
        }
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.run_line(&line, &mut out);
        }
        if self.catting {
            self.catting = false;
            self.status = 0;
        }
        if self.exit.is_none() {
            match self.shell {
                Some(_) => self.run(&mut out),
                None => self.exit = Some(Exit::Code(0)),
            }
        }
        out
    }

    fn run_line(&mut self, line: &str, out: &mut Vec<Action>) {
        self.pending.extend(split_commands(line));
        self.run(out);
        if let Some(shell) = self.shell.as_mut() {
            shell.line_no += 1;
        }
    }

    /// Runs pending commands until one reads stdin, the shell exits, or none are left.
    fn run(&mut self, out: &mut Vec<Action>) {
        while !self.catting && self.exit.is_none() {
            let Some((connector, text)) = self.pending.pop_front() else {
                break;
            };
            let skip = match connector {
                Connector::Always => false,
                Connector::IfSucceeded => self.status != 0,
                Connector::IfFailed => self.status == 0,
            };
            if skip {
                continue;
            }
            let (argv, redirect) = redirections(self.words(&text));
            if argv.is_empty() {
                continue;
            }
            self.redirect = redirect;
            if argv[0] == "exit" {
                let code = match argv.get(1) {
                    Some(n) => n.parse::<i64>().map_or(2, |n| n.rem_euclid(256) as u8),
                    None => self.status,
                };
                self.exit = Some(Exit::Code(code));
                return;
            }
            match self.run_argv(&argv, out) {
                Ran::Status(s) => self.status = s,
                // With stdin already closed, `cat` reads nothing and succeeds.
                Ran::Cat if !self.stdin_open => self.status = 0,
                Ran::Cat => self.catting = true,
                Ran::NotFound => {
                    let shell = self.shell.as_ref().expect("only shells run scripts");
                    let message = if shell.name == "bash" {
                        format!("bash: line {}: {}: command not found\n", shell.line_no, argv[0])
                    } else {
                        format!("sh: {}: {}: not found\n", shell.line_no, argv[0])
                    };
                    self.emit(out, Action::Stderr(message));
                    self.status = 127;
                }
            }
            self.redirect = NO_REDIRECT;
        }
        if self.catting || self.exit.is_some() || !self.pending.is_empty() {
            return;
        }
        let interactive = self.shell.as_ref().is_some_and(|s| s.interactive);
        if !interactive || !self.stdin_open {
            self.exit = Some(Exit::Code(self.status));
        } else if self.container.tty {
            let prompt = self.prompt();
            out.push(Action::Stdout(prompt));
        }
    }

    fn prompt(&self) -> String {
        match self.shell.as_ref().map(|s| s.name.as_str()) {
            Some("bash") => format!("root@{}:{}# ", self.container.hostname, self.container.working_dir),
            _ => "# ".to_string(),
        }
    }

    fn run_argv(&mut self, argv: &[String], out: &mut Vec<Action>) -> Ran {
        let name = base_name(&argv[0]);
        let args = &argv[1..];
        if let Some(text) = self.container.scripted.get(name) {
            let text = with_newline(text);
            self.emit(out, Action::Stdout(text));
            return Ran::Status(0);
        }
        match name {
            "echo" => {
                let (newline, words) = match args.first().map(String::as_str) {
                    Some("-n") => (false, &args[1..]),
                    _ => (true, args),
                };
                let mut text = words.join(" ");
                if newline {
                    text.push('\n');
                }
                self.emit(out, Action::Stdout(text));
            }
            "cat" if args.is_empty() || args == ["-"] => return Ran::Cat,
            "cat" => {
                for a in args {
                    self.emit(out, Action::Stderr(format!("cat: {a}: No such file or directory\n")));
                }
                return Ran::Status(1);
            }
            "env" | "printenv" if args.is_empty() => {
                let text: String = self.variables().iter().map(|(k, v)| format!("{k}={v}\n")).collect();
                self.emit(out, Action::Stdout(text));
            }
            "printenv" => {
                let vars = self.variables();
                let mut found = true;
                for a in args {
                    match vars.iter().find(|(k, _)| k == a) {
                        Some((_, v)) => self.emit(out, Action::Stdout(format!("{v}\n"))),
                        None => found = false,
                    }
                }
                return Ran::Status(u8::from(!found));
            }
            "hostname" => self.emit(out, Action::Stdout(format!("{}\n", self.container.hostname))),
            "pwd" => self.emit(out, Action::Stdout(format!("{}\n", self.container.working_dir))),
            "whoami" => self.emit(out, Action::Stdout("root\n".to_string())),
            "ls" => {
                let dirs: Vec<&str> = if args.is_empty() {
                    vec![self.container.working_dir.as_str()]
                } else {
                    args.iter().map(String::as_str).collect()
                };
                let mut status = 0;
                for dir in dirs {
                    if dir == "/" {
                        self.emit(
                            out,
                            Action::Stdout(ROOT_LISTING.iter().map(|e| format!("{e}\n")).collect()),
                        );
                    } else if dir != self.container.working_dir {
                        self.emit(
                            out,
                            Action::Stderr(format!("ls: cannot access '{dir}': No such file or directory\n")),
                        );
                        status = 2;
                    }
                }
                return Ran::Status(status);
            }
            "true" => {}
            "false" => return Ran::Status(1),
            "sleep" => match args.first().and_then(|a| a.parse::<f64>().ok()).filter(|s| *s >= 0.0) {
                // `inf` and huge numbers sleep for as long as a Duration can.
                Some(seconds) => out.push(Action::Sleep(
                    Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX),
                )),
                None => {
                    let arg = args.first().map(String::as_str).unwrap_or_default();
                    self.emit(out, Action::Stderr(format!("sleep: invalid time interval '{arg}'\n")));
                    return Ran::Status(1);
                }
            },
            _ => return Ran::NotFound,
        }
        Ran::Status(0)
    }

    /// The environment a process sees, in the order `env` prints it.
    fn variables(&self) -> Vec<(String, String)> {
        let c = &self.container;
        let mut vars = vec![
            (
                "PATH".to_string(),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            ),
            ("HOSTNAME".to_string(), c.hostname.clone()),
        ];
        if c.tty {
            vars.push(("TERM".into(), "xterm".into()));
        }
        vars.extend(c.env.iter().cloned());
        vars.push(("KUBERNETES_SERVICE_HOST".into(), "10.96.0.1".into()));
        vars.push(("KUBERNETES_SERVICE_PORT".into(), "443".into()));
        vars.push(("HOME".into(), "/root".into()));
        vars
    }

    /// Splits a command into words: quotes, backslashes and `$VAR`, `${VAR}`, `$?` expansion.
    fn words(&self, text: &str) -> Vec<String> {
        let vars = self.variables();
        let lookup = |name: &str| -> String {
            match name {
                "?" => self.status.to_string(),
                "0" => self.shell.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
                _ => vars
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            }
        };
        let mut words = Vec::new();
        let mut word = String::new();
        // Whether the current word exists even if empty ("" or '' make an empty argument).
        let mut started = false;
        let mut chars = text.chars().peekable();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some('\''), '\'') | (Some('"'), '"') => quote = None,
                (Some('\''), c) => word.push(c),
                (Some('"'), '\\') if matches!(chars.peek(), Some('"' | '\\' | '$')) => {
                    word.push(chars.next().expect("peeked"));
                }
                (None, '\'' | '"') => {
                    quote = Some(c);
                    started = true;
                }
                (None, '\\') => {
                    if let Some(n) = chars.next() {
                        word.push(n);
                        started = true;
                    }
                }
                (_, '$') => {
                    let name: String = match chars.peek() {
                        Some('{') => {
                            chars.next();
                            chars.by_ref().take_while(|c| *c != '}').collect()
                        }
                        Some('?') => {
                            chars.next();
                            "?".into()
                        }
                        Some(c) if c.is_ascii_digit() => chars.next().expect("peeked").to_string(),
                        _ => {
                            let mut n = String::new();
                            while let Some(c) = chars.peek().filter(|c| c.is_ascii_alphanumeric() || **c == '_') {
                                n.push(*c);
                                chars.next();
                            }
                            n
                        }
                    };
                    if name.is_empty() {
                        word.push('$');
                    } else {
                        word.push_str(&lookup(&name));
                    }
                }
                (None, c) if c.is_whitespace() => {
                    if started || !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                    started = false;
                }
                (_, c) => word.push(c),
            }
        }
        if started || !word.is_empty() {
            words.push(word);
        }
        words
    }

    /// Sends output where the command's redirections and the terminal, if any, take it.
    fn emit(&self, out: &mut Vec<Action>, action: Action) {
        let (stream, text) = match action {
            Action::Stdout(t) => (self.redirect.stdout, t),
            Action::Stderr(t) => (self.redirect.stderr, t),
            sleep => return out.push(sleep),
        };
        out.push(match stream {
            Stream::Null => return,
            _ if self.container.tty => Action::Stdout(text.replace("\r\n", "\n").replace('\n', "\r\n")),
            Stream::Stdout => Action::Stdout(text),
            Stream::Stderr => Action::Stderr(text),
        });
    }
}

fn base_name(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

fn with_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

/// Splits a script at `;`, newlines, `&&` and `||` (outside quotes), dropping `#` comments.
fn split_commands(script: &str) -> Vec<(Connector, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut connector = Connector::Always;
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    let finish = |current: &mut String, connector: Connector, out: &mut Vec<(Connector, String)>| {
        let text = std::mem::take(current);
        if !text.trim().is_empty() {
            out.push((connector, text.trim().to_string()));
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (None, '\\') => {
                current.push(c);
                if let Some(n) = chars.next() {
                    current.push(n);
                }
            }
            (None, '#') if current.trim().is_empty() || current.ends_with(char::is_whitespace) => {
                while chars.next_if(|c| *c != '\n').is_some() {}
            }
            (None, ';' | '\n') => {
                finish(&mut current, connector, &mut out);
                connector = Connector::Always;
            }
            (None, '&' | '|') if chars.peek() == Some(&c) => {
                chars.next();
                finish(&mut current, connector, &mut out);
                connector = if c == '&' {
                    Connector::IfSucceeded
                } else {
                    Connector::IfFailed
                };
            }
            (None, c) => current.push(c),
        }
    }
    finish(&mut current, connector, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container() -> Container {
        Container {
            hostname: "web-1".into(),
            env: vec![("MODE".into(), "prod".into())],
            working_dir: "/".into(),
            scripted: BTreeMap::from([("nginx".to_string(), "nginx version: nginx/1.27".to_string())]),
            tty: false,
        }
    }

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    /// Runs `words` with `stdin` then closes it; returns stdout, stderr and the exit.
    fn run_with(c: Container, words: &[&str], stdin: &str) -> (String, String, Exit) {
        let (mut p, mut actions) = Process::start(c, &argv(words));
        if !stdin.is_empty() {
            actions.extend(p.input(stdin));
        }
        actions.extend(p.close_stdin());
        let (mut out, mut err) = (String::new(), String::new());
        for a in actions {
            match a {
                Action::Stdout(t) => out.push_str(&t),
                Action::Stderr(t) => err.push_str(&t),
                Action::Sleep(_) => {}
            }
        }
        (out, err, p.exit().cloned().expect("finished"))
    }

    fn run(words: &[&str], stdin: &str) -> (String, String, Exit) {
        run_with(container(), words, stdin)
    }

    #[test]
    fn direct_commands() {
        assert_eq!(
            run(&["echo", "hello", "world"], ""),
            ("hello world\n".into(), "".into(), Exit::Code(0))
        );
        assert_eq!(run(&["echo", "-n", "x"], "").0, "x");
        assert_eq!(run(&["hostname"], "").0, "web-1\n");
        assert_eq!(run(&["/bin/pwd"], "").0, "/\n");
        assert_eq!(run(&["whoami"], "").0, "root\n");
        assert_eq!(run(&["false"], "").2, Exit::Code(1));
        assert!(run(&["ls", "/"], "").0.starts_with("bin\nboot\n"));
        assert_eq!(run(&["ls", "/nope"], "").2, Exit::Code(2));
        assert_eq!(run(&["nginx", "-v"], "").0, "nginx version: nginx/1.27\n");
        assert_eq!(run(&["foo"], "").2, Exit::NotFound("foo".into()));
        // `exit` is a shell builtin, not an executable.
        assert_eq!(run(&["exit", "3"], "").2, Exit::NotFound("exit".into()));
    }

    #[test]
    fn env_lists_the_pod_and_spec_values() {
        let out = run(&["env"], "").0;
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        );
        assert_eq!(lines[1], "HOSTNAME=web-1");
        assert!(lines.contains(&"MODE=prod"), "{out}");
        assert_eq!(lines.last(), Some(&"HOME=/root"));
        assert_eq!(
            run(&["printenv", "MODE"], ""),
            ("prod\n".into(), "".into(), Exit::Code(0))
        );
    }

    #[test]
    fn cat_copies_stdin_until_it_closes() {
        assert_eq!(run(&["cat"], "a\nb"), ("a\nb".into(), "".into(), Exit::Code(0)));
        let (mut p, _) = Process::start(container(), &argv(&["cat"]));
        assert_eq!(p.input("x\n"), [Action::Stdout("x\n".into())]);
        assert_eq!(p.exit(), None);
        p.close_stdin();
        assert_eq!(p.exit(), Some(&Exit::Code(0)));
        assert_eq!(
            run(&["cat", "/etc/x"], "").1,
            "cat: /etc/x: No such file or directory\n"
        );
    }

    #[test]
    fn sh_c_runs_lists_with_status() {
        let (out, err, exit) = run(&["sh", "-c", "echo a; false && echo b || echo c; exit 3"], "");
        assert_eq!((out.as_str(), err.as_str(), exit), ("a\nc\n", "", Exit::Code(3)));
        let (out, _, exit) = run(&["sh", "-c", "false; echo \"status $?\" '$HOSTNAME' $HOSTNAME"], "");
        assert_eq!((out.as_str(), exit), ("status 1 $HOSTNAME web-1\n", Exit::Code(0)));
        let (out, err, exit) = run(&["sh", "-c", "foo; echo after"], "");
        assert_eq!(
            (out.as_str(), err.as_str(), exit),
            ("after\n", "sh: 1: foo: not found\n", Exit::Code(0))
        );
        let (_, err, exit) = run(&["bash", "-c", "foo"], "");
        assert_eq!(
            (err.as_str(), exit),
            ("bash: line 1: foo: command not found\n", Exit::Code(127))
        );
        assert_eq!(run(&["sh", "-c", "exit 300"], "").2, Exit::Code(44));
        assert_eq!(run(&["sh", "-c", "echo x # comment"], "").0, "x\n");
        let (out, err, _) = run(
            &["sh", "-c", "echo e >&2; foo 2>&1; foo 2>/dev/null; echo o >/dev/null"],
            "",
        );
        assert_eq!((out.as_str(), err.as_str()), ("sh: 1: foo: not found\n", "e\n"));
        let (out, _, _) = run(&["sh", "-c", "cat; echo done"], "in\n");
        assert_eq!(out, "in\ndone\n");
        let (_, actions) = Process::start(container(), &argv(&["sh", "-c", "sleep 0.5"]));
        assert_eq!(actions, [Action::Sleep(Duration::from_millis(500))]);
        for forever in ["inf", "1e300"] {
            let (_, actions) = Process::start(container(), &argv(&["sleep", forever]));
            assert_eq!(actions, [Action::Sleep(Duration::MAX)]);
        }
    }

    #[test]
    fn interactive_shell_reads_lines_from_stdin() {
        let (mut p, start) = Process::start(container(), &argv(&["sh"]));
        assert!(start.is_empty(), "no prompt without a terminal");
        assert_eq!(p.input("echo one\nech"), [Action::Stdout("one\n".into())]);
        assert_eq!(p.input("o two\n"), [Action::Stdout("two\n".into())]);
        assert_eq!(p.input("foo\n"), [Action::Stderr("sh: 3: foo: not found\n".into())]);
        assert_eq!(p.exit(), None);
        p.input("exit 4\necho never\n");
        assert_eq!(p.exit(), Some(&Exit::Code(4)));
        // Stdin closing ends the shell with the last status, after a final unterminated line.
        assert_eq!(
            run(&["sh"], "false\necho last"),
            ("last\n".into(), "".into(), Exit::Code(0))
        );
        assert_eq!(run(&["sh"], "false\n").2, Exit::Code(1));
    }

    #[test]
    fn a_terminal_prompts_echoes_and_merges_stderr() {
        let tty = Container {
            tty: true,
            ..container()
        };
        let (mut p, start) = Process::start(tty.clone(), &argv(&["sh"]));
        assert_eq!(start, [Action::Stdout("# ".into())]);
        assert_eq!(
            p.input("foo\n"),
            [
                Action::Stdout("foo\r\n".into()),
                Action::Stdout("sh: 1: foo: not found\r\n".into()),
                Action::Stdout("# ".into()),
            ]
        );
        let (_, start) = Process::start(tty.clone(), &argv(&["bash"]));
        assert_eq!(start, [Action::Stdout("root@web-1:/# ".into())]);
        assert!(run_with(tty.clone(), &["env"], "").0.contains("TERM=xterm\r\n"));
        // Enter in a terminal sends a carriage return, which the terminal reads as a newline.
        let (mut p, _) = Process::start(tty, &argv(&["sh"]));
        assert_eq!(
            p.input("echo hi\r"),
            [
                Action::Stdout("echo hi\r\n".into()),
                Action::Stdout("hi\r\n".into()),
                Action::Stdout("# ".into()),
            ]
        );
    }
}
