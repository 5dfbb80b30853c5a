// Digital Bazaar's JavaScript stack issuing and verifying one credential, for bench/sign.py.
//
//   node bench/js_sign.mjs --credential FILE --contexts FILE [--n 200] [--clock cpu|wall]
//
// FILE is an unsigned credential; --contexts is a JSON object {context URL: file path}
// (sign.py passes Cairn's bundled table, so both languages canonicalize against the same
// files). The issuer becomes a fresh did:key, resolved locally as the shared interop
// verifier does (../shared/interop/lib/loader.mjs): nothing is fetched. Every iteration
// uses a new credential id, so nothing is verified twice. Prints one JSON object.
import {randomBytes, randomUUID} from 'node:crypto';
import {readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import process from 'node:process';
import {pathToFileURL} from 'node:url';

const HOME = process.env.CAIRN_INTEROP_HOME ||
  path.join(os.homedir(), '.cache', 'cairn-interop');
const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';
const DID_CONTEXT = 'https://www.w3.org/ns/did/v1';

// The packages are ES modules that name their entry in "exports" (or "main"); importing
// that file by path lets their own bare imports resolve inside HOME/node_modules.
async function load(name) {
  const dir = path.join(HOME, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  let entry = pkg.exports?.['.'] ?? pkg.exports ?? pkg.main ?? 'index.js';
  if(typeof entry === 'object') {
    entry = entry.import ?? entry.default;
  }
  return import(pathToFileURL(path.join(dir, entry)).href);
}

function parseArgs(argv) {
  const opts = {n: 200, clock: 'cpu'};
  for(let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if(value === undefined) {
      throw new Error(`${flag} needs a value`);
    }
    if(flag === '--credential') {
      opts.credential = JSON.parse(readFileSync(value, 'utf8'));
    } else if(flag === '--contexts') {
      opts.contexts = JSON.parse(readFileSync(value, 'utf8'));
    } else if(flag === '--n') {
      opts.n = Number(value);
    } else if(flag === '--clock') {
      opts.clock = value;
    } else {
      throw new Error(`unknown option ${flag}`);
    }
  }
  if(!opts.credential || !opts.contexts) {
    throw new Error('usage: js_sign.mjs --credential FILE --contexts FILE [--n N]');
  }
  return opts;
}

function makeDocumentLoader(contexts, key) {
  const parsed = new Map();
  const did = key.controller;
  const method = {
    '@context': MULTIKEY_CONTEXT, id: key.id, type: 'Multikey', controller: did,
    publicKeyMultibase: key.publicKeyMultibase
  };
  const {'@context': _unused, ...methodInDocument} = method;
  const didDocument = {
    '@context': [DID_CONTEXT, MULTIKEY_CONTEXT], id: did,
    verificationMethod: [methodInDocument], assertionMethod: [key.id],
    authentication: [key.id]
  };
  return async url => {
    if(Object.hasOwn(contexts, url)) {
      if(!parsed.has(url)) {
        parsed.set(url, JSON.parse(readFileSync(contexts[url], 'utf8')));
      }
      return {contextUrl: null, documentUrl: url, document: parsed.get(url)};
    }
    if(url === key.id) {
      return {contextUrl: null, documentUrl: url, document: method};
    }
    if(url === did) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    throw new Error(`refused to load "${url}" (offline benchmark)`);
  };
}

// cpu: the process's CPU time (what sign.py's thread CPU time compares with; it includes
// the garbage collector's threads); wall: elapsed time.
function clockFor(name) {
  if(name === 'wall') {
    return () => performance.now() * 1000;
  }
  return () => {
    const {user, system} = process.cpuUsage();
    return user + system;
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] :
    (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const vc = await load('@digitalbazaar/vc');
  const {DataIntegrityProof} = await load('@digitalbazaar/data-integrity');
  const {cryptosuite} = await load('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
  const Ed25519Multikey = await load('@digitalbazaar/ed25519-multikey');

  const seed = new Uint8Array(randomBytes(32));
  const fingerprint = (await Ed25519Multikey.generate({seed})).publicKeyMultibase;
  const did = `did:key:${fingerprint}`;
  const key = await Ed25519Multikey.generate({seed, id: `${did}#${fingerprint}`, controller: did});
  const documentLoader = makeDocumentLoader(opts.contexts, key);
  const signSuite = new DataIntegrityProof({signer: key.signer(), cryptosuite});
  const verifySuite = new DataIntegrityProof({cryptosuite});
  const checkStatus = async () => ({verified: true});

  const fresh = () => {
    const credential = structuredClone(opts.credential);
    credential.id = `urn:uuid:${randomUUID()}`;
    credential.issuer = typeof credential.issuer === 'object' ?
      {...credential.issuer, id: did} : did;
    return credential;
  };
  const issue = credential => vc.issue({credential, suite: signSuite, documentLoader});

  const warmUp = Math.min(20, opts.n);
  for(let i = 0; i < warmUp; i++) {
    const signed = await issue(fresh());
    const result = await vc.verifyCredential({
      credential: signed, suite: verifySuite, documentLoader, checkStatus});
    if(!result.verified) {
      throw new Error('warm-up verification failed: ' + JSON.stringify(result.error ||
        result.results?.map(r => r.error?.message)));
    }
  }

  const now = clockFor(opts.clock);
  const issueTimes = [];
  const signed = [];
  for(let i = 0; i < opts.n; i++) {
    const credential = fresh();
    const start = now();
    signed.push(await issue(credential));
    issueTimes.push(now() - start);
  }
  const verifyTimes = [];
  for(const credential of signed) {
    const start = now();
    const result = await vc.verifyCredential({
      credential, suite: verifySuite, documentLoader, checkStatus});
    verifyTimes.push(now() - start);
    if(!result.verified) {
      throw new Error('verification failed');
    }
  }
  process.stdout.write(JSON.stringify({
    n: opts.n,
    node: process.version,
    clock: opts.clock,
    issue_median_us: median(issueTimes),
    verify_median_us: median(verifyTimes),
    note: 'vc.issue / vc.verifyCredential (verify also resolves the did:key ' +
      'verification method and checks the issuer binding)'
  }) + '\n');
}

main().catch(error => {
  process.stdout.write(JSON.stringify({error: String(error?.stack || error)}) + '\n');
  process.exitCode = 1;
});
