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
    pub fn push(&self, token: impl fmt::Display) -> Self {
        let token = token.to_string().replace('~', "~0").replace('/', "~1");
        Self(format!("{}/{token}", self.0))
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A problem with the input that stops generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where in the document the problem is; `None` when it concerns the document as a whole.
    pub pointer: Option<Pointer>,
    /// What is wrong, as a sentence.
    pub message: String,
    /// What the user can do about it, when there is something to say.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A problem at a place in the document.
    pub fn at(pointer: &Pointer, message: impl Into<String>) -> Self {
        Self {
            pointer: Some(pointer.clone()),
            message: message.into(),
            help: None,
        }
    }

    /// A problem with the document as a whole.
    pub fn document(message: impl Into<String>) -> Self {
        Self {
            pointer: None,
            message: message.into(),
            help: None,
        }
    }

    /// The same problem, with advice on what to do.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

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
