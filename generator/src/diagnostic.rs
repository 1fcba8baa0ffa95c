//! What the generator says when it cannot do its job: where in the document, what, and why.

use std::fmt;

/// A location in the OpenAPI document, as a JSON pointer (RFC 6901), e.g.
/// `#/paths/~1api~1v1~1users/get/responses/200`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pointer(String);

impl Pointer {
    /// The document's root, `#`.
    pub fn root() -> Self {
        Self::default()
    }

    /// This pointer extended by one reference token, escaped as RFC 6901 requires.
    ///
    /// Lowering extends a pointer for every part of the document it enters, error or not,
    /// so the usual token, with nothing to escape, costs one allocation.
    pub fn push(&self, token: impl fmt::Display) -> Self {
        use fmt::Write as _;
        let mut pointer = String::with_capacity(self.0.len() + 32);
        pointer.push_str(&self.0);
        pointer.push('/');
        let start = pointer.len();
        // Writing into a `String` fails only if `token`'s `Display` does.
        let _ = write!(pointer, "{token}");
        if pointer[start..].contains(['~', '/']) {
            let escaped = pointer[start..].replace('~', "~0").replace('/', "~1");
            pointer.truncate(start);
            pointer.push_str(&escaped);
        }
        Self(pointer)
    }
}

impl Pointer {
    /// The pointer of these reference tokens, from the root.
    pub fn of_tokens(tokens: impl IntoIterator<Item = impl fmt::Display>) -> Self {
        tokens
            .into_iter()
            .fold(Self::root(), |pointer, token| pointer.push(token))
    }

    /// The pointer that [`Display`](fmt::Display) wrote as `text` (`#`, or `#/` and
    /// escaped tokens); `None` for other text.
    pub fn parse(text: &str) -> Option<Self> {
        let tokens = text.strip_prefix('#')?;
        (tokens.is_empty() || tokens.starts_with('/')).then(|| Self(tokens.to_owned()))
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Whether a problem stops generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Severity {
    /// Generation stops; nothing is written.
    #[default]
    Error,
    /// Generation goes on without the part concerned, which the message names.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// A problem with the input: where in the document, what, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Where in the document the problem is; `None` when it concerns the document as a whole.
    pub pointer: Option<Pointer>,
    /// What is wrong, as a sentence.
    pub message: String,
    /// What the user can do about it, when there is something to say.
    pub help: Option<String>,
    /// The document's other problems, when generation found several (each is skipped by
    /// `--skip-unsupported`).
    pub more: Vec<Diagnostic>,
    /// Whether generation skipping what is unsupported (`--skip-unsupported`) makes the
    /// rest without what this and [`more`](Self::more) name: set on the error a generation
    /// returns.
    pub skippable: bool,
}

impl Diagnostic {
    /// A problem at a place in the document.
    pub fn at(pointer: &Pointer, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            pointer: Some(pointer.clone()),
            message: message.into(),
            help: None,
            more: Vec::new(),
            skippable: false,
        }
    }

    /// A problem with the document as a whole.
    pub fn document(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            pointer: None,
            message: message.into(),
            help: None,
            more: Vec::new(),
            skippable: false,
        }
    }

    /// The same problem as a warning: generation goes on.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// The same problem, with advice on what to do.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The problem; the others of [`Diagnostic::more`] are not shown (each is one of its own).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pointer {
            Some(pointer) => write!(f, "at {pointer}: {}", self.message)?,
            None => f.write_str(&self.message)?,
        }
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::Pointer;

    #[test]
    fn pointer_tokens_are_escaped_as_rfc_6901_says() {
        let pointer = Pointer::root()
            .push("paths")
            .push("/api/v1/users/{id}")
            .push("x-a~b/c")
            .push(200);
        assert_eq!(
            pointer.to_string(),
            "#/paths/~1api~1v1~1users~1{id}/x-a~0b~1c/200"
        );
        assert_eq!(Pointer::root().to_string(), "#");
    }
}
