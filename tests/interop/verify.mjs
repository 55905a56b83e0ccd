// Verifies a shenbao certificate with jose, a JOSE implementation independent
// of the server's (CONTRACT.md, "Certificates": any standard JOSE library
// given /.well-known/jwks.json must verify it).
//
//     node verify.mjs CERT.json JWKS.json
//
// CERT.json is the {certificate, jws} object as issued; JWKS.json the
// server's key set.  Exit 0 when the JWS verifies (EdDSA only, the key
// chosen by the header's kid) and its payload, parsed as JSON, equals
// `certificate`; exit 1 with the reason otherwise.
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';

import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';

function fail(why) {
  console.error(`verify.mjs: INVALID: ${why}`);
  process.exit(1);
}

async function readJson(path, what) {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    fail(`cannot read ${what} ${path}: ${e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(`${what} ${path} is not JSON: ${e.message}`);
  }
}

async function main(argv) {
  if (argv.length !== 2) {
    console.error('usage: node verify.mjs CERT.json JWKS.json');
    process.exit(2);
  }
  const [certPath, jwksPath] = argv;
  const doc = await readJson(certPath, 'certificate file');
  const jwks = await readJson(jwksPath, 'JWKS');
  if (doc === null || typeof doc !== 'object' || typeof doc.jws !== 'string')
    fail(`${certPath} has no "jws" string`);
  if (doc.certificate === null || typeof doc.certificate !== 'object')
    fail(`${certPath} has no "certificate" object`);

  let keys;
  try {
    keys = createLocalJWKSet(jwks);
  } catch (e) {
    fail(`${jwksPath} is not a usable JWKS: ${e.message}`);
  }
  let kid = '?';
  try {
    kid = decodeProtectedHeader(doc.jws).kid ?? '?';
  } catch {
    // compactVerify below says what is wrong with it.
  }
  let verified;
  try {
    verified = await compactVerify(doc.jws, keys, { algorithms: ['EdDSA'] });
  } catch (e) {
    fail(`the JWS does not verify with key ${kid} (${e.code ?? e.name}: ${e.message})`);
  }
  let payload;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(verified.payload));
  } catch (e) {
    fail(`the signed payload is not JSON: ${e.message}`);
  }
  if (!isDeepStrictEqual(payload, doc.certificate))
    fail('the certificate differs from the signed payload');
  console.log(
    `valid: ${payload.kind} ${payload.serial} for ${payload.holder?.name}, ` +
      `${verified.protectedHeader.alg} with key ${verified.protectedHeader.kid} (jose)`,
  );
}

await main(process.argv.slice(2));
