//! Accounts: users and their pseuds, server-side sessions, invitations, password resets and
//! the operator's site settings. Password hashing is the caller's (the web layer's service);
//! this module stores what it is given.

use crate::db::{Db, Sql};
use crate::works::now;
use crate::{name_key, Result, Store, StoreError};
use ajar_core::{Account, PseudId, Role, SignupMode, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// An account as stored, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub suspended: bool,
    pub created_at: DateTime<Utc>,
    pub updates_seen_at: Option<DateTime<Utc>>,
}

/// One of a user's display names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pseud {
    pub id: PseudId,
    pub name: String,
    pub user_id: Option<UserId>,
    pub is_default: bool,
}

/// What a new account is made of (the password already hashed).
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    /// An invitation code to spend in the same transaction (sign-up in invitation mode).
    pub invitation: Option<&'a str>,
}

/// A live session found by its token.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub account: Account,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub suspended: bool,
    /// Unread inbox items, counted up to [`UNREAD_SHOWN`] (the header says "99+" past it).
    pub unread: u32,
}

/// Up to how many unread inbox items a session counts for the header.
pub const UNREAD_SHOWN: u32 = 100;

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    name: String,
    email: String,
    role: String,
    suspended: bool,
    created_at: DateTime<Utc>,
    updates_seen_at: Option<DateTime<Utc>>,
}

/// A user row with its password hash, for log-in.
#[derive(sqlx::FromRow)]
struct LoginRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

pub(crate) const USER_COLUMNS: &str =
    "id, name, email, role, suspended, created_at, updates_seen_at";

impl UserRow {
    pub(crate) fn into_user(self) -> Result<User> {
        Ok(User {
            id: UserId(self.id),
            role: role(&self.role)?,
            name: self.name,
            email: self.email,
            suspended: self.suspended,
            created_at: self.created_at,
            updates_seen_at: self.updates_seen_at,
        })
    }
}

fn role(code: &str) -> Result<Role> {
    Role::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("unknown role {code:?}")))
}

#[derive(sqlx::FromRow)]
struct PseudRow {
    id: i64,
    name: String,
    user_id: Option<i64>,
    is_default: bool,
}

impl From<PseudRow> for Pseud {
    fn from(r: PseudRow) -> Pseud {
        Pseud {
            id: PseudId(r.id),
            name: r.name,
            user_id: r.user_id.map(UserId),
            is_default: r.is_default,
        }
    }
}

/// The account (role and pseuds) of a user id, for a session or a command.
pub(crate) async fn account(db: &mut Db<'_>, user: &User) -> Result<Account> {
    let pseuds = user_pseuds(db, user.id).await?;
    Ok(Account {
        id: user.id,
        name: user.name.clone(),
        role: user.role,
        pseuds: pseuds.into_iter().map(|p| p.id).collect(),
    })
}

async fn user_pseuds(db: &mut Db<'_>, user: UserId) -> Result<Vec<Pseud>> {
    let sql = Sql::new(
        "SELECT id, name, user_id, is_default FROM pseuds WHERE user_id = $1 \
         ORDER BY is_default DESC, name_key",
    )
    .bind(user.0);
    let rows: Vec<PseudRow> = db.fetch_all(&sql).await?;
    Ok(rows.into_iter().map(Pseud::from).collect())
}

async fn user_where(db: &mut Db<'_>, clause: &'static str, value: &str) -> Result<Option<User>> {
    let sql = Sql::new(format!("SELECT {USER_COLUMNS} FROM users WHERE {clause}")).bind(value);
    let row: Option<UserRow> = db.fetch_optional(&sql).await?;
    row.map(UserRow::into_user).transpose()
}

/// A unique-key violation from a sign-up as the conflict it is; other errors as they are.
fn taken_by_a_racing_write(e: sqlx::Error, name: &str) -> StoreError {
    let Some(db) = e.as_database_error().filter(|d| d.is_unique_violation()) else {
        return StoreError::Database(e);
    };
    let what = format!("{} {}", db.constraint().unwrap_or(""), db.message());
    if what.contains("email") {
        email_in_use()
    } else {
        name_taken(name)
    }
}

/// Whether a pseud other than `except` has the name `key` (a [`name_key`]). Every account's
/// default pseud carries the account's name, so this is the one check for a creator's name.
pub(crate) async fn pseud_name_in_use(
    db: &mut Db<'_>,
    key: &str,
    except: Option<PseudId>,
) -> Result<bool> {
    // Ids start at 1, so 0 excepts none.
    let row: Option<(i64,)> = db
        .fetch_optional(
            &Sql::new("SELECT id FROM pseuds WHERE name_key = $1 AND id <> $2")
                .bind(key)
                .bind(except.map_or(0, |p| p.0)),
        )
        .await?;
    Ok(row.is_some())
}

/// Whether an account other than `except` has the email address `key` (a [`name_key`]).
pub(crate) async fn email_in_use_by(
    db: &mut Db<'_>,
    key: &str,
    except: Option<UserId>,
) -> Result<bool> {
    // Ids start at 1, so 0 excepts none.
    let row: Option<(i64,)> = db
        .fetch_optional(
            &Sql::new("SELECT id FROM users WHERE email_key = $1 AND id <> $2")
                .bind(key)
                .bind(except.map_or(0, |u| u.0)),
        )
        .await?;
    Ok(row.is_some())
}

/// The name of `pseud` if it is one of `user`'s; None for anyone else's or none.
pub(crate) async fn own_pseud_name(
    db: &mut Db<'_>,
    user: UserId,
    pseud: PseudId,
) -> Result<Option<String>> {
    let row: Option<(String,)> = db
        .fetch_optional(
            &Sql::new("SELECT name FROM pseuds WHERE id = $1 AND user_id = $2")
                .bind(pseud.0)
                .bind(user.0),
        )
        .await?;
    Ok(row.map(|(name,)| name))
}

pub(crate) fn name_taken(name: &str) -> StoreError {
    StoreError::Conflict(format!("the name \"{name}\" is taken"))
}

pub(crate) fn email_in_use() -> StoreError {
    StoreError::Conflict("an account with that email address exists already".into())
}

impl Store {
    /// Makes an account and its default pseud (named as the account) in one transaction,
    /// spending `new.invitation` if given. Refused with [`StoreError::Conflict`] when the
    /// name (as a user or any creator's name) or the email is taken, or the invitation is
    /// unknown or spent.
    pub async fn create_user(&self, new: &NewUser<'_>) -> Result<UserId> {
        match self.insert_user(new).await {
            // Writes take the write lock, so a second sign-up with one name or email sees
            // the first; should one still reach the unique keys (a write made without the
            // lock), it gets the same answer, not a database error.
            Err(StoreError::Database(e)) => Err(taken_by_a_racing_write(e, new.name)),
            other => other,
        }
    }

    async fn insert_user(&self, new: &NewUser<'_>) -> Result<UserId> {
        let now = now();
        let key = name_key(new.name);
        let email_key = name_key(new.email);
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let taken = pseud_name_in_use(&mut db, &key, None).await?;
        let user_taken: Option<(i64,)> = db
            .fetch_optional(&Sql::new("SELECT id FROM users WHERE name_key = $1").bind(&key))
            .await?;
        if taken || user_taken.is_some() {
            return Err(name_taken(new.name));
        }
        if email_in_use_by(&mut db, &email_key, None).await? {
            return Err(email_in_use());
        }
        let (id,): (i64,) = db
            .fetch_one(
                &Sql::new(
                    "INSERT INTO users (name, name_key, email, email_key, password_hash, role, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(new.name)
                .bind(&key)
                .bind(new.email)
                .bind(email_key.as_str())
                .bind(new.password_hash)
                .bind(new.role.code())
                .bind(now),
            )
            .await?;
        db.execute(
            &Sql::new(
                "INSERT INTO pseuds (name, name_key, user_id, is_default, created_at) \
                 VALUES ($1, $2, $3, TRUE, $4)",
            )
            .bind(new.name)
            .bind(&key)
            .bind(id)
            .bind(now),
        )
        .await?;
        if let Some(code) = new.invitation {
            let used = db
                .execute(
                    &Sql::new(
                        "UPDATE invitations SET used_by = $1, used_at = $2 \
                         WHERE code = $3 AND used_by IS NULL",
                    )
                    .bind(id)
                    .bind(now)
                    .bind(code),
                )
                .await?;
            if used == 0 {
                return Err(StoreError::Conflict(
                    "that invitation code is unknown or has been used".into(),
                ));
            }
        }
        tx.commit().await?;
        Ok(UserId(id))
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        let mut conn = self.pool.conn().await?;
        let sql = Sql::new(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(id.0);
        let row: Option<UserRow> = conn.db().fetch_optional(&sql).await?;
        row.map(UserRow::into_user).transpose()
    }

    /// A user by name, case-insensitively.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let mut conn = self.pool.conn().await?;
        user_where(&mut conn.db(), "name_key = $1", &name_key(name)).await
    }

    /// A user by name or email (the log-in form takes either), with the password hash.
    pub async fn user_for_login(&self, name_or_email: &str) -> Result<Option<(User, String)>> {
        let key = name_key(name_or_email.trim());
        let mut conn = self.pool.conn().await?;
        let sql = Sql::new(format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users \
             WHERE name_key = $1 OR email_key = $1 ORDER BY id LIMIT 1"
        ))
        .bind(&key);
        let row: Option<LoginRow> = conn.db().fetch_optional(&sql).await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let hash = row.password_hash;
        let user = row.user.into_user()?;
        Ok(Some((user, hash)))
    }

    /// The password hash of a user (to check the current password before a change).
    pub async fn password_hash(&self, user: UserId) -> Result<Option<String>> {
        let mut conn = self.pool.conn().await?;
        let row: Option<(String,)> = conn
            .db()
            .fetch_optional(&Sql::new("SELECT password_hash FROM users WHERE id = $1").bind(user.0))
            .await?;
        Ok(row.map(|(h,)| h))
    }

    /// The account (role, pseuds) of a user.
    pub async fn account(&self, user: UserId) -> Result<Option<Account>> {
        let Some(u) = self.user(user).await? else {
            return Ok(None);
        };
        let mut conn = self.pool.conn().await?;
        Ok(Some(account(&mut conn.db(), &u).await?))
    }

    /// Sets a new password hash and ends every session of the user but `keep_session` (the
    /// token hash of the session that made the change, if any).
    pub async fn set_password(
        &self,
        user: UserId,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        db.execute(
            &Sql::new("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(user.0),
        )
        .await?;
        db.execute(
            &Sql::new("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user.0)
                .bind(keep_session.unwrap_or("")),
        )
        .await?;
        end_password_resets(&mut db, user).await?;
        tx.commit().await
    }

    /// Changes a user's email; [`StoreError::Conflict`] when another account has it.
    pub async fn set_email(&self, user: UserId, email: &str) -> Result<()> {
        let key = name_key(email);
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        if email_in_use_by(&mut db, &key, Some(user)).await? {
            return Err(email_in_use());
        }
        db.execute(
            &Sql::new("UPDATE users SET email = $1, email_key = $2 WHERE id = $3")
                .bind(email)
                .bind(&key)
                .bind(user.0),
        )
        .await?;
        tx.commit().await
    }

    /// Sets a user's role; false when there is no such user.
    pub async fn set_role(&self, user: UserId, role: Role) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        let n = tx
            .db()
            .execute(
                &Sql::new("UPDATE users SET role = $1 WHERE id = $2")
                    .bind(role.code())
                    .bind(user.0),
            )
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Suspends (or lifts the suspension of) an account; a suspension ends its sessions and
    /// hides its works (unless a co-creator is in good standing), comments and bookmarks
    /// from everyone else, and lifting it brings them back.
    pub async fn set_suspended(&self, user: UserId, suspended: bool) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        let found = set_suspended_in(&mut tx.db(), user, suspended).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// A user's pseuds, the default first.
    pub async fn pseuds_of(&self, user: UserId) -> Result<Vec<Pseud>> {
        let mut conn = self.pool.conn().await?;
        user_pseuds(&mut conn.db(), user).await
    }

    /// A pseud by name, case-insensitively (any creator's name, account or not).
    pub async fn pseud_by_name(&self, name: &str) -> Result<Option<Pseud>> {
        let key = name_key(name.trim());
        let mut conn = self.pool.conn().await?;
        let sql = Sql::new("SELECT id, name, user_id, is_default FROM pseuds WHERE name_key = $1")
            .bind(&key);
        let row: Option<PseudRow> = conn.db().fetch_optional(&sql).await?;
        Ok(row.map(Pseud::from))
    }

    /// Adds a pseud to an account; [`StoreError::Conflict`] when the name is taken.
    pub async fn add_pseud(&self, user: UserId, name: &str) -> Result<PseudId> {
        let key = name_key(name);
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        if pseud_name_in_use(&mut db, &key, None).await? {
            return Err(name_taken(name));
        }
        let (id,): (i64,) = db
            .fetch_one(
                &Sql::new(
                    "INSERT INTO pseuds (name, name_key, user_id, is_default, created_at) \
                     VALUES ($1, $2, $3, FALSE, $4) RETURNING id",
                )
                .bind(name)
                .bind(&key)
                .bind(user.0)
                .bind(now()),
            )
            .await?;
        tx.commit().await?;
        Ok(PseudId(id))
    }

    /// Stores a new session (the token's hash) for a user.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        tx.db()
            .execute(
                &Sql::new(
                    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, \
                     expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(token_hash)
                .bind(user.0)
                .bind(csrf_token)
                .bind(now())
                .bind(expires_at),
            )
            .await?;
        tx.commit().await
    }

    /// The session with this token hash, if it exists and has not expired.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let row: Option<(i64, String, DateTime<Utc>)> = db
            .fetch_optional(
                &Sql::new(
                    "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1",
                )
                .bind(token_hash),
            )
            .await?;
        let Some((user_id, csrf_token, expires_at)) = row else {
            return Ok(None);
        };
        if expires_at <= now() {
            return Ok(None);
        }
        let sql = Sql::new(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(user_id);
        let Some(user) = db.fetch_optional::<UserRow>(&sql).await? else {
            return Ok(None);
        };
        let user = user.into_user()?;
        let account = account(&mut db, &user).await?;
        // Read along the partial index of unread items, and no further than the header shows.
        let (unread,): (i64,) = db
            .fetch_one(
                &Sql::new(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM notifications \
                     WHERE user_id = $1 AND read_at IS NULL LIMIT $2) unread",
                )
                .bind(user_id)
                .bind(i64::from(UNREAD_SHOWN)),
            )
            .await?;
        Ok(Some(SessionRecord {
            account,
            csrf_token,
            expires_at,
            suspended: user.suspended,
            unread: u32::try_from(unread).unwrap_or(UNREAD_SHOWN),
        }))
    }

    /// Ends a session (log-out).
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        tx.db()
            .execute(&Sql::new("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash))
            .await?;
        tx.commit().await
    }

    /// Removes expired sessions; returns how many.
    pub async fn prune_sessions(&self) -> Result<u64> {
        let mut tx = self.pool.begin_write().await?;
        let n = tx
            .db()
            .execute(&Sql::new("DELETE FROM sessions WHERE expires_at < $1").bind(now()))
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// How accounts are made; [`SignupMode::Open`] until the operator says otherwise.
    pub async fn signup_mode(&self) -> Result<SignupMode> {
        Ok(self
            .site_setting("signup_mode")
            .await?
            .and_then(|v| SignupMode::from_code(&v))
            .unwrap_or(SignupMode::Open))
    }

    pub async fn set_signup_mode(&self, mode: SignupMode) -> Result<()> {
        self.set_site_setting("signup_mode", mode.code()).await
    }

    pub async fn site_setting(&self, key: &str) -> Result<Option<String>> {
        let mut conn = self.pool.conn().await?;
        let row: Option<(String,)> = conn
            .db()
            .fetch_optional(&Sql::new("SELECT value FROM site_settings WHERE key = $1").bind(key))
            .await?;
        Ok(row.map(|(v,)| v))
    }

    pub async fn set_site_setting(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        tx.db()
            .execute(
                &Sql::new(
                    "INSERT INTO site_settings (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(key)
                .bind(value),
            )
            .await?;
        tx.commit().await
    }

    /// Stores an invitation code (made by the caller, random).
    pub async fn create_invitation(&self, code: &str, by: Option<UserId>) -> Result<()> {
        self.create_invitations(&[code], by).await
    }

    /// Stores a batch of invitation codes: all of them, or (when one cannot be stored, say
    /// a code already taken) none.
    pub async fn create_invitations(&self, codes: &[&str], by: Option<UserId>) -> Result<()> {
        let now = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        for code in codes {
            // A taken code inserts nothing; returning drops the transaction, undoing the
            // codes before it.
            let added = db
                .execute(
                    &Sql::new(
                        "INSERT INTO invitations (code, created_by, created_at) \
                         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(*code)
                    .bind(by.map(|u| u.0))
                    .bind(now),
                )
                .await?;
            if added == 0 {
                return Err(StoreError::Conflict(format!(
                    "The invitation code \"{code}\" exists already: no codes were made."
                )));
            }
        }
        tx.commit().await
    }

    /// Whether an invitation code exists and is unused.
    pub async fn invitation_open(&self, code: &str) -> Result<bool> {
        let mut conn = self.pool.conn().await?;
        // `code`, not `SELECT 1`: PostgreSQL types a bare 1 as INT4, which does not decode
        // as i64.
        let row: Option<(String,)> = conn
            .db()
            .fetch_optional(
                &Sql::new("SELECT code FROM invitations WHERE code = $1 AND used_by IS NULL")
                    .bind(code),
            )
            .await?;
        Ok(row.is_some())
    }

    /// Stores a password reset token's hash for a user, valid until `expires_at`. An account
    /// has one live link at a time: making a new one ends the ones made before.
    pub async fn create_password_reset(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        replace_password_reset(&mut tx.db(), token_hash, user, expires_at).await?;
        tx.commit().await
    }

    /// The user a reset token is for, if it is unused and unexpired (without spending it).
    pub async fn password_reset_user(&self, token_hash: &str) -> Result<Option<UserId>> {
        let mut conn = self.pool.conn().await?;
        let row: Option<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> = conn
            .db()
            .fetch_optional(
                &Sql::new(
                    "SELECT user_id, expires_at, used_at FROM password_resets \
                     WHERE token_hash = $1",
                )
                .bind(token_hash),
            )
            .await?;
        Ok(match row {
            Some((user, expires, None)) if expires > now() => Some(UserId(user)),
            _ => None,
        })
    }

    /// Spends a reset token and sets the new password hash, ending every session of the
    /// user, in one transaction. `None` when the token is unknown, spent or expired.
    pub async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<Option<UserId>> {
        let now = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let row: Option<(i64, DateTime<Utc>, Option<String>, String)> = db
            .fetch_optional(
                &Sql::new(
                    "SELECT r.user_id, r.expires_at, r.mailed_to, u.email_key \
                     FROM password_resets r JOIN users u ON u.id = r.user_id \
                     WHERE r.token_hash = $1 AND r.used_at IS NULL",
                )
                .bind(token_hash),
            )
            .await?;
        let Some((user, expires, mailed_to, email_key)) = row else {
            return Ok(None);
        };
        if expires <= now {
            return Ok(None);
        }
        // A link the archive mailed to the account's address shows the reader holds it.
        if mailed_to.is_some_and(|to| name_key(&to) == email_key) {
            db.execute(
                &Sql::new("UPDATE users SET email_confirmed = TRUE WHERE id = $1").bind(user),
            )
            .await?;
        }
        // Spent with every other link of the account: a new password ends them all.
        end_password_resets(&mut db, UserId(user)).await?;
        db.execute(
            &Sql::new("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(user),
        )
        .await?;
        db.execute(&Sql::new("DELETE FROM sessions WHERE user_id = $1").bind(user))
            .await?;
        tx.commit().await?;
        Ok(Some(UserId(user)))
    }

    /// Every account, oldest first (for the admin page and `ajar user list`).
    pub async fn users(&self, limit: u32, offset: u64) -> Result<Vec<User>> {
        let mut conn = self.pool.conn().await?;
        let sql = Sql::new(format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY id LIMIT $1 OFFSET $2"
        ))
        .bind(i64::from(limit))
        .bind(crate::to_i64(offset));
        let rows: Vec<UserRow> = conn.db().fetch_all(&sql).await?;
        rows.into_iter().map(UserRow::into_user).collect()
    }
}

/// Ends every password reset link of `user` (a new link, or a new password, makes the old
/// ones worthless).
/// Stores a reset token's hash for `user` in the caller's transaction, ending the links
/// made before (one live link per account).
pub(crate) async fn replace_password_reset(
    db: &mut Db<'_>,
    token_hash: &str,
    user: UserId,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    end_password_resets(db, user).await?;
    db.execute(
        &Sql::new(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user.0)
        .bind(now())
        .bind(expires_at),
    )
    .await?;
    Ok(())
}

async fn end_password_resets(db: &mut Db<'_>, user: UserId) -> Result<()> {
    db.execute(&Sql::new("DELETE FROM password_resets WHERE user_id = $1").bind(user.0))
        .await?;
    Ok(())
}

/// [`Store::set_suspended`] inside the caller's write transaction: a suspended account is
/// signed out everywhere, and its works, comments and bookmarks are hidden from everyone
/// else until the suspension is lifted (see `suspension`). False when there is no such
/// account.
pub(crate) async fn set_suspended_in(
    db: &mut Db<'_>,
    user: UserId,
    suspended: bool,
) -> Result<bool> {
    let n = db
        .execute(
            &Sql::new("UPDATE users SET suspended = $1 WHERE id = $2")
                .bind(suspended)
                .bind(user.0),
        )
        .await?;
    if n == 0 {
        return Ok(false);
    }
    if suspended {
        db.execute(&Sql::new("DELETE FROM sessions WHERE user_id = $1").bind(user.0))
            .await?;
    }
    crate::suspension::account_standing_changed(db, user, now()).await?;
    Ok(true)
}
