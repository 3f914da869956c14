#!/usr/bin/env node
// manifest_shape.js: what Microsoft's CDM object model makes of a Parquet folder's manifest
// beyond check.js (which says whether it loads): the root traits with their arguments (the
// fhir2cdm:commit marker) and, for every resolved decimal attribute, the arguments of its
// is.dataFormat.numeric.shaped trait.  Prints one JSON object; test_manifest_sdk.py compares it
// with the documents.  Usage: node manifest_shape.js SDK_DIR FOLDER
'use strict';
const path = require('path');
const sdk = path.resolve(process.argv[2]);
const folder = path.resolve(process.argv[3]);
const T = require(path.join(sdk, 'node_modules', 'cdm.objectmodel')).types;
process.chdir(folder);
const corpus = new T.CdmCorpusDefinition();
const problems = [];
corpus.setEventCallback((level, msg) => problems.push(msg), T.cdmStatusLevel.warning);
corpus.storage.mount('local', new T.LocalAdapter(folder));
corpus.storage.defaultNamespace = 'local';
(async () => {
    const man = await corpus.fetchObjectAsync('local:/model.manifest.cdm.json');
    const out = {traits: {}, decimals: {}, problems};
    for (const t of man.exhibitsTraits.allItems)
        out.traits[t.namedReference] = t.arguments.allItems.map(a => [a.name, a.value]);
    for (const d of man.entities.allItems) {
        const ent = await corpus.fetchObjectAsync(d.entityPath, man);
        const res = await ent.createResolvedEntityAsync(d.entityName + '_shape');
        for (const a of res.attributes.allItems) {
            const t = a.appliedTraits.item('is.dataFormat.numeric.shaped');
            if (T.cdmDataFormat[a.dataFormat] === 'decimal' && t)
                out.decimals[d.entityName + '.' + a.name] =
                    Object.fromEntries(t.arguments.allItems.map(x => [x.name, x.value]));
        }
    }
    console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
