"""Structural checks of every variant's generated template (armcheck.py), then proof that the
checker itself catches each kind of breakage (a checker that passes everything proves nothing).
Usage: test_structure.py FHIR2CDM_BINARY PROJECT_ROOT"""
import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import copy
import json
import sys

import armcheck
import common


def main():
    gen, root = sys.argv[1], sys.argv[2]
    failures = 0
    good = None
    for name, args, opts in common.VARIANTS:
        opts = dict(opts, fhir_url=common.FHIR_URL)
        out, proc = common.generate(gen, root, args)
        if proc.returncode != 0:
            print("FAIL %s: exit %d\n%s" % (name, proc.returncode, proc.stderr))
            failures += 1
            continue
        tpl, params = common.load(out)
        types = common.expected_types(root, args)
        problems = armcheck.check(tpl, params, types, opts)
        for p in problems:
            print("FAIL %s: %s" % (name, p))
        failures += bool(problems)
        print("%s %s: %d resources, _type=%s" % ("ok  " if not problems else "FAIL", name,
                                                   len(tpl["resources"]), ",".join(types)))
        if name == "samples-config":
            good = (tpl, params, types, opts)
    if good:
        failures += mutations(*good)
    return 1 if failures else 0


def pipeline_of(tpl):
    return next(r for r in tpl["resources"]
                if r["type"] == "Microsoft.DataFactory/factories/pipelines")["properties"]


def act(tpl, name):
    return next(a for a in armcheck.all_activities(pipeline_of(tpl)["activities"])
                if a["name"] == name)


def mutations(tpl, params, types, opts):
    """Each mutation breaks one expectation; the checker must report it."""
    def drop_variable(t):
        del t["variables"]["cdmContainer"]

    def unused_parameter(t):
        t["parameters"]["unused"] = {"type": "string", "defaultValue": ""}

    def unused_variable(t):
        t["variables"]["unused"] = "x"

    def bad_depends_on(t):
        t["resources"][1]["dependsOn"] = [
            "[resourceId('Microsoft.Storage/storageAccounts', 'someOtherAccount')]"]

    def bad_activity_dep(t):
        act(t, "Finalize")["dependsOn"][0]["activity"] = "TransformData"  # inside the ForEach

    def missing_type(t):
        # the template variable is what the pipeline's exportTypes parameter defaults to
        t["variables"]["exportTypes"] = ",".join(types[1:])

    def extra_type(t):
        t["variables"]["exportTypes"] += ",Practitioner"

    def wrong_command(t):
        act(t, "TransformData")["typeProperties"]["command"] = \
            "fhir2cdm-transform transform-data --adf-activity activity.json"

    def more_slots(t):
        # two tasks per node would each take every core (--threads $(nproc))
        pool = next(r for r in t["resources"] if r["type"].endswith("/pools"))
        pool["properties"]["taskSlotsPerNode"] = 2

    def missing_ext_key(t):
        del act(t, "Finalize")["typeProperties"]["extendedProperties"]["exportManifest"]

    def no_fail_path(t):
        acts = pipeline_of(t)["activities"]
        acts[:] = [a for a in acts if a["name"] != "FailGenerateSchema"]

    def sequential(t):
        act(t, "TransformFiles")["typeProperties"]["isSequential"] = True

    def undefined_pipeline_var(t):
        act(t, "BulkExport")["typeProperties"]["extendedProperties"]["since"] = \
            "@variables('sinceResolve')"

    def web_activity(t):
        act(t, "BulkExport")["type"] = "WebActivity"

    def fixed_pool(t):
        pool = next(r for r in t["resources"] if r["type"].endswith("/pools"))
        pool["properties"]["scaleSettings"] = {"fixedScale": {"targetDedicatedNodes": 2}}

    def no_package_gate(t):
        acts = pipeline_of(t)["activities"]
        acts[:] = [a for a in acts if a["name"] != "CheckPackage"]
        act(t, "BulkExport")["dependsOn"] = act(t, "BulkExport")["dependsOn"][:2]

    def public_package_with_identity(t):
        pool = next(r for r in t["resources"] if r["type"].endswith("/pools"))
        pool["properties"]["startTask"]["resourceFiles"][0]["httpUrl"] = \
            "[parameters('location')]"

    def empty_export_runs_foreach(t):
        act(t, "TransformIfFiles")["typeProperties"]["expression"]["value"] = "@equals(1, 1)"

    def since_not_passed(t):
        act(t, "BulkExport")["typeProperties"]["extendedProperties"]["since"] = \
            "@pipeline().parameters.since"

    cases = [drop_variable, unused_parameter, unused_variable, bad_depends_on, bad_activity_dep,
             missing_type, extra_type, wrong_command, missing_ext_key, no_fail_path, sequential,
             undefined_pipeline_var, web_activity, fixed_pool, no_package_gate,
             public_package_with_identity, empty_export_runs_foreach, since_not_passed,
             more_slots]
    failures = 0
    for case in cases:
        t = copy.deepcopy(tpl)
        case(t)
        problems = armcheck.check(json.loads(json.dumps(t)), params, types, opts)
        if problems:
            print("ok   checker catches %s: %s" % (case.__name__, problems[0]))
        else:
            print("FAIL checker misses %s" % case.__name__)
            failures += 1
    return failures


if __name__ == "__main__":
    sys.exit(main())
