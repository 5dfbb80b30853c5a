// Sign an unsigned credential with Digital Bazaar's libraries and a fresh Ed25519 did:key
// that Cairn has never seen, and print the signed credential as JSON (one line).
//
//   node sign_with_js.mjs [--keep-issuer] [--now ISO] FILE|-
//
// The issuer's id becomes the did:key DID (a did:key controls its only key, so the key is
// bound to the issuer) unless --keep-issuer is given. The libraries come from the
// third-party verifiers' install (../shared/interop/setup.sh):
// ${CAIRN_INTEROP_HOME:-~/.cache/cairn-interop}/node_modules. JSON-LD contexts come from the
// bundled spec files (CAIRN_SPEC_DIR, default ../../../shared/spec); nothing is fetched.
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HOME = process.env.CAIRN_INTEROP_HOME ||
  path.join(os.homedir(), '.cache', 'cairn-interop');
const SPEC = process.env.CAIRN_SPEC_DIR ||
  path.resolve(HERE, '..', '..', '..', 'shared', 'spec');

// canonical URL -> file under the spec folder (as ../shared/interop/lib/loader.mjs)
const CONTEXT_FILES = {
  'https://w3id.org/openbadges/v2': 'ob_v2p0/context.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob_v3p0/context-3.0.3.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json': 'ob_v3p0/context-3.0.2.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json': 'ob_v3p0/context-3.0.1.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context.json': 'ob_v3p0/context.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json': 'ob_v3p0/extensions.json',
  'https://www.w3.org/ns/credentials/v2': 'w3c/credentials-v2.jsonld',
  'https://www.w3.org/2018/credentials/v1': 'w3c/credentials-v1.jsonld',
  'https://w3id.org/security/data-integrity/v2': 'w3c/data-integrity-v2.jsonld',
  'https://w3id.org/security/data-integrity/v1': 'w3c/data-integrity-v1.jsonld',
  'https://w3id.org/security/multikey/v1': 'w3c/multikey-v1.jsonld',
  'https://www.w3.org/ns/credentials/status/v1': 'w3c/bitstring-status-list-v1.jsonld',
  'https://www.w3.org/ns/cid/v1': 'w3c/cid-v1.jsonld',
  'https://www.w3.org/ns/did/v1': 'w3c/did-v1.jsonld'
};

// The packages are ES modules outside this folder: resolve each from the install.
const requireFromHome = createRequire(path.join(HOME, 'node_modules', 'index.js'));
async function load(name) {
  return import(pathToFileURL(requireFromHome.resolve(name)).href);
}

function documentLoader(url) {
  if(!Object.hasOwn(CONTEXT_FILES, url)) {
    throw new Error(`refused to load "${url}": only bundled contexts are served`);
  }
  const document = JSON.parse(readFileSync(path.join(SPEC, CONTEXT_FILES[url]), 'utf8'));
  return {contextUrl: null, documentUrl: url, document};
}

async function readInput(arg) {
  if(arg === '-') {
    const chunks = [];
    for await (const chunk of process.stdin) {
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  return readFileSync(arg, 'utf8');
}

async function main() {
  const args = process.argv.slice(2);
  const keepIssuer = args.includes('--keep-issuer');
  const nowAt = args.indexOf('--now');
  const date = nowAt === -1 ? undefined : new Date(args[nowAt + 1]);
  const input = args.filter((a, i) => (a === '-' || !a.startsWith('--')) &&
    (nowAt === -1 || i !== nowAt + 1)).at(-1);
  if(!input) {
    throw new Error('usage: sign_with_js.mjs [--keep-issuer] [--now ISO] FILE|-');
  }
  const vc = await load('@digitalbazaar/vc');
  const Ed25519Multikey = await load('@digitalbazaar/ed25519-multikey');
  const {DataIntegrityProof} = await load('@digitalbazaar/data-integrity');
  const {cryptosuite} = await load('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');

  const credential = JSON.parse(await readInput(input));
  const key = await Ed25519Multikey.generate();
  const did = `did:key:${key.publicKeyMultibase}`;
  key.controller = did;
  key.id = `${did}#${key.publicKeyMultibase}`;
  if(!keepIssuer) {
    credential.issuer = typeof credential.issuer === 'object' && credential.issuer !== null ?
      {...credential.issuer, id: did} : did;
  }
  delete credential.proof;
  const suite = new DataIntegrityProof({signer: key.signer(), cryptosuite, date});
  const signed = await vc.issue({credential, suite, documentLoader});
  process.stdout.write(JSON.stringify(signed) + '\n');
}

main().catch(error => {
  process.stderr.write(`sign_with_js: ${error.stack || error}\n`);
  process.exitCode = 1;
});
