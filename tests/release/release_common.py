"""Shared by the tests/release checks: building the release tarball with cpack from a build tree,
and the rules its entries' modes follow.

Why a module: check_tarball.py (the tarball itself) and test_start_task.py (the Batch start task
installing it) must build and judge the very same tarball the same way.
"""
import os
import stat
import subprocess
import tarfile


def build_tarball(build, name, dest):
    """Runs cpack for build into dest; returns the tarball's path (raises with cpack's output).
    Under umask 077, the most restrictive a builder may have: the tarball's modes must not
    depend on it (member_mode_problems)."""
    r = subprocess.run(["cpack", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", dest],
                       capture_output=True, text=True, umask=0o077)
    path = os.path.join(dest, name + ".tar.gz")
    if r.returncode != 0 or not os.path.isfile(path):
        raise RuntimeError("cpack failed (%d) or wrote no %s:\n%s%s"
                           % (r.returncode, path, r.stdout, r.stderr))
    return path


def member_mode_problems(path):
    """Modes of the tarball's entries: folders 0755, bin/* 0755, other files 0644 (so whoever
    unpacks it, with any umask, gets a tree the Batch tasks' non-admin user can read and run,
    and nobody else can change).  Returns a list of problems."""
    problems = []
    with tarfile.open(path) as t:
        for m in t.getmembers():
            rel = m.name.lstrip("./").split("/", 1)[1] if "/" in m.name.lstrip("./") else ""
            mode = m.mode & 0o7777
            if m.isdir():
                want = 0o755
            elif m.isfile():
                want = 0o755 if rel.startswith("bin/") else 0o644
            else:
                problems.append("%s: a %s; only folders and regular files belong in the tarball"
                                % (m.name, "link" if m.issym() or m.islnk() else "special file"))
                continue
            if mode != want:
                problems.append("%s: mode %04o, want %04o" % (m.name, mode, want))
    return problems


def tree_mode_problems(root, uid, gid):
    """An installed tree as the start task must leave it: every entry owned by uid:gid, folders
    o+rx, files o+r, bin/* o+x, nothing group- or world-writable."""
    problems = []
    for dp, dirs, files in os.walk(root):
        for name in [""] + dirs + files:
            p = os.path.join(dp, name) if name else dp
            if not name and dp != root:
                continue  # each folder is checked once, as an entry of its parent
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            mode = stat.S_IMODE(st.st_mode)
            if (st.st_uid, st.st_gid) != (uid, gid):
                problems.append("%s: owned by %d:%d, want %d:%d (tar --no-same-owner)"
                                % (rel, st.st_uid, st.st_gid, uid, gid))
            if stat.S_ISLNK(st.st_mode):
                problems.append("%s: a symbolic link" % rel)
                continue
            if mode & 0o022:
                problems.append("%s: mode %04o is group/world-writable" % (rel, mode))
            if stat.S_ISDIR(st.st_mode):
                need = 0o005
            else:
                need = 0o005 if rel.startswith("bin" + os.sep) else 0o004
            if mode & need != need:
                problems.append("%s: mode %04o lacks o+%s" % (rel, mode,
                                                             "rx" if need == 0o005 else "r"))
    return problems
