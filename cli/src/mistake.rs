//! [`FileError`]: a desired-state file that cannot be used, with every mistake found.

use std::fmt;

/// A desired-state file that cannot be used: each mistake with its line and field path, all
/// of them at once (up to 20). Nothing was sent.
///
/// ```
/// use infisical_oci_auth_cli::DesiredFile;
///
/// let text = "identities:\n  6511e966-169d-4653-a191-c559fe230086:\n    tenancyOcid: nope\n  not-an-id: absent\n";
/// let e = DesiredFile::parse(text, "identities.yaml").unwrap_err();
/// assert_eq!(e.mistakes().len(), 2);
/// assert_eq!(e.mistakes()[0].line, Some(3));
/// assert_eq!(e.mistakes()[0].field, "identities.6511e966-169d-4653-a191-c559fe230086.tenancyOcid");
/// ```
#[derive(Debug, Clone)]
pub struct FileError(Box<FileErrorInner>);

#[derive(Debug, Clone)]
struct FileErrorInner {
    file: String,
    mistakes: Vec<Mistake>,
    more: usize,
}

/// One mistake in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mistake {
    /// The line (from 1), when it can be told.
    pub line: Option<usize>,
    /// The field path, e.g. `identities.<id>.accessTokenTTL`; empty for the file as a whole.
    pub field: String,
    /// What is wrong and what is allowed.
    pub reason: String,
}

impl Mistake {
    pub(crate) fn new(
        line: Option<usize>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Mistake {
            line,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Mistake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.reason)
    }
}

impl FileError {
    pub(crate) fn new(file: &str, mistakes: Vec<Mistake>, more: usize) -> Self {
        FileError(Box::new(FileErrorInner {
            file: file.to_owned(),
            mistakes,
            more,
        }))
    }

    /// The file, as named when it was read.
    pub fn file(&self) -> &str {
        &self.0.file
    }

    /// The mistakes found, in the file's order (at most 50).
    pub fn mistakes(&self) -> &[Mistake] {
        &self.0.mistakes
    }

    /// How many more mistakes there were than [`mistakes`](Self::mistakes) lists.
    pub fn more(&self) -> usize {
        self.0.more
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        match (e.mistakes.as_slice(), e.more) {
            ([one], 0) => write!(f, "{}: {one}", e.file),
            (all, more) => {
                write!(f, "{}: {} mistakes", e.file, all.len() + more)?;
                for mistake in all {
                    write!(f, "\n  {mistake}")?;
                }
                if more > 0 {
                    write!(f, "\n  … and {more} more")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for FileError {}
