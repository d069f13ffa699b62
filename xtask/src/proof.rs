//! What one proof of verify found, for its row: it held or it failed, and the note beside
//! the result (timings, what was seen, or why it failed).

pub enum Proof {
    Held(String),
    Failed(String),
}

impl Proof {
    /// Held when `held`, failed otherwise, with the same note.
    pub fn from_bool(held: bool, detail: String) -> Proof {
        if held {
            Proof::Held(detail)
        } else {
            Proof::Failed(detail)
        }
    }

    pub fn held(&self) -> bool {
        matches!(self, Proof::Held(_))
    }

    pub fn detail(&self) -> &str {
        match self {
            Proof::Held(detail) | Proof::Failed(detail) => detail,
        }
    }
}
