//! The store's heads as a C2SP checkpoint, and the proof that the store
//! extends a checkpoint taken earlier (docs/audit-format.md, "Checkpoints").

use socred_log::merkle::{consistency_proof, verify_consistency};
use socred_log::{Checkpoint, Hash, SigningKey, from_hex};

use super::LogHeads;
use crate::error::{Result, StoreError};

pub const ACCESSES_LINE: &str = "socred-accesses";
pub const CHECKS_LINE: &str = "socred-checks";
pub const TIME_LINE: &str = "socred-time";

/// The checkpoint of `heads`, signed at `time` (RFC 3339).
pub fn sign(key: &SigningKey, origin: &str, heads: &LogHeads, time: &str) -> String {
    let checkpoint = Checkpoint {
        origin: origin.to_string(),
        size: heads.size,
        root: heads.root,
        extensions: vec![
            format!("{ACCESSES_LINE} {} {}", heads.accesses, heads.accesses_head),
            format!("{CHECKS_LINE} {} {} {}", heads.check_groups, heads.checks, heads.checks_head),
            format!("{TIME_LINE} {time}"),
        ],
    };
    key.sign(&checkpoint)
}

/// The heads a checkpoint states.
pub fn heads_of(checkpoint: &Checkpoint) -> Result<LogHeads> {
    let malformed = |what: &str| StoreError::invalid("checkpoint", format!("the {what} line is missing or malformed"));
    let accesses: Vec<&str> = checkpoint.extension(ACCESSES_LINE).ok_or_else(|| malformed(ACCESSES_LINE))?.split(' ').collect();
    let checks: Vec<&str> = checkpoint.extension(CHECKS_LINE).ok_or_else(|| malformed(CHECKS_LINE))?.split(' ').collect();
    let ([count, head], [groups, total, checks_head]) = (&accesses[..], &checks[..]) else {
        return Err(malformed("socred-accesses or socred-checks"));
    };
    let hash = |text: &str, what: &str| from_hex(text).map(|_| text.to_string()).ok_or_else(|| malformed(what));
    let number = |text: &str, what: &str| text.parse::<u64>().map_err(|_| malformed(what));
    Ok(LogHeads {
        size: checkpoint.size,
        root: checkpoint.root,
        accesses: number(count, ACCESSES_LINE)?,
        accesses_head: hash(head, ACCESSES_LINE)?,
        check_groups: number(groups, CHECKS_LINE)?,
        checks: number(total, CHECKS_LINE)?,
        checks_head: hash(checks_head, CHECKS_LINE)?,
    })
}

/// The rule of [`prove_extends`] for any backend: `access_at(seq)` is the
/// hash of the access row `seq`, `group_at(grp)` the last check number and
/// hash of the check group `grp`, as the store holds them.
pub(crate) fn extends(
    leaves: &[Hash],
    now: &LogHeads,
    old: &LogHeads,
    access_at: impl FnOnce(i64) -> Result<Option<String>>,
    group_at: impl FnOnce(i64) -> Result<Option<(i64, String)>>,
) -> Result<()> {
    let broken = |what: String| StoreError::AuditBroken(what);
    if old.size > now.size {
        return Err(broken(format!(
            "the log holds {} entries but the checkpoint holds {}: the newest entries were removed",
            now.size, old.size
        )));
    }
    let proof = consistency_proof(leaves, old.size).expect("old size checked");
    if !verify_consistency(old.size, &old.root, now.size, &now.root, &proof) {
        return Err(broken(format!(
            "the log does not extend the checkpoint of size {}: entries up to {} were changed, removed or reordered",
            old.size, old.size
        )));
    }
    if old.accesses > now.accesses {
        return Err(broken(format!(
            "the access log holds {} rows but the checkpoint holds {}: the newest rows were removed",
            now.accesses, old.accesses
        )));
    }
    if old.accesses > 0 && access_at(old.accesses as i64)?.as_deref() != Some(old.accesses_head.as_str()) {
        return Err(broken(format!("the access log does not extend the checkpoint: row {} was changed", old.accesses)));
    }
    if old.check_groups > now.check_groups || old.checks > now.checks {
        return Err(broken(format!(
            "the check log holds {} groups but the checkpoint holds {}: the newest groups were removed",
            now.check_groups, old.check_groups
        )));
    }
    if old.check_groups > 0 && group_at(old.check_groups as i64)? != Some((old.checks as i64, old.checks_head.clone())) {
        return Err(broken(format!("the check log does not extend the checkpoint: group {} was changed", old.check_groups)));
    }
    Ok(())
}
