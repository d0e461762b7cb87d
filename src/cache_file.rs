//! Cache files under the git dir (`.git/funnel/`): written whole, so a
//! reader never sees half a file.

use std::io::Write as _;
use std::path::Path;

/// Writes `bytes` to a temporary file beside `path` and renames it over
/// `path`, so a reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
