//! Accounts and what decides who may see or do what: roles, a work's visibility, its
//! comment settings, and the reader a request is made for ([`Viewer`]).
//!
//! The rules themselves live here, as pure functions, so that the store (which applies them
//! in SQL), the search (which applies them as filters) and the web layer agree.

use crate::ids::{PseudId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal / $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and used in forms and URLs.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// What readers see.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// From [`Self::code`], case-insensitively.
            pub fn from_code(code: &str) -> Option<$name> {
                let code = code.trim();
                $(if code.eq_ignore_ascii_case($code) { return Some($name::$variant); })+
                None
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

code_enum!(
    /// What an account may do beyond reading and posting.
    Role {
        User = "user" / "User",
        /// Wrangles tags (canonical tags, synonyms, fandom media).
        Wrangler = "wrangler" / "Tag wrangler",
        /// Everything: reports queue, hiding works, removing comments, suspending accounts.
        Admin = "admin" / "Admin",
    }
);

code_enum!(
    /// Who can see a work.
    Visibility {
        Public = "public" / "Public",
        /// Logged-in readers only (AO3's "restricted").
        Restricted = "restricted" / "Logged-in users only",
        /// Its creators only, until posted.
        Draft = "draft" / "Draft",
    }
);

code_enum!(
    /// Who can comment on a work.
    CommentPolicy {
        Anyone = "anyone" / "Anyone, guests included",
        Users = "users" / "Logged-in users only",
        /// Anyone may comment; a comment shows once a creator approves it.
        Moderated = "moderated" / "Moderated: I approve each comment",
        Off = "off" / "No comments",
    }
);

code_enum!(
    /// How new accounts are made (set by the operator).
    SignupMode {
        Open = "open" / "Open: anyone can sign up",
        Invite = "invite" / "Invitation codes only",
        Closed = "closed" / "Closed",
    }
);

/// The account a request is made by, as the service layer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    /// The account's pseuds; the first is the default.
    pub pseuds: Vec<PseudId>,
}

/// Who is asking: a guest or a logged-in account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub enum Viewer {
    #[default]
    Guest,
    User(Account),
}

impl Viewer {
    pub fn account(&self) -> Option<&Account> {
        match self {
            Viewer::Guest => None,
            Viewer::User(a) => Some(a),
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.account().map(|a| a.id)
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.account(), Some(a) if a.role == Role::Admin)
    }

    pub fn is_logged_in(&self) -> bool {
        self.account().is_some()
    }

    /// May this viewer see a work with these settings? `is_creator`: the viewer is one of
    /// its (accepted) creators. The store applies the same rule in SQL
    /// (`ajar_store`'s visibility clause); tests hold the two together.
    ///
    /// A draft is its creators' alone, admins included: it is not posted, so there is
    /// nothing to moderate yet. Admins see restricted and hidden works, to moderate them.
    pub fn can_see(&self, visibility: Visibility, hidden: bool, is_creator: bool) -> bool {
        if is_creator {
            return true;
        }
        match visibility {
            Visibility::Draft => false,
            _ if self.is_admin() => true,
            _ if hidden => false,
            Visibility::Public => true,
            Visibility::Restricted => self.is_logged_in(),
        }
    }
}

/// Why a name, email or password is refused at sign-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("a user name is 3 to 40 characters: letters, digits, _ and -")]
    BadName,
    #[error("that email address does not look right")]
    BadEmail,
    #[error("a password is at least 8 characters (and at most 1,000)")]
    BadPassword,
}

/// A user name: 3–40 characters of letters, digits, `_` and `-` (so it is its own URL
/// segment).
pub fn validate_user_name(name: &str) -> Result<&str, AccountError> {
    let name = name.trim();
    let count = name.chars().count();
    if !(3..=40).contains(&count)
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Err(AccountError::BadName);
    }
    Ok(name)
}

/// A pseud (display name): 1–40 characters, no control characters, not only spaces.
pub fn validate_pseud_name(name: &str) -> Result<&str, AccountError> {
    let name = name.trim();
    let count = name.chars().count();
    if !(1..=40).contains(&count)
        || name
            .chars()
            .any(|c| c.is_control() || !crate::is_xml_char(c))
        || name.contains('/')
    {
        return Err(AccountError::BadName);
    }
    Ok(name)
}

/// An email address: something@domain.tld, no spaces, at most 254 characters.
pub fn validate_email(email: &str) -> Result<&str, AccountError> {
    let email = email.trim();
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
                && !domain.ends_with('.') && !domain.contains('@'));
    if ok {
        Ok(email)
    } else {
        Err(AccountError::BadEmail)
    }
}

/// A password: 8 to 1,000 characters (the cap keeps hashing cost bounded).
pub fn validate_password(password: &str) -> Result<&str, AccountError> {
    let count = password.chars().count();
    if !(8..=1000).contains(&count) {
        return Err(AccountError::BadPassword);
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> Viewer {
        Viewer::User(Account {
            id: UserId(1),
            name: "reader".into(),
            role,
            pseuds: vec![PseudId(1)],
        })
    }

    #[test]
    fn visibility_rules() {
        use Visibility::*;
        let guest = Viewer::Guest;
        let reader = user(Role::User);
        let admin = user(Role::Admin);
        assert!(guest.can_see(Public, false, false));
        assert!(!guest.can_see(Restricted, false, false));
        assert!(reader.can_see(Restricted, false, false));
        assert!(!reader.can_see(Draft, false, false));
        assert!(reader.can_see(Draft, false, true));
        assert!(!reader.can_see(Public, true, false));
        assert!(reader.can_see(Public, true, true));
        assert!(admin.can_see(Public, true, false));
        assert!(admin.can_see(Restricted, true, false));
        assert!(!admin.can_see(Draft, false, false));
        assert!(!admin.can_see(Draft, true, false));
        assert!(admin.can_see(Draft, false, true));
    }

    #[test]
    fn names_and_emails() {
        assert!(validate_user_name("ab").is_err());
        assert!(validate_user_name("scully_fan-1").is_ok());
        assert!(validate_user_name("no spaces").is_err());
        assert!(validate_user_name("a/b").is_err());
        assert!(validate_email("x@example.org").is_ok());
        assert!(validate_email("x@localhost").is_err());
        assert!(validate_email("x y@example.org").is_err());
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough").is_ok());
        assert_eq!(
            Visibility::from_code("RESTRICTED"),
            Some(Visibility::Restricted)
        );
        assert_eq!(CommentPolicy::from_code("nope"), None);
    }
}
