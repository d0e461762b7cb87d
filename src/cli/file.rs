//! Files the commands write outside the pipeline (`dashboard`'s page,
//! `export`'s tables and workbook): whole or not at all.

use std::io::Write as _;
use std::path::Path;

use funnel::error::Error;

/// Writes `bytes` to `path` whole: into a temporary file beside it, then
/// renamed over it, so a reader (a browser, a spreadsheet, a mail
/// attachment) never sees half a file, and a failure leaves the old file
/// as it was. The file gets the permissions of the one it replaces, else
/// rw-r--r--, as a file to share. `name` is the file name the hint offers
/// when `path` is a folder.
pub fn write_whole(path: &Path, bytes: &[u8], name: &str) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Error::hinted(
            format!(
                "cannot write {}: there is no folder {}",
                path.display(),
                dir.display()
            ),
            "create the folder first, or give -o a file in an existing folder",
        ));
    }
    if path.is_dir() {
        return Err(Error::hinted(
            format!("cannot write {}: it is a folder", path.display()),
            format!("give a file name, such as -o {}", path.join(name).display()),
        ));
    }
    let io = |e| Error::io(path, e);
    let mut file = tempfile::Builder::new()
        .prefix(".funnel-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode());
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io)?;
    }
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
