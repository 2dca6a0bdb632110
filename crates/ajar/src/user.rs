//! `ajar user`: the operator's account tools. Make accounts (the first admin, say),
//! invitation codes and one-time password reset links; set roles and how new accounts are
//! made; list accounts. Everything here works on the database directly, so it needs no
//! running server and no one logged in.

use crate::cli::Global;
use ajar_core::{Role, SignupMode};
use ajar_store::{Store, StoreError, TokenScope, MAX_TOKEN_NAME_CHARS};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::io::BufRead;
use std::process::ExitCode;

/// How long a reset link printed by `ajar user reset-link` works.
const RESET_LINK_HOURS: i64 = 24;
/// The most invitation codes one command makes.
const MAX_INVITATIONS: u32 = 1000;

#[derive(Debug, Clone, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Make an account. Prints a generated password unless --password-stdin is given.
    Create {
        /// The account's name (3 to 40 letters, digits, _ and -); also its first pseud.
        name: String,
        /// The account's email address.
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// The account's role: user, wrangler or admin.
        #[arg(long, default_value = "user", value_parser = parse_role)]
        role: Role,
    },
    /// Make invitation codes for sign-up in invitation mode; prints one per line.
    Invite {
        /// How many codes to make.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_INVITATIONS)))]
        count: u32,
    },
    /// Print a one-time link that lets an account choose a new password (valid 24 hours).
    ResetLink {
        /// The account's name.
        name: String,
        /// The archive's public address, which the link starts with.
        #[arg(long, env = "AJAR_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// Set an account's role: admin, wrangler or user.
    Role {
        /// The account's name.
        name: String,
        /// admin, wrangler or user.
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Set how new accounts are made: open, invite (invitation codes only) or closed.
    SignupMode {
        /// open, invite or closed.
        #[arg(value_parser = parse_signup_mode)]
        mode: SignupMode,
    },
    /// List every account: name, email, role, and whether it is suspended.
    List,
    /// Make a personal access token for an account's scripts or reader apps (as its owner can
    /// on the account page); prints it once. Revoked on the account page.
    Token {
        /// The account's name.
        name: String,
        /// What the token is for, as the account page lists it.
        #[arg(long, default_value = "made with ajar user token")]
        label: String,
        /// read, or write (read and write).
        #[arg(long, default_value = "read", value_parser = parse_scope)]
        scope: TokenScope,
    },
}

fn parse_scope(input: &str) -> Result<TokenScope, String> {
    TokenScope::parse(input)
        .ok_or_else(|| format!("\"{input}\" is not a token scope; use read or write"))
}

fn parse_role(input: &str) -> Result<Role, String> {
    Role::from_code(input)
        .ok_or_else(|| format!("\"{input}\" is not a role; use admin, wrangler or user"))
}

fn parse_signup_mode(input: &str) -> Result<SignupMode, String> {
    SignupMode::from_code(input)
        .ok_or_else(|| format!("\"{input}\" is not a sign-up mode; use open, invite or closed"))
}

pub async fn run(global: &Global, args: UserArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        UserCommand::Create {
            name,
            email,
            password_stdin,
            role,
        } => {
            let (password, generated) = if password_stdin {
                (read_password()?, false)
            } else {
                (new_password(), true)
            };
            let store = crate::open_store(global).await?;
            let new = ajar_web::NewAccount {
                name: &name,
                email: &email,
                password: &password,
                role,
                invitation: None,
            };
            match ajar_web::create_account(&store, &new).await {
                Ok(_) => {}
                Err(ajar_web::Error::Invalid(problems)) => {
                    anyhow::bail!("cannot make the account {name:?}: {}", problems.join(" "))
                }
                Err(e) => return Err(e).context("cannot make the account"),
            }
            println!("Made the account {name} ({}).", role.label());
            if generated {
                println!("Password: {password}");
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Invite { count } => {
            let store = crate::open_store(global).await?;
            let codes: Vec<String> = (0..count).map(|_| invitation_code()).collect();
            let batch: Vec<&str> = codes.iter().map(String::as_str).collect();
            // All the codes or none: a failed run prints nothing that does not work.
            store
                .create_invitations(&batch, None)
                .await
                .context("cannot store the invitation codes")?;
            for code in codes {
                println!("{code}");
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::ResetLink { name, base_url } => {
            let store = crate::open_store(global).await?;
            let user = find_user(&store, &name).await?;
            let token = ajar_web::random_token();
            let expires = chrono::Utc::now() + chrono::Duration::hours(RESET_LINK_HOURS);
            store
                .create_password_reset(&ajar_web::token_hash(&token), user.id, expires)
                .await
                .context("cannot store the reset link")?;
            println!("{}/reset/{token}", base_url.trim_end_matches('/'));
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Role { name, role } => {
            let store = crate::open_store(global).await?;
            let user = find_user(&store, &name).await?;
            if !store.set_role(user.id, role).await? {
                anyhow::bail!("there is no account named {name:?}");
            }
            println!("{} is now: {}.", user.name, role.label());
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::SignupMode { mode } => {
            let store = crate::open_store(global).await?;
            store
                .set_signup_mode(mode)
                .await
                .context("cannot save the sign-up mode")?;
            println!("Sign-up: {}.", mode.label());
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Token { name, label, scope } => {
            let label = label.trim();
            if label.is_empty() || label.chars().count() > MAX_TOKEN_NAME_CHARS {
                anyhow::bail!("give the token a label of 1 to {MAX_TOKEN_NAME_CHARS} characters");
            }
            let store = crate::open_store(global).await?;
            let user = find_user(&store, &name).await?;
            let token = ajar_web::new_access_token();
            match store
                .create_access_token(user.id, label, scope, &ajar_web::token_hash(&token))
                .await
            {
                Ok(_) => {}
                Err(StoreError::Conflict(message)) => anyhow::bail!("{message}"),
                Err(e) => return Err(e).context("cannot store the token"),
            }
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List => {
            let store = crate::open_store(global).await?;
            let mut offset = 0u64;
            let mut any = false;
            loop {
                let page = store.users(500, offset).await?;
                if page.is_empty() {
                    break;
                }
                offset += page.len() as u64;
                for u in page {
                    any = true;
                    let suspended = if u.suspended { "\tsuspended" } else { "" };
                    println!("{}\t{}\t{}{suspended}", u.name, u.email, u.role.code());
                }
            }
            if !any {
                eprintln!("There are no accounts yet. Make one with: ajar user create NAME --email EMAIL --role admin");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn find_user(store: &Store, name: &str) -> anyhow::Result<ajar_store::User> {
    store
        .user_by_name(name)
        .await
        .context("cannot read the accounts")?
        .with_context(|| format!("there is no account named {name:?} (see: ajar user list)"))
}

/// The first line of standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        anyhow::bail!("standard input held no password (give it on the first line)");
    }
    Ok(password)
}

/// A random password of 20 URL-safe characters (120 bits).
fn new_password() -> String {
    ajar_web::random_token().chars().take(20).collect()
}

/// A random invitation code of 16 URL-safe characters (96 bits).
fn invitation_code() -> String {
    ajar_web::random_token().chars().take(16).collect()
}
