//! Personal access tokens: what an account's scripts, API clients and e-reader apps use in
//! place of a session cookie. The caller makes the token and gives its SHA-256; only the
//! hash is kept, as for sessions.

use crate::accounts::{account, UserRow, USER_COLUMNS};
use crate::db::Sql;
use crate::works::now;
use crate::{Result, Store, StoreError};
use ajar_core::{Account, UserId};
use chrono::{DateTime, Duration, Utc};

/// Tokens one account may hold at once.
pub const MAX_ACCESS_TOKENS: u64 = 20;
/// A token's name, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;
/// How stale a token's "last used" time may get before a use writes it again: a client
/// polling every second must not make a write (which every reader's cache pays for) each
/// time.
const LAST_USED_PRECISION: Duration = Duration::minutes(5);

/// What a token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    /// Read what the account may read.
    Read,
    /// Read, and change what the account may change.
    Write,
}

impl TokenScope {
    pub fn code(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn parse(code: &str) -> Option<TokenScope> {
        match code {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }
}

/// A token as its account sees it on the account page (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A live token found by its hash: whose it is and what it may do.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub account: Account,
    pub scope: TokenScope,
    pub suspended: bool,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    scope: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    fn into_token(self) -> Result<AccessToken> {
        let scope = TokenScope::parse(&self.scope)
            .ok_or_else(|| StoreError::Corrupt(format!("token scope {:?}", self.scope)))?;
        Ok(AccessToken {
            id: self.id,
            name: self.name,
            scope,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
        })
    }
}

impl Store {
    /// Keeps a new token (its hash) for `user`; refused with a conflict when the account
    /// already holds [`MAX_ACCESS_TOKENS`].
    pub async fn create_access_token(
        &self,
        user: UserId,
        name: &str,
        scope: TokenScope,
        token_hash: &str,
    ) -> Result<AccessToken> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let (held,): (i64,) = db
            .fetch_one(
                &Sql::new("SELECT COUNT(*) FROM access_tokens WHERE user_id = $1").bind(user.0),
            )
            .await?;
        if u64::try_from(held).unwrap_or(0) >= MAX_ACCESS_TOKENS {
            return Err(StoreError::Conflict(format!(
                "an account can hold at most {MAX_ACCESS_TOKENS} tokens: revoke one first"
            )));
        }
        let created_at = now();
        let (id,): (i64,) = db
            .fetch_one(
                &Sql::new(
                    "INSERT INTO access_tokens (user_id, name, token_hash, scope, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(user.0)
                .bind(name)
                .bind(token_hash)
                .bind(scope.code())
                .bind(created_at),
            )
            .await?;
        tx.commit().await?;
        Ok(AccessToken {
            id,
            name: name.to_owned(),
            scope,
            created_at,
            last_used_at: None,
        })
    }

    /// An account's tokens, newest first.
    pub async fn access_tokens(&self, user: UserId) -> Result<Vec<AccessToken>> {
        let mut tx = self.pool.begin_read().await?;
        let rows: Vec<TokenRow> = tx
            .db()
            .fetch_all(
                &Sql::new(
                    "SELECT id, name, scope, created_at, last_used_at FROM access_tokens \
                     WHERE user_id = $1 ORDER BY id DESC",
                )
                .bind(user.0),
            )
            .await?;
        rows.into_iter().map(TokenRow::into_token).collect()
    }

    /// Revokes one of `user`'s tokens; `false` when they hold no token with that id.
    pub async fn revoke_access_token(&self, user: UserId, id: i64) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        let done = tx
            .db()
            .execute(
                &Sql::new("DELETE FROM access_tokens WHERE id = $1 AND user_id = $2")
                    .bind(id)
                    .bind(user.0),
            )
            .await?;
        tx.commit().await?;
        Ok(done > 0)
    }

    /// The account a token (by its hash) stands for, and its scope; `None` for a token that
    /// is unknown or revoked. Notes the use, at most every few minutes.
    pub async fn access_token(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
        let (record, last_used_at, id) = {
            let mut tx = self.pool.begin_read().await?;
            let mut db = tx.db();
            let row: Option<(i64, String, Option<DateTime<Utc>>, i64)> = db
                .fetch_optional(
                    &Sql::new(
                        "SELECT user_id, scope, last_used_at, id FROM access_tokens \
                         WHERE token_hash = $1",
                    )
                    .bind(token_hash),
                )
                .await?;
            let Some((user_id, scope, last_used_at, id)) = row else {
                return Ok(None);
            };
            let scope = TokenScope::parse(&scope)
                .ok_or_else(|| StoreError::Corrupt(format!("token scope {scope:?}")))?;
            let sql =
                Sql::new(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(user_id);
            let Some(user) = db.fetch_optional::<UserRow>(&sql).await? else {
                return Ok(None);
            };
            let user = user.into_user()?;
            let account = account(&mut db, &user).await?;
            let record = TokenRecord {
                account,
                scope,
                suspended: user.suspended,
            };
            (record, last_used_at, id)
        };
        let at = now();
        if last_used_at.is_none_or(|last| at - last >= LAST_USED_PRECISION) {
            let mut tx = self.pool.begin_write().await?;
            tx.db()
                .execute(
                    &Sql::new("UPDATE access_tokens SET last_used_at = $1 WHERE id = $2")
                        .bind(at)
                        .bind(id),
                )
                .await?;
            tx.commit().await?;
        }
        Ok(Some(record))
    }
}
