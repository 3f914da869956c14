#!/usr/bin/env node
// sdk_locations.js: where Microsoft's CDM object model says a folder's partitions are, for a
// given working directory and mount.  check.js answers "does it load"; this answers "which file
// would a reader open" (docs/cdm-folder.md, "`location`: relative, and what the specification
// says about it").
//
// usage: node sdk_locations.js SDK_DIR FOLDER DOC NAMESPACE ROOT
//   The process keeps the working directory it was started in (the caller chooses it).  FOLDER's
//   DOC (model.json or NAME.manifest.cdm.json) is read through a LocalAdapter on ROOT (FOLDER or
//   a folder above it) mounted as NAMESPACE, as NAMESPACE:/<FOLDER relative to ROOT>/DOC; the
//   corpus keeps the 'local' adapter the SDK mounts by default on process.cwd() (StorageManager's
//   constructor) unless NAMESPACE is 'local' itself.
// Prints one JSON object: {"cwd", "loaded", "messages": [SDK warnings and errors],
//   "partitions": [{"entity", "location": the partition's location as the SDK holds it,
//                   "corpusPath": createAbsoluteCorpusPath(location, document),
//                   "file": corpusPathToAdapterPath(corpusPath), "exists"}]}
'use strict';
const fs = require('fs');
const path = require('path');
const [sdkDir, folderArg, doc, ns, rootArg] = process.argv.slice(2);
if (!rootArg) {
    console.error('usage: node sdk_locations.js SDK_DIR FOLDER DOC NAMESPACE ROOT');
    process.exit(2);
}
const T = require(path.join(path.resolve(sdkDir), 'node_modules', 'cdm.objectmodel')).types;
const folder = path.resolve(folderArg);
const root = path.resolve(rootArg);
const rel = path.relative(root, folder).split(path.sep).filter(Boolean).join('/');

const messages = [];
const corpus = new T.CdmCorpusDefinition();
corpus.setEventCallback((level, msg) => messages.push(`${T.cdmStatusLevel[level]}: ${msg}`),
    T.cdmStatusLevel.warning);
corpus.storage.mount(ns, new T.LocalAdapter(root));
corpus.storage.defaultNamespace = ns;

(async () => {
    const manifest = await corpus.fetchObjectAsync(`${ns}:/${rel ? rel + '/' : ''}${doc}`);
    const partitions = [];
    for (const decl of manifest ? manifest.entities.allItems : []) {
        for (const p of decl.dataPartitions ? decl.dataPartitions.allItems : []) {
            const abs = p.location
                ? corpus.storage.createAbsoluteCorpusPath(p.location, manifest) : undefined;
            const file = abs ? corpus.storage.corpusPathToAdapterPath(abs) : undefined;
            partitions.push({entity: decl.entityName, location: p.location || '',
                             corpusPath: abs || '', file: file || '',
                             exists: !!file && fs.existsSync(file)});
        }
    }
    console.log(JSON.stringify({cwd: process.cwd(), loaded: !!manifest, messages, partitions}));
})().catch(e => { console.error(e); process.exit(1); });
