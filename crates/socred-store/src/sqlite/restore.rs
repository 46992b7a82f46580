//! `import-store DIR` into a new embedded store, entry by entry.

use crate::error::{Result, StoreError};
use crate::{Store, configure, migrate, not_a_store};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

use crate::restore::*;

impl Store {
    /// Rebuilds a store at `path` (which must not exist) from the export in
    /// `dir`; with `signed`, the heads of a checkpoint the rebuilt store must
    /// have too. A store that fails any check is removed.
    pub fn import_export(path: &Path, dir: &Path, signed: Option<&crate::audit::LogHeads>) -> Result<Store> {
        let manifest = read_manifest(dir)?;
        if path.exists() {
            return Err(StoreError::AlreadyInitialised(path.to_path_buf()));
        }
        let mut connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(not_a_store(path))?;
        configure(&connection)?;
        migrate(&mut connection)?;
        connection.execute_batch("BEGIN IMMEDIATE")?;
        let result = rebuild(&connection, dir, &manifest);
        let committed = match result {
            Ok(()) => connection.execute_batch("COMMIT").map_err(StoreError::from),
            Err(error) => {
                let _ = connection.execute_batch("ROLLBACK");
                Err(error)
            }
        };
        drop(connection);
        // A store that fails any check is not left behind to be opened by mistake.
        let checked = committed.and_then(|()| {
            let store = Store::open(path)?;
            check_heads(&store.audit_verify()?, &manifest)?;
            if let Some(signed) = signed
                && *signed != store.log_heads()?
            {
                return Err(StoreError::AuditBroken(format!(
                    "the rebuilt store's heads are not those of the export's signed checkpoint (size {})",
                    signed.size
                )));
            }
            Ok(store)
        });
        if checked.is_err() {
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.as_os_str().to_owned();
                file.push(suffix);
                let _ = std::fs::remove_file(std::path::PathBuf::from(file));
            }
        }
        checked
    }
}
