#!/usr/bin/env python3
"""release.start_task: the Batch pool's start task, run here under a fake Batch node.

Why: the start task is the only code that installs fhir2cdm on a pool node, and it runs only in
Azure.  A mistake in it (a folder the non-admin task user cannot enter, a file owned by the
tarball's uid, a failed upgrade that leaves no install) surfaces as failing Data Factory runs
long after deployment.  So the test takes the start task from the template the generator writes
(startTask.commandLine and environmentSettings, ARM expressions resolved with
tests/pipeline/armcheck.py's evaluator), and runs that command line exactly (argv split like
Batch, no extra shell) the way Batch does: as an admin, with cwd = the start task's working
folder holding the resource file (the real cpack tarball), the AZ_BATCH_* environment of a fake
node, a restrictive umask, and a stub `apt-get` first on PATH that records its arguments.

Checked (release_common.py has the mode rules):
  run        exit 0; apt-get called `update`, then `install -y --no-install-recommends` with
             exactly the runtimePackages words, non-interactively; `fhir2cdm-transform --version`
             printed the version
  tree       <shared>/fhir2cdm: every entry owned by the running user, not the tarball's uid
             (the tarball is repacked with uid 4242 to make this real), folders o+rx, files o+r,
             bin/* o+x, nothing group- or world-writable, even from a tarball with modes 0700/
             0777 inside and under umask 077
  non-admin  as `nobody` (setpriv), the installed fhir2cdm-transform prints --version and
             transforms samples/ndjson with samples/config into a folder nobody owns; skipped
             loudly when the test does not run as root, or in a sanitizer build whose runtime
             cannot even start `--version` as nobody
  reboot     a second run succeeds and replaces the install (a file planted in it is gone)
  corrupt    a truncated tarball makes it exit non-zero and leaves the previous install intact

usage: test_start_task.py BUILD_DIR PACKAGE_FILE_NAME SANITIZED FHIR2CDM TRANSFORM SOURCE_DIR
"""
import io
import json
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile

from release_common import build_tarball, tree_mode_problems

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "pipeline"))
import armcheck  # noqa: E402  (read-only reuse of the ARM expression evaluator)

POOL = "Microsoft.Batch/batchAccounts/pools"
ARM_FUNCTIONS = {"concat", "variables", "parameters"}
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402  (Failures)

CHECKS = f2ctest.Failures()
failures, fail = CHECKS.items, CHECKS.fail


def ok(msg):
    print("ok   " + msg)


# ---- the start task, from the generated template --------------------------------------------

def resolve(tpl, value, where):
    """An ARM string evaluated; only concat/variables/parameters may occur (anything else would
    need Azure to evaluate, and this test would silently run something else)."""
    if not armcheck.is_arm_expr(value):
        return value
    for call in armcheck.walk_calls(armcheck.parse(value)):
        if call[1] not in ARM_FUNCTIONS:
            raise ValueError("%s uses %s(), which this harness cannot evaluate" % (where, call[1]))
        if call[1] == "variables":
            resolve(tpl, tpl["variables"][call[2][0][1]], "variables('%s')" % call[2][0][1])
    text = armcheck.Evaluator(tpl).value(value)
    if "{param:" in text or "{var:" in text:
        raise ValueError("%s did not resolve: %r" % (where, text))
    return text


def start_task(gen, tmp):
    """(startTask, template) of the pool in a template generated now with the built generator."""
    out = os.path.join(tmp, "arm")
    env = {k: v for k, v in os.environ.items() if k != "FHIR2CDM_TEMPLATES"}
    source = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = subprocess.run([gen, "generate-pipeline", "--config",
                        os.path.join(source, "samples", "config"), "--fhir-url",
                        "https://fhir.example.org", "--package-url",
                        "https://example.org/fhir2cdm.tar.gz", "-o", out],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError("generate-pipeline failed: %s" % r.stderr)
    with open(os.path.join(out, "azuredeploy.json")) as f:
        tpl = json.load(f)
    pools = [res for res in tpl["resources"] if res.get("type") == POOL]
    if len(pools) != 1:
        raise RuntimeError("want one %s resource, found %d" % (POOL, len(pools)))
    return pools[0]["properties"]["startTask"], tpl


def describe(task, tpl):
    """argv, the environmentSettings, the tarball's file name and the expected packages."""
    argv = shlex.split(resolve(tpl, task["commandLine"], "startTask.commandLine"))
    env = {e["name"]: resolve(tpl, e["value"], "environmentSettings " + e["name"])
           for e in task.get("environmentSettings", [])}
    files = [resolve(tpl, f["filePath"], "resourceFiles.filePath")
             for f in task.get("resourceFiles", [])]
    if len(files) != 1 or "/" in files[0]:
        raise RuntimeError("want one resource file in the working folder, got %s" % files)
    packages = resolve(tpl, tpl["variables"]["runtimePackages"], "runtimePackages").split()
    user = task.get("userIdentity", {}).get("autoUser", {})
    if user.get("elevationLevel") != "Admin" or user.get("scope") != "Pool":
        fail("startTask.userIdentity.autoUser is %s, want Admin at Pool scope (apt-get)" % user)
    if not task.get("waitForSuccess"):
        fail("startTask.waitForSuccess is not true: tasks could run before the install")
    return argv, env, files[0], packages


# ---- a fake Batch node ----------------------------------------------------------------------

class Node:
    """The folders and environment Batch gives a start task, under one temporary folder that
    others may enter (the non-admin user must reach the shared folder, as on a real node)."""

    def __init__(self, tmp, task_env):
        self.root = os.path.join(tmp, "node")
        self.shared = os.path.join(self.root, "shared")
        self.startup = os.path.join(self.root, "startup")
        self.wd = os.path.join(self.startup, "wd")
        self.stub = os.path.join(tmp, "stub-bin")
        self.log = os.path.join(tmp, "apt-get.log")
        for d in (self.shared, self.wd, self.stub):
            os.makedirs(d, exist_ok=True)
        for d in (tmp, self.root, self.shared):
            os.chmod(d, 0o755)
        with open(os.path.join(self.stub, "apt-get"), "w") as f:
            f.write("#!%s\nimport json, os, sys\nwith open(%r, 'a') as f:\n"
                    "    f.write(json.dumps({'args': sys.argv[1:], 'frontend': "
                    "os.environ.get('DEBIAN_FRONTEND')}) + '\\n')\n" % (sys.executable, self.log))
        os.chmod(os.path.join(self.stub, "apt-get"), 0o755)
        self.env = {"PATH": self.stub + ":/usr/local/bin:/usr/bin:/bin",
                    "AZ_BATCH_NODE_ROOT_DIR": self.root,
                    "AZ_BATCH_NODE_SHARED_DIR": self.shared,
                    "AZ_BATCH_NODE_STARTUP_DIR": self.startup,
                    "AZ_BATCH_TASK_WORKING_DIR": self.wd}
        # The sanitizer runtimes' settings, as ctest gives them to every test.
        self.env.update({k: v for k, v in os.environ.items() if k.endswith("SAN_OPTIONS")})
        self.env.update(task_env)

    def run(self, argv, tarball, name):
        """Places tarball as the resource file and runs the start task; (process, apt calls)."""
        shutil.copyfile(tarball, os.path.join(self.wd, name))
        if os.path.exists(self.log):
            os.remove(self.log)
        r = subprocess.run(argv, cwd=self.wd, env=self.env, capture_output=True, text=True,
                           umask=0o077, timeout=300)
        calls = []
        if os.path.exists(self.log):
            with open(self.log) as f:
                calls = [json.loads(line) for line in f]
        return r, calls


# ---- checks ---------------------------------------------------------------------------------

def foreign_tarball(path, dest):
    """The tarball repacked as another builder might have made it: uid/gid 4242, folders 0700,
    files 0777 or 0600, so only the start task's own options can make the install right."""
    with tarfile.open(path) as src, tarfile.open(dest, "w:gz") as out:
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else None
            m.uid = m.gid = 4242
            m.uname = m.gname = "builder"
            m.mode = 0o700 if m.isdir() else (0o777 if "/bin/" in m.name else 0o600)
            out.addfile(m, io.BytesIO(data) if data is not None else None)
    return dest


def without_o(args):
    """apt-get arguments without `-o KEY=VALUE` pairs (e.g. a DPkg::Lock::Timeout), which tune
    apt but do not change what is installed."""
    out, i = [], 0
    while i < len(args):
        if args[i] == "-o":
            i += 2
            continue
        if not args[i].startswith("-o"):  # -oKEY=VALUE is skipped too
            out.append(args[i])
        i += 1
    return out


def check_run(what, r, calls, packages, version):
    if r.returncode != 0:
        fail("%s: start task exited %d\nstdout: %s\nstderr: %s"
             % (what, r.returncode, r.stdout, r.stderr))
        return
    want = [["update"], ["install", "-y", "--no-install-recommends"] + packages]
    if [without_o(c["args"]) for c in calls] != want:
        fail("%s: apt-get calls %s, want %s (plus any -o KEY=VALUE)"
             % (what, [c["args"] for c in calls], want))
    elif any(c["frontend"] != "noninteractive" for c in calls):
        fail("%s: apt-get ran without DEBIAN_FRONTEND=noninteractive" % what)
    if version not in r.stdout.splitlines():
        fail("%s: start task output lacks %r:\n%s" % (what, version, r.stdout))
    else:
        ok("%s: exit 0; apt-get update + install of %d runtimePackages; printed %r"
           % (what, len(packages), version))


def check_tree(what, install):
    problems = tree_mode_problems(install, os.getuid(), os.getgid())
    for p in problems:
        fail("%s: %s" % (what, p))
    if not problems:
        ok("%s: %s owned by %d:%d, folders o+rx, files o+r, bin/* o+x, nothing group/world-"
           "writable" % (what, install, os.getuid(), os.getgid()))
    if os.path.exists(install + ".new"):
        fail("%s: %s.new left behind" % (what, install))


def as_nobody(argv, **kw):
    return subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                           "--"] + argv, capture_output=True, text=True, timeout=300, **kw)


def check_non_admin(node, install, source, version, tmp, sanitized):
    if os.getuid() != 0:
        print("SKIP *** non-admin run skipped: the test is not running as root, so it cannot "
              "switch to nobody (modes were still checked) ***")
        return
    exe = os.path.join(install, "bin", "fhir2cdm-transform")
    env = {k: v for k, v in node.env.items() if k != "PATH"}
    env["PATH"] = "/usr/bin:/bin"
    v = as_nobody([exe, "--version"], env=env, cwd="/")
    if v.returncode != 0 and sanitized and "Sanitizer" in v.stderr:
        # --version does next to nothing: a sanitizer failure here is the runtime refusing this
        # environment (not a finding), and the transform below could not run either.
        print("SKIP *** non-admin run skipped: the sanitizer runtime cannot run as nobody "
              "here: %s ***" % v.stderr.strip().splitlines()[0])
        return
    if v.returncode != 0 or v.stdout.strip() != version:
        fail("as nobody: %s --version exited %d: %r %r" % (exe, v.returncode, v.stdout, v.stderr))
        return
    ok("as nobody: installed fhir2cdm-transform --version prints %r" % version)
    # Inputs copied where nobody can read them; the output folder belongs to nobody, as a
    # task's working folder belongs to the task user.
    inputs = os.path.join(tmp, "inputs")
    shutil.copytree(os.path.join(source, "samples", "config"), os.path.join(inputs, "config"))
    shutil.copytree(os.path.join(source, "samples", "ndjson"), os.path.join(inputs, "ndjson"))
    subprocess.run(["chmod", "-R", "a+rX", inputs], check=True)
    work = os.path.join(tmp, "nobody-work")
    os.makedirs(work)
    nobody = pwd.getpwnam("nobody")
    os.chown(work, nobody.pw_uid, nobody.pw_gid)
    os.chmod(work, 0o700)
    out = os.path.join(work, "cdm")
    t = as_nobody([exe, "--config", os.path.join(inputs, "config"), "--input",
                   os.path.join(inputs, "ndjson"), "--output", out, "--quiet"], env=env, cwd=work)
    if t.returncode != 0 or not os.path.isfile(os.path.join(out, "model.json")):
        fail("as nobody: transform exited %d: %s" % (t.returncode, t.stderr))
        return
    csvs = [f for dp, _, fs in os.walk(os.path.join(out, "data")) for f in fs if f.endswith(".csv")]
    ok("as nobody: transform of samples/ndjson wrote model.json and %d CSV partitions" % len(csvs))


def snapshot(root):
    """(path, mode, size, bytes) of every entry: what 'left intact' compares."""
    snap = []
    for dp, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            p = os.path.join(dp, name)
            st = os.lstat(p)
            data = open(p, "rb").read() if os.path.isfile(p) else b""
            snap.append((os.path.relpath(p, root), st.st_mode, st.st_size, data))
    return sorted(snap)


def check_reboot_and_corrupt(node, argv, tarball, name, install, packages, version, tmp):
    planted = os.path.join(install, "planted-by-test")
    open(planted, "w").close()
    r, calls = node.run(argv, tarball, name)
    check_run("second run (node reboot)", r, calls, packages, version)
    if os.path.exists(planted):
        fail("second run: the install was not replaced (%s survived)" % planted)
    else:
        ok("second run: the previous install was replaced")
    check_tree("second run", install)
    before = snapshot(install)
    corrupt = os.path.join(tmp, "corrupt.tar.gz")
    data = open(tarball, "rb").read()
    with open(corrupt, "wb") as f:
        f.write(data[:len(data) // 2])
    r, _ = node.run(argv, corrupt, name)
    if r.returncode == 0:
        fail("corrupt tarball: the start task exited 0")
    elif snapshot(install) != before:
        fail("corrupt tarball: exit %d but the previous install changed" % r.returncode)
    else:
        ok("corrupt tarball: exit %d, the previous install left intact" % r.returncode)
    exe = os.path.join(install, "bin", "fhir2cdm-transform")
    v = subprocess.run([exe, "--version"], capture_output=True, text=True,
                       env=node.env) if os.path.isfile(exe) else None
    if not v or v.stdout.strip() != version:
        fail("after the corrupt tarball: %s --version gives %r"
             % (exe, v.stdout if v else "(no such file)"))


def main():
    build, name, sanitized = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    gen, transform, source = sys.argv[4], sys.argv[5], os.path.abspath(sys.argv[6])
    version = subprocess.run([transform, "--version"], capture_output=True, text=True,
                             check=True).stdout.strip()
    tmp = tempfile.mkdtemp(prefix="f2c-start-task-")
    try:
        task, tpl = start_task(gen, tmp)
        argv, task_env, file_name, packages = describe(task, tpl)
        print("start task argv: %s\n  environmentSettings: %s" % (argv, task_env))
        real = build_tarball(build, name, os.path.join(tmp, "cpack"))
        node = Node(tmp, task_env)
        install = os.path.join(node.shared, "fhir2cdm")
        r, calls = node.run(argv, real, file_name)
        check_run("first run (release tarball)", r, calls, packages, version)
        check_tree("first run", install)
        if not failures:
            check_non_admin(node, install, source, version, tmp, sanitized)
        r, calls = node.run(argv, foreign_tarball(real, os.path.join(tmp, "foreign.tar.gz")),
                            file_name)
        check_run("foreign tarball (uid 4242, modes 0700/0777/0600)", r, calls, packages, version)
        check_tree("foreign tarball", install)
        check_reboot_and_corrupt(node, argv, real, file_name, install, packages, version, tmp)
    except (RuntimeError, ValueError, KeyError) as e:
        fail(str(e))
    finally:
        if not failures:
            shutil.rmtree(tmp)
    if failures:
        print("%d failure(s); files kept in %s" % (len(failures), tmp))
        return 1
    print("ok   the pool's start task installs fhir2cdm for non-admin tasks, idempotently and "
          "safely")
    return 0


if __name__ == "__main__":
    sys.exit(main())
