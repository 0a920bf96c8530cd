//! The first admin (Jenkins' initialAdminPassword pattern): on a first start with no users and no
//! bootstrap tokens, create `admin` and leave its password in an owner-only file beside the store.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{Role, password, secret};
use crate::store::Store;
use crate::store::users::NewUser;

pub const PASSWORD_FILE_NAME: &str = "fleetdeck-initial-admin-password";
const SETTING: &str = "initial_admin_password";

/// Kept in the settings table so the file can be removed when that admin changes the password.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitialAdmin {
    user_id: String,
    file: PathBuf,
}

/// Creates the first admin when the server has no way in (no bootstrap tokens, no users), with
/// `admin_password` or a generated one; returns the password file it wrote.
pub async fn ensure_initial_admin(
    store: &Store,
    has_tokens: bool,
    admin_password: Option<&str>,
) -> anyhow::Result<Option<PathBuf>> {
    if has_tokens || store.count_users().await? > 0 {
        return Ok(None);
    }
    let (password, generated) = match admin_password {
        Some(p) => (p.to_string(), false),
        None => (secret::generate(""), true),
    };
    let hash = password::hash_blocking(password.clone()).await;
    let Some(user) = store
        .insert_user(&NewUser {
            username: "admin",
            display_name: "Administrator",
            role: Role::Admin,
            password_hash: &hash,
            email: None,
        })
        .await?
    else {
        return Ok(None); // another replica created it first
    };
    if !generated {
        tracing::info!("created the first admin user 'admin' with the password from FLEETDECK_ADMIN_PASSWORD_FILE");
        return Ok(None);
    }
    let file = store.data_dir().join(PASSWORD_FILE_NAME);
    write_owner_only(&file, &password).with_context(|| format!("cannot write {}", file.display()))?;
    let record = serde_json::to_string(&InitialAdmin {
        user_id: user.id,
        file: file.clone(),
    })?;
    store.put_setting(SETTING, &record).await?;
    tracing::info!(path = %file.display(), "created the first admin user 'admin'; its password is in this file, readable only by this user; it is removed when the password is changed");
    Ok(Some(file))
}

/// Called after a user's password changed: removes the initial password file if it was theirs.
pub async fn password_changed(store: &Store, user_id: &str) -> anyhow::Result<()> {
    let Some(raw) = store.setting(SETTING).await? else {
        return Ok(());
    };
    let record: InitialAdmin = serde_json::from_str(&raw)?;
    if record.user_id != user_id {
        return Ok(());
    }
    match std::fs::remove_file(&record.file) {
        Ok(()) => tracing::info!(path = %record.file.display(), "removed the initial admin password file"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(path = %record.file.display(), error = %e, "could not remove the initial admin password file")
        }
    }
    store.delete_setting(SETTING).await?;
    Ok(())
}

fn write_owner_only(path: &Path, content: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path)?;
    #[cfg(unix)]
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    writeln!(f, "{content}")
}
