"""Structural checks of a generated ARM template and its Data Factory pipeline (stdlib only).

check(template, params_file, expected_types, opts) returns a list of problems (empty: fine).
Kept independent of the C code: the expected resource types are computed by the caller from the
configuration files themselves, and ARM expressions are parsed here with a small evaluator, so a
generator bug cannot hide behind the same bug in the checker.
"""
import json
import re
import urllib.parse

from adfexpr import adf

# The interface the transformer's Batch mode must implement (docs/azure.md, "Batch task
# contract"): command line and extendedProperties keys of each Custom activity.
COMMAND = ('/bin/bash -c "$AZ_BATCH_NODE_SHARED_DIR/fhir2cdm/bin/fhir2cdm-transform '
           '{sub} --adf-activity activity.json"')
# transform-data runs on every core of its task slot (docs/transform.md, "Threads"): the pool
# runs one task per node (taskSlotsPerNode 1, checked below), so the node's online CPUs,
# $(nproc), are the cores of one slot.
THREADS_ARG = {"transform-data": " --threads $(nproc)"}


def command(sub):
    """The contract's command line of a Batch subcommand."""
    return COMMAND.format(sub=sub)[:-1] + THREADS_ARG.get(sub, "") + '"'
COMMON_KEYS = {"operationId", "adlsAccount", "storageEndpointSuffix", "cdmFileSystem",
               "configurationContainer", "configurationKind", "maxDepth",
               "managedIdentityClientId"}
SECRET_KEYS = {"clientId", "tenantId", "keyVaultUri", "clientSecretName"}
CONTRACT = {
    "BulkExport": ("bulk-export", COMMON_KEYS | {"fhirUrl", "exportTypes", "since", "groupId"}),
    "GenerateSchema": ("generate-schema", COMMON_KEYS),
    "TransformData": ("transform-data", COMMON_KEYS | {"exportManifest", "fileIndex", "fhirUrl"}),
    "Finalize": ("finalize", COMMON_KEYS | {"exportManifest"}),
}
# The tasks that write the CDM folder: generate-pipeline --format X (not csv, the default) ends
# their command line with "--format X" (docs/azure.md).
FORMAT_SUBCOMMANDS = {"generate-schema", "transform-data", "finalize"}
# What bulk-export's outputs.json gives the pipeline (ADF: activity output customOutput).
CUSTOM_OUTPUT = "@activity('BulkExport').output.customOutput"
ACTIVITY_CONDITIONS = {"Succeeded", "Failed", "Skipped", "Completed"}

# ---- ARM expressions ----------------------------------------------------------------------

TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')|(-?\d+)|([A-Za-z_][A-Za-z0-9_]*)|(.))")


def is_arm_expr(s):
    return isinstance(s, str) and s.startswith("[") and not s.startswith("[[") and s.endswith("]")


def tokenize(text):
    pos, out = 0, []
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        if m.group(1) is not None:
            out.append(("str", m.group(1)[1:-1].replace("''", "'")))
        elif m.group(2) is not None:
            out.append(("num", int(m.group(2))))
        elif m.group(3) is not None:
            out.append(("id", m.group(3)))
        elif m.group(4).strip():
            out.append(("op", m.group(4)))
    return out


class Parser:
    def __init__(self, text):
        self.toks = tokenize(text)
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", None)

    def take(self, kind=None, value=None):
        t = self.peek()
        if (kind and t[0] != kind) or (value is not None and t[1] != value):
            raise ValueError("expected %s %s, got %s" % (kind, value, t))
        self.i += 1
        return t

    def expr(self):
        t = self.take()
        if t[0] in ("str", "num"):
            node = ("lit", t[1])
        elif t[0] == "id":
            self.take("op", "(")
            args = []
            if self.peek() != ("op", ")"):
                args.append(self.expr())
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.expr())
            self.take("op", ")")
            node = ("call", t[1], args)
        else:
            raise ValueError("unexpected %s" % (t,))
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                node = ("prop", node, self.take("id")[1])
            else:
                node = ("index", node, self.expr())
                self.take("op", "]")
        return node


def parse(s):
    p = Parser(s[1:-1])
    node = p.expr()
    if p.peek()[0] != "eof":
        raise ValueError("trailing text in %r" % s)
    return node


def walk_calls(node):
    if node[0] == "call":
        yield node
        for a in node[2]:
            yield from walk_calls(a)
    elif node[0] in ("prop", "index"):
        yield from walk_calls(node[1])
        if node[0] == "index":
            yield from walk_calls(node[2])


class Evaluator:
    """Evaluates names symbolically: concat, parameters (their default), variables; anything
    else becomes an opaque but deterministic text, which is enough to compare resource names."""

    def __init__(self, tpl):
        self.tpl = tpl

    def ev(self, node):
        if node[0] == "lit":
            return str(node[1])
        if node[0] == "call":
            name, args = node[1], node[2]
            if name == "concat":
                return "".join(self.ev(a) for a in args)
            if name == "parameters":
                p = self.tpl.get("parameters", {}).get(args[0][1], {})
                d = p.get("defaultValue")
                return d if isinstance(d, str) and not is_arm_expr(d) else "{param:%s}" % args[0][1]
            if name == "variables":
                v = self.tpl.get("variables", {}).get(args[0][1])
                return self.value(v) if isinstance(v, str) else "{var:%s}" % args[0][1]
            return "%s(%s)" % (name, ",".join(self.ev(a) for a in args))
        if node[0] == "prop":
            return "%s.%s" % (self.ev(node[1]), node[2])
        return "%s[%s]" % (self.ev(node[1]), self.ev(node[2]))

    def value(self, s):
        return self.ev(parse(s)) if is_arm_expr(s) else s


def strings(v, path="$"):
    """Every string of the document (values and object keys) with its location."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield path + "/" + k + "(key)", k
            yield from strings(x, path + "/" + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from strings(x, "%s/%d" % (path, i))
    elif isinstance(v, str):
        yield path, v


# ---- checks -----------------------------------------------------------------------------


def check_arm(tpl, problems):
    if not str(tpl.get("$schema", "")).startswith(
            "https://schema.management.azure.com/schemas/") or not tpl["$schema"].endswith(
                "/deploymentTemplate.json#"):
        problems.append("$schema is not an ARM deployment template schema")
    if not re.fullmatch(r"\d+(\.\d+){3}", str(tpl.get("contentVersion", ""))):
        problems.append("contentVersion is not n.n.n.n")
    for key, kind in (("parameters", dict), ("variables", dict), ("resources", list)):
        if not isinstance(tpl.get(key), kind):
            problems.append("%s missing or not a %s" % (key, kind.__name__))
            return
    for name, p in tpl["parameters"].items():
        if p.get("type") not in ("string", "securestring", "int", "bool", "object",
                                 "secureObject", "array"):
            problems.append("parameter %s: bad type %r" % (name, p.get("type")))
    used = {"parameters": set(), "variables": set()}
    for where, s in strings(tpl):
        if not is_arm_expr(s):
            continue
        try:
            node = parse(s)
        except ValueError as e:
            problems.append("%s: unparsable ARM expression %r (%s)" % (where, s, e))
            continue
        for call in walk_calls(node):
            if call[1] in used:
                arg = call[2][0] if call[2] else None
                if not arg or arg[0] != "lit":
                    problems.append("%s: %s() without a literal name" % (where, call[1]))
                    continue
                used[call[1]].add(arg[1])
                if arg[1] not in tpl[call[1]]:
                    problems.append("%s: %s('%s') is not defined" % (where, call[1], arg[1]))
    for kind in ("parameters", "variables"):
        for name in sorted(set(tpl[kind]) - used[kind]):
            problems.append("%s '%s' is defined but never used" % (kind[:-1], name))
    ev = Evaluator(tpl)
    have = {}
    for i, r in enumerate(tpl["resources"]):
        for key in ("type", "apiVersion", "name"):
            if not isinstance(r.get(key), str):
                problems.append("resources[%d]: no %s" % (i, key))
        if isinstance(r.get("type"), str) and isinstance(r.get("name"), str):
            have[(r["type"].lower(), ev.value(r["name"]))] = i
    for i, r in enumerate(tpl["resources"]):
        for dep in r.get("dependsOn", []):
            try:
                node = parse(dep) if is_arm_expr(dep) else None
            except ValueError:
                node = None
            args = node[2] if node and node[0] == "call" else []
            if node and node[1] == "extensionResourceId" and len(args) >= 3:
                args = args[1:]  # (scope resource id, type, name...): an extension resource
            elif not node or node[1] != "resourceId" or len(args) < 2:
                problems.append("resources[%d]: dependsOn %r is not [resourceId(type, name...)]"
                                % (i, dep))
                continue
            key = (ev.ev(args[0]).lower(), "/".join(ev.ev(a) for a in args[1:]))
            if key not in have:
                problems.append("resources[%d] (%s): dependsOn %s does not resolve to a resource"
                                " of the template" % (i, r.get("type"), dep))
            elif have[key] == i:
                problems.append("resources[%d]: depends on itself" % i)


def activity_containers(activities, where="pipeline"):
    """Every list of activities: the pipeline's, a ForEach's / Until's (activities) and an
    If Condition's two branches (ifTrueActivities, ifFalseActivities)."""
    yield where, activities
    for a in activities:
        for key in ("activities", "ifTrueActivities", "ifFalseActivities"):
            inner = a.get("typeProperties", {}).get(key)
            if isinstance(inner, list):
                yield from activity_containers(inner, "%s/%s" % (where, a.get("name")))


def all_activities(activities):
    for _, acts in activity_containers(activities):
        yield from acts


ADF_ACTIVITY = re.compile(r"activity\('([^']*)'\)")
ADF_VARIABLE = re.compile(r"variables\('([^']*)'\)")
ADF_PARAM = re.compile(r"pipeline\(\)\.parameters\.([A-Za-z0-9_]+)")


def check_pipeline(pipe, problems):
    acts = pipe.get("activities")
    if not isinstance(acts, list) or not acts:
        problems.append("pipeline has no activities")
        return
    names = set()
    for where, container in activity_containers(acts):
        local = [a.get("name") for a in container]
        if len(set(local)) != len(local):
            problems.append("%s: duplicate activity names" % where)
        names |= set(local)
        for a in container:
            for d in a.get("dependsOn", []):
                if d.get("activity") not in local:
                    problems.append("%s: activity %s depends on %r, not an activity of the same "
                                    "container" % (where, a.get("name"), d.get("activity")))
                if not d.get("dependencyConditions") or not set(
                        d["dependencyConditions"]) <= ACTIVITY_CONDITIONS:
                    problems.append("%s: %s: bad dependencyConditions" % (where, a.get("name")))
        # no cycles within a container
        deps = {a.get("name"): [d.get("activity") for d in a.get("dependsOn", [])]
                for a in container}
        state = {}

        def visit(n):
            if state.get(n) == 1:
                return True
            if state.get(n) == 2 or n not in deps:
                return False
            state[n] = 1
            cyc = any(visit(m) for m in deps[n])
            state[n] = 2
            return cyc
        if any(visit(n) for n in deps):
            problems.append("%s: activity dependencies form a cycle" % where)
    pvars = set(pipe.get("variables", {}))
    pparams = set(pipe.get("parameters", {}))
    used_v, used_p = set(), set()
    for a in all_activities(acts):
        if a.get("type") == "SetVariable":
            v = a.get("typeProperties", {}).get("variableName")
            used_v.add(v)
            if v not in pvars:
                problems.append("SetVariable %s: variable %r not declared" % (a.get("name"), v))
    for where, s in strings(acts):
        if not s.startswith("@"):
            continue
        for n in ADF_ACTIVITY.findall(s):
            if n not in names:
                problems.append("%s: activity('%s') names no activity" % (where, n))
        for n in ADF_VARIABLE.findall(s):
            used_v.add(n)
            if n not in pvars:
                problems.append("%s: variables('%s') is not a pipeline variable" % (where, n))
        for n in ADF_PARAM.findall(s):
            used_p.add(n)
            if n not in pparams:
                problems.append("%s: pipeline parameter %s is not declared" % (where, n))
    for n in sorted(pvars - used_v):
        problems.append("pipeline variable %s is never used" % n)
    for n in sorted(pparams - used_p):
        problems.append("pipeline parameter %s is never used" % n)


def find(acts, name):
    for a in all_activities(acts):
        if a.get("name") == name:
            return a
    return None


def ext_value(v, env):
    """A Custom activity's extendedProperties value: a string, an expression when it starts
    with '@' (Data Factory evaluates those), like any other activity property."""
    if isinstance(v, str) and v.startswith("@"):
        return adf({"value": v, "type": "Expression"}, env)
    return adf(v, env)


def check_since(pipe, bulk, problems):
    """Runs the _since resolution on paper (adfexpr) for every kind of `since` parameter and
    checks what bulk-export is then given: '' -> no _since; an instant -> that instant;
    'last' with a state file -> its transactionTime; 'last' without one -> no _since."""
    acts = pipe["activities"]
    rs = find(acts, "ResolveSince")
    if not rs or rs.get("type") != "IfCondition":
        problems.append("no ResolveSince If Condition")
        return
    tp = rs["typeProperties"]
    t_state = "2024-05-01T12:00:00.123+02:00"
    cases = [("", False, ""), ("2024-01-01T00:00:00Z", False, "2024-01-01T00:00:00Z"),
             ("2024-01-01T00:00:00Z", True, "2024-01-01T00:00:00Z"),
             ("last", True, t_state), ("last", False, "")]
    for since, exists, want in cases:
        params = {k: adf(v.get("defaultValue"), {}) if not is_arm_expr(v.get("defaultValue"))
                  else "" for k, v in pipe.get("parameters", {}).items()}
        params.update({"since": since, "fhirUrl": "https://fhir.example", "groupId": "",
                       "exportTypes": "Patient"})
        env = {"parameters": params, "variables": {k: v.get("defaultValue", "")
                                                   for k, v in pipe["variables"].items()},
               "activities": {"StateExists": {"output": {"exists": exists}},
                              "ReadState": {"output": {"firstRow": {
                                  "transactionTime": t_state, "operationId": "x"}}}}}
        try:
            branch = "ifTrueActivities" if adf(tp["expression"], env) else "ifFalseActivities"
            if branch == "ifTrueActivities" and not exists:
                problems.append("since=%r: ResolveSince reads a state file that does not exist"
                                % since)
                continue
            for a in tp[branch]:  # in order of their dependsOn chain (list order here)
                if a.get("type") == "SetVariable":
                    v = a["typeProperties"]
                    env["variables"][v["variableName"]] = adf(v["value"], env)
            ext = bulk["typeProperties"]["extendedProperties"]
            got = ext_value(ext["since"], env)
            if ext_value(ext["exportTypes"], env) != "Patient" or \
                    ext_value(ext["groupId"], env) != "":
                problems.append("bulk-export is not given the exportTypes/groupId parameters")
        except (ValueError, KeyError, TypeError) as e:
            problems.append("since=%r (state %s): cannot evaluate: %s" % (since, exists, e))
            continue
        if got != want:
            problems.append("since=%r (state file %s): bulk-export since %r, expected %r"
                            % (since, "present" if exists else "absent", got, want))


def check_custom(acts, opts, problems):
    """Custom activities: exact command lines and extendedProperties keys (the contract)."""
    for name, (sub, keys) in CONTRACT.items():
        a = find(acts, name)
        if not a or a.get("type") != "Custom":
            problems.append("no Custom activity %s" % name)
            continue
        want_cmd = command(sub)
        if opts.get("format", "csv") != "csv" and sub in FORMAT_SUBCOMMANDS:
            want_cmd = want_cmd[:-1] + " --format %s\"" % opts["format"]
        if opts.get("mode", "append") == "merge" and sub in FORMAT_SUBCOMMANDS:
            want_cmd = want_cmd[:-1] + " --mode merge\""
        if a["typeProperties"].get("command") != want_cmd:
            problems.append("%s: command %r, expected %r"
                            % (name, a["typeProperties"].get("command"), want_cmd))
        want = keys | (SECRET_KEYS if opts.get("client_id") else set())
        got = set(a["typeProperties"].get("extendedProperties", {}))
        if got != want:
            problems.append("%s: extendedProperties keys differ: extra %s, missing %s"
                            % (name, sorted(got - want), sorted(want - got)))
        kind = a["typeProperties"].get("extendedProperties", {}).get("configurationKind")
        if kind != opts["kind"]:
            problems.append("%s: configurationKind %r, expected %r" % (name, kind, opts["kind"]))
        if a.get("linkedServiceName", {}).get("referenceName") != "Batch":
            problems.append("%s: does not run on the Batch linked service" % name)


def check_fanout(acts, problems):
    """The ForEach runs once per manifest entry, inside an If that skips an empty export; each
    task is given the stored manifest and its index (evaluated on paper for 0 and 3 files)."""
    gate = find(acts, "TransformIfFiles")
    fe = find(acts, "TransformFiles")
    if not gate or gate.get("type") != "IfCondition" or fe is None or fe not in gate.get(
            "typeProperties", {}).get("ifTrueActivities", []):
        problems.append("TransformFiles is not the ForEach inside the If TransformIfFiles")
        return
    if fe.get("type") != "ForEach" or find(fe["typeProperties"]["activities"],
                                           "TransformData") is None:
        problems.append("TransformData is not inside a ForEach")
        return
    tpf = fe["typeProperties"]
    if tpf.get("isSequential") is not False:
        problems.append("ForEach is sequential")
    if tpf.get("batchCount") != "[parameters('concurrency')]":
        problems.append("ForEach batchCount is not the concurrency parameter")
    td = find(tpf["activities"], "TransformData")["typeProperties"]["extendedProperties"]
    fin = find(acts, "Finalize")["typeProperties"]["extendedProperties"]
    manifest = ".fhir2cdm/exports/run-1/manifest.json"
    for count in (0, 3):
        env = {"parameters": {}, "variables": {}, "activities": {"BulkExport": {"output": {
            "customOutput": {"manifest": manifest, "fileCount": count}}}}}
        try:
            if adf(gate["typeProperties"]["expression"], env) != (count > 0):
                problems.append("TransformIfFiles is wrong for %d files" % count)
                continue
            if count:
                items = adf(tpf["items"], env)
                idx = [ext_value(td["fileIndex"], dict(env, item=i)) for i in items]
                if idx != ["0", "1", "2"] or ext_value(td["exportManifest"], env) != manifest:
                    problems.append("tasks get fileIndex %r / manifest %r for 3 files"
                                    % (idx, ext_value(td["exportManifest"], env)))
            if ext_value(fin["exportManifest"], env) != manifest:
                problems.append("Finalize is not given the stored manifest")
        except (ValueError, KeyError, TypeError) as e:
            problems.append("fan-out for %d files: cannot evaluate: %s" % (count, e))


def check_package_gate(acts, opts, problems):
    """Own storage: PackageExists + CheckPackage (Fail PackageMissing) before BulkExport;
    --package-url: neither."""
    pe, cp = find(acts, "PackageExists"), find(acts, "CheckPackage")
    if opts.get("package_url"):
        if pe or cp:
            problems.append("--package-url: the own-storage package check is still there")
        return
    if not pe or pe.get("type") != "GetMetadata" or pe["typeProperties"].get("dataset", {}).get(
            "referenceName") != "Package" or pe["typeProperties"].get("fieldList") != ["exists"]:
        problems.append("no PackageExists Get Metadata (exists) on the Package dataset")
    if not cp or cp.get("type") != "IfCondition" or cp["typeProperties"].get(
            "expression", {}).get("value") != "@activity('PackageExists').output.exists" or \
            [a.get("typeProperties", {}).get("errorCode")
             for a in cp["typeProperties"].get("ifFalseActivities", [])] != ["PackageMissing"]:
        problems.append("CheckPackage does not fail with PackageMissing when the blob is absent")
    for before, after in (("PackageExists", "CheckPackage"), ("CheckPackage", "BulkExport")):
        a = find(acts, after)
        if not a or {"activity": before, "dependencyConditions": ["Succeeded"]} not in a.get(
                "dependsOn", []):
            problems.append("%s does not follow %s on success" % (after, before))


def check_flow(tpl, pipe, expected_types, opts, problems):
    acts = pipe["activities"]
    ev = Evaluator(tpl)
    if any(a.get("type") == "WebActivity" for a in all_activities(acts)):
        # the FHIR server's 202 bodies are not JSON, which a Web activity cannot take
        problems.append("the pipeline still has a Web activity")
    bulk = find(acts, "BulkExport")
    if not bulk or bulk.get("type") != "Custom":
        problems.append("no BulkExport Custom activity")
        return
    ext = bulk["typeProperties"].get("extendedProperties", {})
    for key, want in (("exportTypes", "@pipeline().parameters.exportTypes"),
                      ("groupId", "@pipeline().parameters.groupId"),
                      ("fhirUrl", "@pipeline().parameters.fhirUrl"),
                      ("since", "@variables('sinceResolved')")):
        if ext.get(key) != want:
            problems.append("BulkExport %s is %r, expected %r" % (key, ext.get(key), want))
    check_since(pipe, bulk, problems)
    et = pipe.get("parameters", {}).get("exportTypes", {}).get("defaultValue", "")
    types = ev.value(et).split(",") if isinstance(et, str) else None
    if types != sorted(expected_types):
        problems.append("_type is %r, the configuration uses %r" % (types, sorted(expected_types)))
    for key, want in (("since", opts["since"]), ("groupId", opts["group"]),
                      ("fhirUrl", opts["fhir_url"])):
        d = pipe.get("parameters", {}).get(key, {}).get("defaultValue", "")
        if ev.value(d) != want:
            problems.append("pipeline parameter %s defaults to %r, expected %r"
                            % (key, ev.value(d), want))
    check_custom(acts, opts, problems)
    check_fanout(acts, problems)
    check_package_gate(acts, opts, problems)
    # order: bulk-export -> generate-schema -> (If files) ForEach -> finalize
    chain = [("SetOperationId", "BulkExport"), ("ResolveSince", "BulkExport"),
             ("StateExists", "ResolveSince"), ("BulkExport", "GenerateSchema"),
             ("GenerateSchema", "TransformIfFiles"), ("TransformIfFiles", "Finalize")]
    for before, after in chain:
        a = find(acts, after)
        if not a or {"activity": before, "dependencyConditions": ["Succeeded"]} not in a.get(
                "dependsOn", []):
            problems.append("%s does not follow %s on success" % (after, before))
    # failure paths: a Fail activity on each step's Failed output, carrying its message
    for step in ("ResolveSince", "BulkExport", "GenerateSchema", "TransformData", "Finalize"):
        fails = [a for a in all_activities(acts) if a.get("type") == "Fail" and
                 {"activity": step, "dependencyConditions": ["Failed"]} in a.get("dependsOn", [])]
        if not fails or "activity('%s').error.message" % step not in json.dumps(fails[0]):
            problems.append("no Fail activity carrying %s's error message" % step)


def check_pool(tpl, pool, opts, problems):
    ev = Evaluator(tpl)
    vmc = pool["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    img = vmc["imageReference"]
    lts = "lts" in img.get("offer", "") or "lts" in img.get("sku", "")
    if img.get("publisher") != "canonical" or not lts or \
            not vmc.get("nodeAgentSkuId", "").startswith("batch.node.ubuntu "):
        problems.append("pool image is not Ubuntu LTS")
    # No node (so no start task) before a task is pending: deploy, upload, run cannot race.
    auto = pool["properties"].get("scaleSettings", {}).get("autoScale", {})
    formula = ev.value(auto.get("formula", ""))
    if "fixedScale" in pool["properties"].get("scaleSettings", {}) or \
            "startingNumberOfVMs = 0;" not in formula or \
            "maxNumberofVMs = string({param:batchNodes});" not in formula or \
            "$TargetDedicatedNodes = min(maxNumberofVMs, pendingTaskSamples);" not in formula:
        problems.append("pool does not autoscale from 0 to batchNodes on pending tasks: %r"
                        % formula)
    if pool["properties"].get("taskSlotsPerNode") != 1:
        problems.append("pool taskSlotsPerNode is %r, not 1: transform-data's --threads $(nproc) "
                        "would give each task every core of the node"
                        % pool["properties"].get("taskSlotsPerNode"))
    st = pool["properties"].get("startTask", {})
    cmd = ev.value(st.get("commandLine", ""))
    for part in ("install -y --no-install-recommends $F2C_PACKAGES", "DPkg::Lock::Timeout",
                 "tar -xzf fhir2cdm.tar.gz --no-same-owner", "chmod -R u=rwX,go=rX",
                 "fhir2cdm-transform --version"):
        if part not in cmd:
            problems.append("start task command line lacks %r" % part)
    env = {e.get("name"): e.get("value") for e in st.get("environmentSettings", [])}
    if env.get("F2C_PACKAGES") != "[variables('runtimePackages')]":
        problems.append("start task is not given the runtime packages")
    ident = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', " \
            "variables('poolIdentityName'))]"
    if opts.get("package_url"):
        want = [{"httpUrl": "[parameters('packageUrl')]", "filePath": "fhir2cdm.tar.gz"}]
    else:
        want = [{"httpUrl": "[variables('packageBlobUrl')]", "filePath": "fhir2cdm.tar.gz",
                 "identityReference": {"resourceId": ident}}]
        url = ev.value("[variables('packageBlobUrl')]")
        if not url.startswith("https://f2c") or \
                not url.endswith(".blob.environment().suffixes.storage/packages/fhir2cdm.tar.gz"):
            problems.append("packageBlobUrl is %r" % url)
    if st.get("resourceFiles") != want:
        problems.append("start task resourceFiles are %r, expected %r"
                        % (st.get("resourceFiles"), want))
    if st.get("waitForSuccess") is not True:
        problems.append("tasks may start before the start task succeeded")
    if "variables('poolRoleAssignmentName')" not in json.dumps(pool.get("dependsOn", [])):
        problems.append("the pool does not depend on its identity's role assignment")


def check_resources(tpl, opts, problems):
    res = tpl.get("resources", [])
    by_type = {}
    for r in res:
        by_type.setdefault(r.get("type"), []).append(r)
    sa = by_type.get("Microsoft.Storage/storageAccounts", [None])[0]
    if not sa or sa.get("kind") != "StorageV2" or sa.get("properties", {}).get(
            "isHnsEnabled") is not True:
        problems.append("no StorageV2 account with hierarchical namespace")
    containers = {Evaluator(tpl).value(r["name"]).rsplit("/", 1)[-1]
                  for r in by_type.get("Microsoft.Storage/storageAccounts/blobServices/containers",
                                       [])}
    if containers != {"config", "cdm", "packages"}:
        problems.append("containers are %r" % sorted(containers))
    pool = by_type.get("Microsoft.Batch/batchAccounts/pools", [None])[0]
    if not pool:
        problems.append("no Batch pool")
    else:
        check_pool(tpl, pool, opts, problems)
    df = by_type.get("Microsoft.DataFactory/factories", [None])[0]
    if not df or df.get("identity", {}).get("type") != "SystemAssigned":
        problems.append("no Data Factory with a system-assigned identity")
    ls = {Evaluator(tpl).value(r["name"]).rsplit("/", 1)[-1]: r["properties"]["type"]
          for r in by_type.get("Microsoft.DataFactory/factories/linkedservices", [])}
    want_ls = {"CdmStorage": "AzureBlobFS", "BatchStorage": "AzureBlobStorage",
               "Batch": "AzureBatch"}
    if ls != want_ls:
        problems.append("linked services are %r, expected %r" % (ls, want_ls))
    ds = {Evaluator(tpl).value(r["name"]).rsplit("/", 1)[-1]
          for r in by_type.get("Microsoft.DataFactory/factories/datasets", [])}
    want_ds = {"CdmState"} | (set() if opts.get("package_url") else {"Package"})
    if ds != want_ds:
        problems.append("datasets are %r, expected %r" % (sorted(ds), sorted(want_ds)))
    roles = by_type.get("Microsoft.Authorization/roleAssignments", [])
    blob = [r for r in roles if "storageBlobDataContributor" in r["properties"]["roleDefinitionId"]]
    principals = " ".join(r["properties"]["principalId"] for r in blob)
    if len(blob) != 2 or "Microsoft.DataFactory/factories" not in principals or \
            "userAssignedIdentities" not in principals:
        problems.append("Storage Blob Data Contributor not given to the factory and the pool")
    kvroles = [r for r in roles if "keyVaultSecretsUser" in r["properties"]["roleDefinitionId"]]
    kv = by_type.get("Microsoft.KeyVault/vaults", [])
    secret = by_type.get("Microsoft.KeyVault/vaults/secrets", [])
    if opts.get("client_id"):
        if len(kv) != 1 or len(secret) != 1:
            problems.append("client secret mode without a Key Vault and its secret")
        # only the pool's tasks read the secret; the factory never calls the FHIR server
        if len(kvroles) != 1 or "userAssignedIdentities" not in \
                kvroles[0]["properties"]["principalId"]:
            problems.append("Key Vault Secrets User is not given to the pool identity alone")
        p = tpl["parameters"].get("fhirClientSecret", {})
        if p.get("type") != "securestring" or "defaultValue" in p:
            problems.append("fhirClientSecret is not a securestring without default")
    elif kv or secret or kvroles:
        problems.append("Key Vault deployed although no client secret is used")


def check_parameters_file(tpl, pfile, opts, problems):
    if not pfile.get("$schema", "").endswith("/deploymentParameters.json#"):
        problems.append("parameters file: bad $schema")
    params = pfile.get("parameters", {})
    for name in params:
        if name not in tpl.get("parameters", {}):
            problems.append("parameters file sets undeclared parameter %s" % name)
    if "fhirClientSecret" in params:
        problems.append("parameters file contains the client secret")
    if ("packageUrl" in params) != bool(opts.get("package_url")) or \
            params.get("packageUrl", {}).get("value", opts.get("package_url")) != \
            opts.get("package_url"):
        problems.append("parameters file packageUrl is %r, expected %r"
                        % (params.get("packageUrl"), opts.get("package_url")))
    want = {"pipelineName": opts["pipeline_name"], "fhirUrl": opts["fhir_url"],
            "since": opts["since"], "groupId": opts["group"], "concurrency": opts["concurrency"],
            "batchNodes": opts["batch_nodes"], "maxDepth": opts["max_depth"]}
    for k, v in want.items():
        got = params.get(k, {}).get("value")
        dflt = tpl["parameters"].get(k, {}).get("defaultValue")
        if got != v or dflt != v:
            problems.append("parameter %s: file %r, default %r, expected %r" % (k, got, dflt, v))


def check(tpl, pfile, expected_types, opts):
    problems = []
    check_arm(tpl, problems)
    if problems:
        return problems
    pipes = [r for r in tpl["resources"] if r.get("type") ==
             "Microsoft.DataFactory/factories/pipelines"]
    if len(pipes) != 1:
        return problems + ["expected one pipeline resource, found %d" % len(pipes)]
    pipe = pipes[0].get("properties", {})
    check_pipeline(pipe, problems)
    if not problems:
        check_flow(tpl, pipe, expected_types, opts, problems)
    check_resources(tpl, opts, problems)
    check_parameters_file(tpl, pfile, opts, problems)
    return problems
